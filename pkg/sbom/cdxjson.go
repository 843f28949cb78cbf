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
	if doc.Metadata != nil && !cdxMetadataWritable(doc.Metadata) {
		return false
	}
	if !cdxComponentsWritable(deref(doc.Components)) {
		return false
	}
	for _, d := range deref(doc.Dependencies) {
		if d.Provides != nil {
			return false
		}
	}
	return true
}

func cdxMetadataWritable(m *cdx.Metadata) bool {
	meta := *m
	meta.Timestamp, meta.Tools, meta.Component = "", nil, nil
	if !reflect.ValueOf(meta).IsZero() {
		return false
	}
	if t := m.Tools; t != nil {
		if t.Tools != nil || t.Services != nil || t.Components == nil || !cdxComponentsWritable(*t.Components) {
			return false
		}
	}
	return m.Component == nil || cdxComponentWritable(m.Component)
}

func cdxComponentsWritable(comps []cdx.Component) bool {
	for i := range comps {
		if !cdxComponentWritable(&comps[i]) {
			return false
		}
	}
	return true
}

func cdxComponentWritable(c *cdx.Component) bool {
	rest := *c
	rest.BOMRef, rest.Type, rest.Name, rest.Version, rest.Description, rest.Scope = "", "", "", "", "", ""
	rest.Hashes, rest.Licenses, rest.CPE, rest.PackageURL, rest.Pedigree = nil, nil, "", "", nil
	rest.ExternalReferences, rest.Properties, rest.Evidence = nil, nil, nil
	return reflect.ValueOf(rest).IsZero() &&
		(c.Licenses == nil || cdxLicensesWritable(*c.Licenses)) &&
		(c.Pedigree == nil || cdxPedigreeWritable(c.Pedigree)) &&
		cdxExternalReferencesWritable(deref(c.ExternalReferences)) &&
		(c.Evidence == nil || cdxEvidenceWritable(c.Evidence))
}

func cdxLicensesWritable(ls cdx.Licenses) bool {
	for _, l := range ls {
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
	return true
}

func cdxPedigreeWritable(p *cdx.Pedigree) bool {
	if p.Ancestors != nil || p.Descendants != nil || p.Variants != nil || p.Commits != nil || p.Notes != "" {
		return false
	}
	for _, pt := range deref(p.Patches) {
		if pt.Diff != nil && pt.Diff.Text != nil {
			return false
		}
		for _, is := range deref(pt.Resolves) {
			if is.Name != "" || is.Source != nil || is.References != nil {
				return false
			}
		}
	}
	return true
}

func cdxExternalReferencesWritable(refs []cdx.ExternalReference) bool {
	for _, r := range refs {
		if r.Comment != "" || r.Hashes != nil || r.Properties != nil {
			return false
		}
	}
	return true
}

func cdxEvidenceWritable(e *cdx.Evidence) bool {
	if e.Identity != nil || e.Callstack != nil || e.Licenses != nil || e.Copyright != nil {
		return false
	}
	for _, o := range deref(e.Occurrences) {
		if o.BOMRef != "" || o.Line != nil || o.Offset != nil || o.Symbol != "" || o.AdditionalContext != "" {
			return false
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
	if doc.SerialNumber == serialPlaceholder {
		j.hole("serialNumber", doc.SerialNumber)
	} else {
		j.fieldOmit("serialNumber", doc.SerialNumber)
	}
	j.intField("version", doc.Version)
	if doc.Metadata != nil {
		j.key("metadata")
		if err := writeCDXMetadata(j, doc.Metadata); err != nil {
			return err
		}
	}
	if doc.Components != nil {
		j.key("components")
		if err := writeCDXComponents(j, *doc.Components); err != nil {
			return err
		}
	}
	writeCDXList(j, "dependencies", doc.Dependencies, writeCDXDependency)
	j.endObject()
	return j.end()
}

func writeCDXMetadata(j *jsonWriter, m *cdx.Metadata) error {
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
	return nil
}

func writeCDXDependency(j *jsonWriter, d *cdx.Dependency) {
	j.beginObject()
	j.field("ref", d.Ref)
	if d.Dependencies != nil {
		j.key("dependsOn")
		writeStringsOrNull(j, *d.Dependencies)
	}
	j.endObject()
}

// writeStringsOrNull writes a nil slice as null, as encoding/json does.
func writeStringsOrNull(j *jsonWriter, l []string) {
	if l == nil {
		j.null()
		return
	}
	j.strings(l)
}

// writeCDXList writes the member k, tagged omitempty, of the list l holds,
// one item at a time: nothing when l is nil, and null when it points to a
// nil slice, as encoding/json does.
func writeCDXList[T any](j *jsonWriter, k string, l *[]T, item func(*jsonWriter, *T)) {
	if l == nil {
		return
	}
	j.key(k)
	if *l == nil {
		j.null()
		return
	}
	j.beginArray()
	for i := range *l {
		j.member()
		item(j, &(*l)[i])
	}
	j.endArray()
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
	writeCDXList(j, "hashes", c.Hashes, writeCDXHash)
	if c.Licenses != nil {
		j.key("licenses")
		if err := writeCDXLicenses(j, *c.Licenses); err != nil {
			return err
		}
	}
	j.fieldOmit("cpe", c.CPE)
	j.fieldOmit("purl", c.PackageURL)
	if c.Pedigree != nil {
		j.key("pedigree")
		writeCDXPedigree(j, c.Pedigree)
	}
	writeCDXList(j, "externalReferences", c.ExternalReferences, writeCDXExternalReference)
	writeCDXList(j, "properties", c.Properties, writeCDXProperty)
	if c.Evidence != nil {
		j.key("evidence")
		writeCDXEvidence(j, c.Evidence)
	}
	j.endObject()
	return nil
}

func writeCDXHash(j *jsonWriter, h *cdx.Hash) {
	j.beginObject()
	j.field("alg", string(h.Algorithm))
	j.field("content", h.Value)
	j.endObject()
}

func writeCDXPedigree(j *jsonWriter, p *cdx.Pedigree) {
	j.beginObject()
	writeCDXList(j, "patches", p.Patches, writeCDXPatch)
	j.endObject()
}

func writeCDXPatch(j *jsonWriter, pt *cdx.Patch) {
	j.beginObject()
	if pt.Diff != nil {
		j.key("diff")
		j.beginObject()
		j.fieldOmit("url", pt.Diff.URL)
		j.endObject()
	}
	if pt.Resolves != nil {
		// A set pointer to a nil slice gives [] here where the library
		// gives null; cdxResolves never makes one.
		j.key("resolves")
		j.beginArray()
		for i := range *pt.Resolves {
			j.member()
			writeCDXIssue(j, &(*pt.Resolves)[i])
		}
		j.endArray()
	}
	j.field("type", string(pt.Type))
	j.endObject()
}

func writeCDXIssue(j *jsonWriter, is *cdx.Issue) {
	j.beginObject()
	j.field("id", is.ID)
	j.field("description", is.Description)
	j.field("type", string(is.Type))
	j.endObject()
}

func writeCDXExternalReference(j *jsonWriter, r *cdx.ExternalReference) {
	j.beginObject()
	j.field("url", r.URL)
	j.field("type", string(r.Type))
	j.endObject()
}

func writeCDXProperty(j *jsonWriter, p *cdx.Property) {
	j.beginObject()
	j.field("name", p.Name)
	j.field("value", p.Value)
	j.endObject()
}

func writeCDXEvidence(j *jsonWriter, e *cdx.Evidence) {
	j.beginObject()
	writeCDXList(j, "occurrences", e.Occurrences, writeCDXOccurrence)
	j.endObject()
}

func writeCDXOccurrence(j *jsonWriter, o *cdx.EvidenceOccurrence) {
	j.beginObject()
	j.fieldOmit("location", o.Location)
	j.endObject()
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
