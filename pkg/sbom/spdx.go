package sbom

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"
	"github.com/spdx/tools-golang/tagvalue"
)

// namespaceBase prefixes every documentNamespace; the suffix is derived from
// the document, so it is unique per content and stable across runs.
const namespaceBase = "https://voidnxsec.github.io/nixops-actions/spdx/"

const noAssertion = "NOASSERTION"

func encodeSPDX(w io.Writer, v *view, tagValue bool) error {
	doc := spdxDocument(v)
	name := targetName(v.bom)
	doc.DocumentNamespace = namespacePlaceholder(name)
	fast := spdxWritable(doc)
	if fast && !tagValue {
		// One pass: the file is hashed as it is written, the namespace
		// filled in at the end.
		return writeSelfHashed(w, func(j *jsonWriter) error { return writeSPDXJSON(j, doc) },
			func(sum []byte) string { return spdxNamespace(name, sum) })
	}
	h := sha256.New()
	if err := writeSPDXJSONDoc(h, doc, fast); err != nil {
		return fmt.Errorf("encoding SPDX document: %w", err)
	}
	doc.DocumentNamespace = spdxNamespace(name, h.Sum(nil))
	if tagValue {
		for _, p := range doc.Packages {
			// The JSON schema spells this purpose with "_", tag-value with "-".
			p.PrimaryPackagePurpose = strings.ReplaceAll(p.PrimaryPackagePurpose, "_", "-")
		}
		return tagvalue.Write(doc, w)
	}
	return writeSPDXJSONDoc(w, doc, fast)
}

// writeSPDXJSONDoc writes doc as JSON, indented, without HTML escapes: by
// our writer when it can (fast), else by the library.
func writeSPDXJSONDoc(w io.Writer, doc *spdx.Document, fast bool) error {
	if fast {
		return writeSPDXJSON(newJSONWriter(w, true, false), doc)
	}
	var buf bytes.Buffer
	if err := spdxjson.Write(doc, &buf, spdxjson.Indent("  "), spdxjson.EscapeHTML(false)); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// The namespace derives from the document (creation time included), as the
// SPDX spec asks a namespace to change whenever the document does, while
// the same BOM keeps giving the same namespace. The hash is of the JSON
// document as written, with a placeholder of the namespace's length; the
// tag-value encoding of the same BOM takes the JSON's namespace.
func namespacePlaceholder(name string) string {
	return namespaceBase + sanitize(name) + "-" + strings.Repeat("0", 32)
}

// spdxNamespace is the namespace of a document whose JSON hashes to sum.
func spdxNamespace(name string, sum []byte) string {
	return namespaceBase + sanitize(name) + "-" + hex.EncodeToString(sum[:16])
}

func spdxDocument(v *view) *spdx.Document {
	ids := spdxIDs(v.comps)
	lrefs := newLicenseRefs(v.comps)
	doc := &spdx.Document{
		SPDXVersion:    spdx.Version,
		DataLicense:    spdx.DataLicense,
		SPDXIdentifier: "DOCUMENT",
		DocumentName:   targetName(v.bom),
		CreationInfo: &spdx.CreationInfo{
			Creators: []common.Creator{{CreatorType: "Tool", Creator: toolID(v.bom)}},
			Created:  v.bom.Timestamp.UTC().Format(time.RFC3339),
		},
		OtherLicenses: lrefs.others(),
	}
	doc.Packages = make([]*spdx.Package, 0, len(v.comps))
	for _, c := range v.comps {
		doc.Packages = append(doc.Packages, spdxPackage(v, c, ids[c.Ref], lrefs))
	}
	doc.Relationships = spdxRelationships(v, ids)
	return doc
}

func toolID(b *BOM) string {
	name := b.ToolName
	if name == "" {
		name = "nixops-sbom"
	}
	if b.ToolVersion == "" {
		return name
	}
	return name + "-" + b.ToolVersion
}

func spdxPackage(v *view, c *Component, id string, lrefs *licenseRefs) *spdx.Package {
	p := &spdx.Package{
		PackageName:               c.Name,
		PackageSPDXIdentifier:     common.ElementID(id),
		PackageVersion:            c.Version,
		PackageFileName:           c.StorePath, // the directory treated as the package
		PackageSupplier:           &common.Supplier{Supplier: noAssertion},
		PackageDownloadLocation:   noAssertion,
		FilesAnalyzed:             false,
		IsFilesAnalyzedTagPresent: true,
		PackageHomePage:           c.Homepage,
		PackageSourceInfo:         spdxSourceInfo(c),
		PackageLicenseConcluded:   noAssertion,
		PackageLicenseDeclared:    lrefs.declared(c),
		PackageCopyrightText:      noAssertion,
		// Nix's meta.description is by definition a one-line summary.
		PackageSummary:            c.Description,
		PackageComment:            spdxComment(v.properties(c)),
		PackageExternalReferences: spdxExternalRefs(c),
		PrimaryPackagePurpose:     spdxPurpose(c.Type),
	}
	if len(c.SourceURLs) > 0 {
		p.PackageDownloadLocation = c.SourceURLs[0]
	}
	for _, h := range c.Hashes {
		p.PackageChecksums = append(p.PackageChecksums, common.Checksum{
			Algorithm: common.ChecksumAlgorithm(hashAlgs[h.Alg].spdx), Value: h.Hex,
		})
	}
	return p
}

// spdxSourceInfo keeps what SPDX has no field for: the sources beyond the
// one in downloadLocation, and the patches applied on top of them.
func spdxSourceInfo(c *Component) string {
	var parts []string
	if len(c.SourceURLs) > 1 {
		parts = append(parts, "further sources: "+strings.Join(c.SourceURLs[1:], " "))
	}
	if len(c.Patches) > 0 {
		parts = append(parts, "patches applied: "+strings.Join(c.Patches, " "))
	}
	return strings.Join(parts, "; ")
}

// spdxComment carries the nix: properties, one "name: value" per line, the
// same names as the CycloneDX properties.
func spdxComment(props []Property) string {
	lines := make([]string, len(props))
	for i, p := range props {
		lines[i] = p.Name + ": " + p.Value
	}
	return strings.Join(lines, "\n")
}

func spdxExternalRefs(c *Component) []*spdx.PackageExternalReference {
	var out []*spdx.PackageExternalReference
	if c.PURL != "" {
		out = append(out, &spdx.PackageExternalReference{Category: common.CategoryPackageManager, RefType: "purl", Locator: c.PURL})
	}
	switch {
	case strings.HasPrefix(c.CPE, "cpe:2.3:"):
		out = append(out, &spdx.PackageExternalReference{Category: common.CategorySecurity, RefType: "cpe23Type", Locator: c.CPE})
	case strings.HasPrefix(c.CPE, "cpe:/"):
		out = append(out, &spdx.PackageExternalReference{Category: common.CategorySecurity, RefType: "cpe22Type", Locator: c.CPE})
	}
	return out
}

// spdxPurpose maps CycloneDX component types onto SPDX purposes; types SPDX
// has no word for are OTHER.
func spdxPurpose(t string) string {
	switch t {
	case "application", "framework", "library", "container", "firmware", "device", "file":
		return strings.ToUpper(t)
	case "operating-system":
		return "OPERATING_SYSTEM"
	}
	return "OTHER"
}

// spdxRelationships states the graph: "A DEPENDS_ON B" for a dependency,
// "B BUILD_DEPENDENCY_OF A" (SPDX 2.3's precise term) for an edge of
// BOM.BuildOnly, and "Parent CONTAINS Embedded" for an embedded component.
func spdxRelationships(v *view, ids map[string]string) []*spdx.Relationship {
	rel := func(a, typ, b string) *spdx.Relationship {
		return &spdx.Relationship{
			RefA: common.DocElementID{ElementRefID: common.ElementID(a)}, Relationship: typ,
			RefB: common.DocElementID{ElementRefID: common.ElementID(b)},
		}
	}
	var out []*spdx.Relationship
	for _, r := range v.roots {
		out = append(out, rel("DOCUMENT", common.TypeRelationshipDescribe, ids[r]))
	}
	for _, from := range sortedKeys(v.edges) {
		for _, to := range v.edges[from] {
			c := v.byRef[to]
			switch {
			case c.Embedded && c.Parent == from:
				out = append(out, rel(ids[from], common.TypeRelationshipContains, ids[to]))
			case v.buildOnly[edge{from, to}]:
				out = append(out, rel(ids[to], common.TypeRelationshipBuildDependencyOf, ids[from]))
			default:
				out = append(out, rel(ids[from], common.TypeRelationshipDependsOn, ids[to]))
			}
		}
	}
	return out
}

// sanitize makes s fit an SPDX idstring (letters, digits, "." and "-"):
// every other character, whatever its UTF-8 length, becomes one "-". It
// runs once per component, so the common case, a store path's name that
// fits already, returns s without a copy.
func sanitize(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return !idChar(r) })
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		if !idChar(r) {
			r = '-'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func idChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-'
}

// spdxIDs gives each component an SPDX id, without the SPDXRef- prefix.
// Refs that are valid ids already keep their spelling; the others are
// sanitised, and when two would clash a digest of the ref tells them apart.
func spdxIDs(comps []*Component) map[string]string {
	ids := make(map[string]string, len(comps))
	used := make(map[string]bool, len(comps)+1)
	used["DOCUMENT"] = true
	var rest []*Component
	for _, c := range comps {
		if sanitize(c.Ref) == c.Ref && !used[c.Ref] {
			ids[c.Ref], used[c.Ref] = c.Ref, true
		} else {
			rest = append(rest, c)
		}
	}
	for _, c := range rest {
		ids[c.Ref] = uniqueID(sanitize(c.Ref), c.Ref, used)
	}
	return ids
}

// uniqueID returns base, or base plus a digest of key, that is not yet used,
// and marks it used.
func uniqueID(base, key string, used map[string]bool) string {
	id := base
	sum := sha256.Sum256([]byte(key))
	digest := hex.EncodeToString(sum[:])
	for n := 8; used[id]; n += 8 {
		id = base + "-" + digest[:min(n, len(digest))]
		if n >= len(digest) {
			id += fmt.Sprintf("-%d", n) // only reachable by a sha256 collision
		}
	}
	used[id] = true
	return id
}

const licenseRefPrefix = "LicenseRef-"

func isLicenseRef(id string) bool { return strings.HasPrefix(id, licenseRefPrefix) }

var licenseRefToken = regexp.MustCompile(`(^|[\s(])(LicenseRef-[A-Za-z0-9.-]+)`)

// licenseRefs gives license names without an SPDX id a LicenseRef, and
// collects the hasExtractedLicensingInfos entries that SPDX requires for
// every LicenseRef used in the document.
type licenseRefs struct {
	byName map[string]string // free-text name -> LicenseRef id
	names  map[string]string // LicenseRef id -> the name shown for it
}

func newLicenseRefs(comps []*Component) *licenseRefs {
	lr := &licenseRefs{byName: map[string]string{}, names: map[string]string{}}
	var free []string
	for _, c := range comps {
		for _, m := range licenseRefToken.FindAllStringSubmatch(c.LicenseExpression, -1) {
			lr.reserve(m[2], strings.TrimPrefix(m[2], licenseRefPrefix))
		}
		if c.LicenseExpression != "" {
			continue
		}
		for _, l := range c.Licenses {
			switch {
			case isLicenseRef(l.ID):
				lr.reserve(l.ID, firstNonEmpty(l.Name, strings.TrimPrefix(l.ID, licenseRefPrefix)))
			case l.ID == "":
				free = append(free, l.Name)
			}
		}
	}
	slices.Sort(free)
	used := map[string]bool{}
	for id := range lr.names {
		used[id] = true
	}
	for _, name := range slices.Compact(free) {
		id := uniqueID(licenseRefPrefix+sanitize(name), name, used)
		lr.byName[name], lr.names[id] = id, name
	}
	return lr
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// reserve records an explicit LicenseRef; the first name seen for it (in
// component order) wins, so the result does not depend on input order.
func (lr *licenseRefs) reserve(id, name string) {
	if _, ok := lr.names[id]; !ok {
		lr.names[id] = name
	}
}

// declared is the declared license of c: its expression, or its licenses
// joined with AND (a Nix license list means all of them apply).
func (lr *licenseRefs) declared(c *Component) string {
	if c.LicenseExpression != "" {
		return c.LicenseExpression
	}
	var parts []string
	for _, l := range c.Licenses {
		id := l.ID
		if id == "" {
			id = lr.byName[l.Name]
		}
		if !slices.Contains(parts, id) {
			parts = append(parts, id)
		}
	}
	if len(parts) == 0 {
		return noAssertion
	}
	return strings.Join(parts, " AND ")
}

// others lists the extracted licensing infos. The package metadata names
// these licenses without their text, so the name is all that can be given
// as the extracted text, and the comment says so.
func (lr *licenseRefs) others() []*spdx.OtherLicense {
	var out []*spdx.OtherLicense
	for _, id := range sortedKeys(lr.names) {
		out = append(out, &spdx.OtherLicense{
			LicenseIdentifier: id,
			ExtractedText:     lr.names[id],
			LicenseName:       lr.names[id],
			LicenseComment:    "The package metadata names this license without its text or an SPDX identifier.",
		})
	}
	return out
}
