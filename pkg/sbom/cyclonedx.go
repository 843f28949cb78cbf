package sbom

import (
	"bytes"
	"crypto/sha256"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/uuid"
)

// serialNamespace seeds the name-based UUIDs of serial numbers, so that our
// serials never equal another tool's UUIDv5 of the same bytes.
var serialNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/voidnxsec/nixops-actions/sbom/cyclonedx"))

// TargetRef is the bom-ref of the synthetic component standing for a target
// that has several root store paths; store path refs never look like it.
const TargetRef = "nixops-target"

func encodeCycloneDX(w io.Writer, v *view, xml bool) error {
	doc := cdxDocument(v)
	doc.SerialNumber = serialPlaceholder
	fast := cdxWritable(doc)
	if fast && !xml {
		// One pass: the file is hashed as it is written, the serial
		// filled in at the end.
		return writeSelfHashed(w, func(j *jsonWriter) error { return writeCDXJSON(j, doc) }, cdxSerial)
	}
	h := sha256.New()
	if err := writeCDXJSONDoc(h, doc, fast); err != nil {
		return err
	}
	doc.SerialNumber = cdxSerial(h.Sum(nil))
	if xml {
		return cdx.NewBOMEncoder(w, cdx.BOMFileFormatXML).SetPretty(true).Encode(doc)
	}
	return writeCDXJSONDoc(w, doc, fast)
}

// writeCDXJSONDoc writes doc as JSON, indented, without HTML escapes: by
// our writer when it can (fast), else by the library.
func writeCDXJSONDoc(w io.Writer, doc *cdx.BOM, fast bool) error {
	if fast {
		return writeCDXJSON(newJSONWriter(w, true, false), doc)
	}
	var buf bytes.Buffer
	if err := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON).SetPretty(true).SetEscapeHTML(false).Encode(doc); err != nil {
		return err
	}
	_, err := w.Write(unescapeHTML(buf.Bytes()))
	return err
}

// htmlEscapes are the escapes encoding/json uses to make JSON safe inside
// HTML. SetEscapeHTML(false) does not reach the library's own MarshalJSON
// methods (licenses, tools), which use json.Marshal, so they are undone here.
var htmlEscapes = map[string]byte{`\u0026`: '&', `\u003c`: '<', `\u003e`: '>'}

// unescapeHTML rewrites the HTML escapes of a JSON document as the plain
// characters. It walks escape by escape, so an escaped backslash followed
// by "u0026" (the text \u0026 in a string) is left alone.
func unescapeHTML(data []byte) []byte {
	out := make([]byte, 0, len(data))
	for i := 0; i < len(data); i++ {
		if data[i] != '\\' || i+1 >= len(data) {
			out = append(out, data[i])
			continue
		}
		if i+6 <= len(data) {
			if c, ok := htmlEscapes[string(data[i:i+6])]; ok {
				out = append(out, c)
				i += 5
				continue
			}
		}
		out = append(out, data[i], data[i+1]) // any other escape, kept whole
		i++
	}
	return out
}

// serialPlaceholder stands for the serial number while the document is
// hashed: the serial derives from the document itself, timestamp included,
// so the same BOM gets the same serial (files are reproducible) and any
// change gives another, as CycloneDX asks. The hash is of the JSON
// document as written, with this placeholder of the serial's length; the
// XML encoding of the same BOM takes the JSON's serial.
const serialPlaceholder = "urn:uuid:00000000-0000-0000-0000-000000000000"

// cdxSerial is the serial number of a document whose JSON hashes to sum.
func cdxSerial(sum []byte) string {
	return "urn:uuid:" + uuid.NewSHA1(serialNamespace, sum).String()
}

// cdxDocument builds a CycloneDX 1.6 document directly. The library's
// EncodeVersion would convert through a gob copy, which turns the empty
// dependsOn of leaves (meaning "no dependencies") into absent ones (meaning
// "unknown").
func cdxDocument(v *view) *cdx.BOM {
	doc := &cdx.BOM{
		JSONSchema:  "http://cyclonedx.org/schema/bom-1.6.schema.json",
		XMLNS:       "http://cyclonedx.org/schema/bom/1.6",
		BOMFormat:   cdx.BOMFormat,
		SpecVersion: cdx.SpecVersion1_6,
		Version:     1,
	}
	doc.Metadata = &cdx.Metadata{Timestamp: v.bom.Timestamp.UTC().Format(time.RFC3339)}
	if v.bom.ToolName != "" {
		doc.Metadata.Tools = &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type: cdx.ComponentTypeApplication, Name: v.bom.ToolName, Version: v.bom.ToolVersion,
		}}}
	}
	// Sized up front: a component is large, and growing the slice would
	// copy 10,000 of them several times over.
	comps := make([]cdx.Component, 0, len(v.comps))
	deps := make(map[string][]string, len(v.comps)+1)
	for _, c := range v.comps {
		deps[c.Ref] = v.edges[c.Ref]
		if len(v.roots) == 1 && c.Ref == v.roots[0] {
			// The single root is the subject of the BOM: it goes in metadata
			// (consumers such as grype and Dependency-Track read it from
			// there), and a bom-ref may appear only once per document.
			root := cdxComponent(v, c)
			doc.Metadata.Component = &root
			continue
		}
		comps = append(comps, cdxComponent(v, c))
	}
	if len(v.roots) > 1 {
		ref := uniqueRef(TargetRef, v.byRef)
		doc.Metadata.Component = &cdx.Component{BOMRef: ref, Type: cdx.ComponentTypeApplication, Name: targetName(v.bom)}
		deps[ref] = v.roots
	}
	if len(comps) > 0 {
		doc.Components = &comps
	}
	doc.Dependencies = cdxDependencies(deps)
	return doc
}

func cdxDependencies(deps map[string][]string) *[]cdx.Dependency {
	out := make([]cdx.Dependency, 0, len(deps))
	for _, ref := range sortedKeys(deps) {
		on := append([]string{}, deps[ref]...) // [] for leaves: "no dependencies", not "unknown"
		out = append(out, cdx.Dependency{Ref: ref, Dependencies: &on})
	}
	return &out
}

func uniqueRef(base string, taken map[string]*Component) string {
	ref := base
	for i := 2; taken[ref] != nil; i++ {
		ref = base + "-" + strconv.Itoa(i)
	}
	return ref
}

func targetName(b *BOM) string {
	if b.Target != "" {
		return b.Target
	}
	return "nix-closure"
}

func cdxComponent(v *view, c *Component) cdx.Component {
	out := cdx.Component{
		BOMRef:      c.Ref,
		Type:        cdx.ComponentType(c.Type),
		Name:        c.Name,
		Version:     c.Version,
		Description: c.Description,
		Scope:       cdxScope(c.Scope),
		PackageURL:  c.PURL,
		CPE:         c.CPE,
		Hashes:      cdxHashes(c.Hashes),
		Licenses:    cdxLicenses(c),
		Pedigree:    cdxPedigree(c.Patches),
	}
	out.ExternalReferences = cdxExternalRefs(c)
	out.Properties = cdxProperties(v.properties(c))
	if c.Embedded && len(c.Locations) > 0 {
		occ := make([]cdx.EvidenceOccurrence, len(c.Locations))
		for i, l := range c.Locations {
			occ[i] = cdx.EvidenceOccurrence{Location: l}
		}
		out.Evidence = &cdx.Evidence{Occurrences: &occ}
	}
	return out
}

// cdxScope maps our scope onto CycloneDX's, which speaks of run time only:
// a build-time-only component is "not reachable within a call graph at
// runtime", which is CycloneDX's definition of excluded. The property
// nix:scope keeps the precise value.
func cdxScope(s Scope) cdx.Scope {
	switch s {
	case Runtime, Both:
		return cdx.ScopeRequired
	case BuildTime:
		return cdx.ScopeExcluded
	}
	return ""
}

func cdxHashes(hs []Hash) *[]cdx.Hash {
	if len(hs) == 0 {
		return nil
	}
	out := make([]cdx.Hash, len(hs))
	for i, h := range hs {
		out[i] = cdx.Hash{Algorithm: cdx.HashAlgorithm(h.Alg), Value: h.Hex}
	}
	return &out
}

// cdxLicenses marks licenses as declared: they come from the package
// metadata, nobody concluded them from the files.
func cdxLicenses(c *Component) *cdx.Licenses {
	if c.LicenseExpression != "" {
		ack := cdx.LicenseAcknowledgementDeclared
		return &cdx.Licenses{{Expression: c.LicenseExpression, Acknowledgement: &ack}}
	}
	if len(c.Licenses) == 0 {
		return nil
	}
	out := make(cdx.Licenses, len(c.Licenses))
	for i, l := range c.Licenses {
		lic := &cdx.License{ID: l.ID, Acknowledgement: cdx.LicenseAcknowledgementDeclared}
		if l.ID == "" || isLicenseRef(l.ID) {
			// CycloneDX ids come from the SPDX list only: a LicenseRef is a name.
			lic.ID, lic.Name = "", l.Name
			if lic.Name == "" {
				lic.Name = l.ID
			}
		}
		out[i] = cdx.LicenseChoice{License: lic}
	}
	return &out
}

// cdxPedigree records the patches Nix applied on top of the upstream source.
// CycloneDX requires a patch type; "unofficial" (not developed by the
// creators of the software) is the one that holds for distribution patches
// whatever their origin, where backport or cherry-pick would be a guess.
func cdxPedigree(patches []string) *cdx.Pedigree {
	if len(patches) == 0 {
		return nil
	}
	out := make([]cdx.Patch, len(patches))
	for i, p := range patches {
		out[i] = cdx.Patch{Type: cdx.PatchTypeUnofficial, Diff: &cdx.Diff{URL: p}, Resolves: cdxResolves(p)}
	}
	return &cdx.Pedigree{Patches: &out}
}

var cveRE = regexp.MustCompile(`(?i)\bCVE-\d{4}-\d{4,}\b`)

// cdxResolves lists the CVEs a patch is named after, as nixpkgs names its
// security patches, so a scanner can tell them from open ones. The name is
// the only evidence, and the description says so.
func cdxResolves(patch string) *[]cdx.Issue {
	var issues []cdx.Issue
	seen := map[string]bool{}
	for _, id := range cveRE.FindAllString(patch, -1) {
		id = strings.ToUpper(id)
		if !seen[id] {
			seen[id] = true
			issues = append(issues, cdx.Issue{Type: cdx.IssueTypeSecurity, ID: id, Description: "named by the patch " + patch})
		}
	}
	if issues == nil {
		return nil
	}
	return &issues
}

// cdxExternalRefs lists the sources as source-distribution (CycloneDX 1.6:
// where the component's source code can be downloaded), which is what a
// Nix src is, rather than the binary "distribution".
func cdxExternalRefs(c *Component) *[]cdx.ExternalReference {
	var out []cdx.ExternalReference
	if c.Homepage != "" {
		out = append(out, cdx.ExternalReference{Type: cdx.ERTypeWebsite, URL: c.Homepage})
	}
	for _, u := range c.SourceURLs {
		out = append(out, cdx.ExternalReference{Type: cdx.ERTypeSourceDistribution, URL: u})
	}
	if len(out) == 0 {
		return nil
	}
	return &out
}

// Property names of the nix: namespace, the same for every format.
const (
	propStorePath  = "nix:store_path"
	propDrvPath    = "nix:drv_path"
	propOutput     = "nix:output"
	propNarSize    = "nix:nar_size"
	propScope      = "nix:scope"
	propEmbeddedIn = "nix:embedded_in"
	propMaintainer = "nix:maintainer"
	propUnfree     = "nix:unfree"
	propInsecure   = "nix:known_vulnerability"
)

// nixProperties are the facts of c that no standard field holds, in a fixed
// order, followed by c.Properties as given.
func (v *view) properties(c *Component) []Property {
	var out []Property
	add := func(name, value string) {
		if value != "" {
			out = append(out, Property{name, value})
		}
	}
	add(propStorePath, c.StorePath)
	add(propDrvPath, c.DrvPath)
	add(propOutput, c.Output)
	if c.NarSize > 0 {
		add(propNarSize, strconv.FormatInt(c.NarSize, 10))
	}
	add(propScope, string(c.Scope))
	if c.Embedded {
		parent := c.Parent
		if p := v.byRef[c.Parent]; p.StorePath != "" {
			parent = p.StorePath
		}
		add(propEmbeddedIn, parent)
	}
	for _, m := range c.Maintainers {
		add(propMaintainer, m)
	}
	if c.Unfree {
		add(propUnfree, "true")
	}
	for _, k := range c.Insecure {
		add(propInsecure, k)
	}
	return append(out, c.Properties...)
}

func cdxProperties(props []Property) *[]cdx.Property {
	if len(props) == 0 {
		return nil
	}
	out := make([]cdx.Property, len(props))
	for i, p := range props {
		out[i] = cdx.Property{Name: p.Name, Value: p.Value}
	}
	return &out
}

// CycloneDXDocument returns the CycloneDX document Encode writes for b,
// as a tree and without the serial number, for readers that compare a BOM
// with a document read from a file: both then come through the same
// mapping.
func CycloneDXDocument(b *BOM) (*cdx.BOM, error) {
	v, err := newView(b)
	if err != nil {
		return nil, err
	}
	return cdxDocument(v), nil
}
