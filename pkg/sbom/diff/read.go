package diff

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	packageurl "github.com/package-url/packageurl-go"

	"github.com/voidnxsec/nixops-actions/pkg/sbom"
)

// Package is one component of a closure as the diff sees it.
type Package struct {
	// Key names the package across versions and rebuilds: its purl
	// without version and qualifiers, plus the Nix output when it is not
	// out (libgreet's lib and dev are two packages); a component without a
	// purl is keyed by its name.
	Key     string
	Name    string
	Version string
	Type    string // the purl type: nix, npm, pypi, golang ...; empty without a purl
	Output  string // the Nix output, for store paths
	License string // the SPDX expression, or the licenses joined with AND
	// StorePath and NarSize are those of a store path; an embedded package
	// has neither.
	StorePath string
	NarSize   int64
	Embedded  bool
}

// ErrNotCycloneDX is returned by ReadCycloneDX for a document that is not
// CycloneDX JSON.
var ErrNotCycloneDX = errors.New("not a CycloneDX JSON document")

// ReadCycloneDX reads the packages of a CycloneDX JSON document, such as
// the sbom.cdx.json of an earlier run. An error matches ErrNotCycloneDX
// when the document is not one.
func ReadCycloneDX(r io.Reader) ([]Package, error) {
	var doc cdx.BOM
	if err := cdx.NewBOMDecoder(r, cdx.BOMFileFormatJSON).Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotCycloneDX, err)
	}
	if doc.BOMFormat != cdx.BOMFormat || doc.SpecVersion == 0 {
		return nil, fmt.Errorf("%w: bomFormat is %q and specVersion %q, want \"CycloneDX\" and a version", ErrNotCycloneDX, doc.BOMFormat, doc.SpecVersion)
	}
	return FromCycloneDX(&doc), nil
}

// FromBOM returns the packages of b, through the same CycloneDX mapping
// as a document read back, so that a BOM and its own file compare equal.
func FromBOM(b *sbom.BOM) ([]Package, error) {
	doc, err := sbom.CycloneDXDocument(b)
	if err != nil {
		return nil, err
	}
	return FromCycloneDX(doc), nil
}

// FromCycloneDX returns the packages of doc: its components and the
// subject in its metadata, unless that only stands for a target of
// several store paths (sbom.TargetRef, or that with a suffix when a
// component took the name).
func FromCycloneDX(doc *cdx.BOM) []Package {
	var comps []cdx.Component
	if m := doc.Metadata; m != nil && m.Component != nil && !isTarget(m.Component) {
		comps = append(comps, *m.Component)
	}
	if doc.Components != nil {
		comps = append(comps, *doc.Components...)
	}
	out := make([]Package, 0, len(comps))
	for i := range comps {
		out = append(out, fromComponent(&comps[i]))
	}
	slices.SortFunc(out, func(a, b Package) int {
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return strings.Compare(a.Version, b.Version)
	})
	return out
}

func isTarget(c *cdx.Component) bool {
	return strings.HasPrefix(c.BOMRef, sbom.TargetRef) && c.PackageURL == "" && c.Properties == nil
}

func fromComponent(c *cdx.Component) Package {
	p := Package{Name: c.Name, Version: c.Version, License: licenseOf(c.Licenses)}
	if c.Properties != nil {
		for _, pr := range *c.Properties {
			switch pr.Name {
			case "nix:store_path":
				p.StorePath = pr.Value
			case "nix:output":
				p.Output = pr.Value
			case "nix:nar_size":
				p.NarSize, _ = strconv.ParseInt(pr.Value, 10, 64)
			case "nix:embedded_in":
				p.Embedded = true
			}
		}
	}
	if p.Embedded {
		p.StorePath, p.NarSize = "", 0
	}
	p.Key = "name:" + p.Name
	if u, err := packageurl.FromString(c.PackageURL); err == nil {
		p.Type = u.Type
		p.Key = "pkg:" + u.Type + "/"
		if u.Namespace != "" {
			p.Key += u.Namespace + "/"
		}
		p.Key += u.Name
		if p.Name == "" {
			p.Name = u.Name
		}
		if p.Version == "" {
			p.Version = u.Version
		}
	}
	if p.Output != "" && p.Output != "out" {
		p.Key += "?output=" + p.Output
	}
	return p
}

// licenseOf flattens CycloneDX's license choices into one string.
func licenseOf(ls *cdx.Licenses) string {
	if ls == nil {
		return ""
	}
	var parts []string
	for _, l := range *ls {
		switch {
		case l.Expression != "":
			parts = append(parts, l.Expression)
		case l.License != nil && l.License.ID != "":
			parts = append(parts, l.License.ID)
		case l.License != nil && l.License.Name != "":
			parts = append(parts, l.License.Name)
		}
	}
	return strings.Join(parts, " AND ")
}
