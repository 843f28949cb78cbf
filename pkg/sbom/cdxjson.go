package sbom

import (
	"fmt"
	"reflect"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// cdxWritable says whether writeCDXJSON covers every field set in doc;
// documents using other parts of the CycloneDX model go through the
// library's (slower) encoder instead of losing those parts.
func cdxWritable(doc *cdx.BOM) bool {
	top := *doc
	top.XMLName, top.XMLNS, top.JSONSchema, top.BOMFormat, top.SpecVersion = cdx.BOM{}.XMLName, "", "", "", 0
	top.SerialNumber, top.Version, top.Metadata, top.Components, top.Dependencies = "", 0, nil, nil, nil
	if !reflect.ValueOf(top).IsZero() {
		return false
	}
	if m := doc.Metadata; m != nil {
		meta := *m
		meta.Timestamp, meta.Tools, meta.Component = "", nil, nil
		if !reflect.ValueOf(meta).IsZero() {
			return false
		}
		if m.Tools != nil {
			if m.Tools.Tools != nil || m.Tools.Services != nil || m.Tools.Components == nil {
				return false
			}
			for i := range *m.Tools.Components {
				if !cdxComponentWritable(&(*m.Tools.Components)[i]) {
					return false
				}
			}
		}
		if m.Component != nil && !cdxComponentWritable(m.Component) {
			return false
		}
	}
	if doc.Components != nil {
		for i := range *doc.Components {
			if !cdxComponentWritable(&(*doc.Components)[i]) {
				return false
			}
		}
	}
	if doc.Dependencies != nil {
		for _, d := range *doc.Dependencies {
			if d.Provides != nil {
				return false
			}
		}
	}
	return true
}

func cdxComponentWritable(c *cdx.Component) bool {
	rest := *c
	rest.BOMRef, rest.Type, rest.Name, rest.Version, rest.Description, rest.Scope = "", "", "", "", "", ""
	rest.Hashes, rest.Licenses, rest.CPE, rest.PackageURL, rest.Pedigree = nil, nil, "", "", nil
	rest.ExternalReferences, rest.Properties, rest.Evidence = nil, nil, nil
	if !reflect.ValueOf(rest).IsZero() {
		return false
	}
	if c.Licenses != nil {
		for _, l := range *c.Licenses {
			lc := l
			lc.License, lc.Expression, lc.Acknowledgement = nil, "", nil
			if !reflect.ValueOf(lc).IsZero() {
				return false
			}
			if l.License != nil {
				lic := *l.License
				lic.ID, lic.Name, lic.Acknowledgement = "", "", ""
				if !reflect.ValueOf(lic).IsZero() {
					return false
				}
			}
		}
	}
	if p := c.Pedigree; p != nil {
		if p.Ancestors != nil || p.Descendants != nil || p.Variants != nil || p.Commits != nil || p.Notes != "" {
			return false
		}
		if p.Patches != nil {
			for _, pt := range *p.Patches {
				if pt.Diff != nil && pt.Diff.Text != nil {
					return false
				}
				for _, is := range deref(pt.Resolves) {
					if is.Name != "" || is.Source != nil || is.References != nil {
						return false
					}
				}
			}
		}
	}
	if c.ExternalReferences != nil {
		for _, r := range *c.ExternalReferences {
			if r.Comment != "" || r.Hashes != nil || r.Properties != nil {
				return false
			}
		}
	}
	if e := c.Evidence; e != nil {
		if e.Identity != nil || e.Callstack != nil || e.Licenses != nil || e.Copyright != nil {
			return false
		}
		if e.Occurrences != nil {
			for _, o := range *e.Occurrences {
				if o.BOMRef != "" || o.Line != nil || o.Offset != nil || o.Symbol != "" || o.AdditionalContext != "" {
					return false
				}
			}
		}
	}
	return true
}

// writeCDXJSON writes doc as cdx.NewBOMEncoder(...).Encode would, for the
// fields cdxWritable accepts.
func writeCDXJSON(j *jsonWriter, doc *cdx.BOM) error {
	j.beginObject()
	j.fieldOmit("$schema", doc.JSONSchema)
	j.field("bomFormat", doc.BOMFormat)
	j.field("specVersion", doc.SpecVersion.String())
	j.fieldOmit("serialNumber", doc.SerialNumber)
	j.intField("version", doc.Version)
	if m := doc.Metadata; m != nil {
		j.key("metadata")
		j.beginObject()
		j.fieldOmit("timestamp", m.Timestamp)
		if m.Tools != nil {
			j.key("tools")
			j.beginObject()
			j.key("components")
			if err := writeCDXComponents(j, *m.Tools.Components); err != nil {
				return err
			}
			j.endObject()
		}
		if m.Component != nil {
			j.key("component")
			if err := writeCDXComponent(j, m.Component); err != nil {
				return err
			}
		}
		j.endObject()
	}
	if doc.Components != nil {
		j.key("components")
		if err := writeCDXComponents(j, *doc.Components); err != nil {
			return err
		}
	}
	if doc.Dependencies != nil {
		j.key("dependencies")
		if *doc.Dependencies == nil {
			j.null()
		} else {
			j.beginArray()
			for _, d := range *doc.Dependencies {
				j.member()
				j.beginObject()
				j.field("ref", d.Ref)
				if d.Dependencies != nil {
					j.key("dependsOn")
					writeStringsOrNull(j, *d.Dependencies)
				}
				j.endObject()
			}
			j.endArray()
		}
	}
	j.endObject()
	return j.end()
}

// writeStringsOrNull writes a nil slice as null, as encoding/json does.
func writeStringsOrNull(j *jsonWriter, l []string) {
	if l == nil {
		j.null()
		return
	}
	j.strings(l)
}

func writeCDXComponents(j *jsonWriter, comps []cdx.Component) error {
	if comps == nil {
		j.null()
		return nil
	}
	j.beginArray()
	for i := range comps {
		j.member()
		if err := writeCDXComponent(j, &comps[i]); err != nil {
			return err
		}
	}
	j.endArray()
	return nil
}

func writeCDXComponent(j *jsonWriter, c *cdx.Component) error {
	j.beginObject()
	j.fieldOmit("bom-ref", c.BOMRef)
	j.field("type", string(c.Type))
	j.field("name", c.Name)
	j.fieldOmit("version", c.Version)
	j.fieldOmit("description", c.Description)
	j.fieldOmit("scope", string(c.Scope))
	if c.Hashes != nil {
		j.key("hashes")
		if *c.Hashes == nil {
			j.null()
		} else {
			j.beginArray()
			for _, h := range *c.Hashes {
				j.member()
				j.beginObject()
				j.field("alg", string(h.Algorithm))
				j.field("content", h.Value)
				j.endObject()
			}
			j.endArray()
		}
	}
	if c.Licenses != nil {
		j.key("licenses")
		if err := writeCDXLicenses(j, *c.Licenses); err != nil {
			return err
		}
	}
	j.fieldOmit("cpe", c.CPE)
	j.fieldOmit("purl", c.PackageURL)
	if p := c.Pedigree; p != nil {
		j.key("pedigree")
		j.beginObject()
		if p.Patches != nil {
			j.key("patches")
			if *p.Patches == nil {
				j.null()
			} else {
				j.beginArray()
				for _, pt := range *p.Patches {
					j.member()
					j.beginObject()
					if pt.Diff != nil {
						j.key("diff")
						j.beginObject()
						j.fieldOmit("url", pt.Diff.URL)
						j.endObject()
					}
					if pt.Resolves != nil {
						j.key("resolves")
						j.beginArray()
						for _, is := range *pt.Resolves {
							j.member()
							j.beginObject()
							j.field("id", is.ID)
							j.field("description", is.Description)
							j.field("type", string(is.Type))
							j.endObject()
						}
						j.endArray()
					}
					j.field("type", string(pt.Type))
					j.endObject()
				}
				j.endArray()
			}
		}
		j.endObject()
	}
	if c.ExternalReferences != nil {
		j.key("externalReferences")
		if *c.ExternalReferences == nil {
			j.null()
		} else {
			j.beginArray()
			for _, r := range *c.ExternalReferences {
				j.member()
				j.beginObject()
				j.field("url", r.URL)
				j.field("type", string(r.Type))
				j.endObject()
			}
			j.endArray()
		}
	}
	if c.Properties != nil {
		j.key("properties")
		writeCDXProperties(j, *c.Properties)
	}
	if e := c.Evidence; e != nil {
		j.key("evidence")
		j.beginObject()
		if e.Occurrences != nil {
			j.key("occurrences")
			if *e.Occurrences == nil {
				j.null()
			} else {
				j.beginArray()
				for _, o := range *e.Occurrences {
					j.member()
					j.beginObject()
					j.fieldOmit("location", o.Location)
					j.endObject()
				}
				j.endArray()
			}
		}
		j.endObject()
	}
	j.endObject()
	return nil
}

func writeCDXProperties(j *jsonWriter, props []cdx.Property) {
	if props == nil {
		j.null()
		return
	}
	j.beginArray()
	for _, p := range props {
		j.member()
		j.beginObject()
		j.field("name", p.Name)
		j.field("value", p.Value)
		j.endObject()
	}
	j.endArray()
}

// writeCDXLicenses follows cdx.License.MarshalJSON, errors included.
func writeCDXLicenses(j *jsonWriter, ls cdx.Licenses) error {
	if ls == nil {
		j.null()
		return nil
	}
	j.beginArray()
	for _, l := range ls {
		j.member()
		j.beginObject()
		if lic := l.License; lic != nil {
			if (lic.ID != "") == (lic.Name != "") {
				return fmt.Errorf("CycloneDX license %+v: want either an id or a name", *lic)
			}
			j.key("license")
			j.beginObject()
			j.fieldOmit("id", lic.ID)
			j.fieldOmit("name", lic.Name)
			j.fieldOmit("acknowledgement", string(lic.Acknowledgement))
			j.endObject()
		}
		j.fieldOmit("expression", l.Expression)
		if l.Acknowledgement != nil {
			j.field("acknowledgement", string(*l.Acknowledgement))
		}
		j.endObject()
	}
	j.endArray()
	return nil
}

func deref[T any](p *[]T) []T {
	if p == nil {
		return nil
	}
	return *p
}
