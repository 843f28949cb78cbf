package embedded

import (
	"cmp"
	"slices"
	"strings"

	"github.com/anchore/syft/syft/cpe"
	"github.com/anchore/syft/syft/file"
	"github.com/anchore/syft/syft/pkg"

	"github.com/voidnxsec/nixops-actions/pkg/sbom"
)

// components converts syft's packages found in one store path, merging
// those that share a purl (one module seen in two binaries is one
// component with two locations), sorted by purl.
func components(parentRef string, pkgs []pkg.Package) []sbom.Component {
	byPURL := map[string]*sbom.Component{}
	for _, p := range pkgs {
		// Without a purl a package can be neither referenced stably nor
		// matched against vulnerability data.
		if p.PURL == "" || p.Name == "" {
			continue
		}
		c := component(parentRef, p)
		if prev, ok := byPURL[c.PURL]; ok {
			merge(prev, c)
			continue
		}
		byPURL[c.PURL] = &c
	}
	out := make([]sbom.Component, 0, len(byPURL))
	for _, c := range byPURL {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b sbom.Component) int { return cmp.Compare(a.Ref, b.Ref) })
	return out
}

func component(parentRef string, p pkg.Package) sbom.Component {
	c := sbom.Component{
		Ref:       parentRef + "#" + p.PURL,
		Type:      componentType(p),
		Name:      p.Name,
		Version:   p.Version,
		PURL:      p.PURL,
		Embedded:  true,
		Parent:    parentRef,
		Locations: locations(parentRef, p.Locations.ToSlice()),
		Hashes:    hashes(p),
	}
	c.CPE = knownCPE(p)
	c.Licenses, c.LicenseExpression = licenses(p.Licenses.ToSlice())
	if p.FoundBy != "" {
		c.Properties = []sbom.Property{{Name: "syft:package:foundBy", Value: p.FoundBy}}
	}
	return c
}

// knownCPE is the first CPE syft did not guess from the name: one from the
// NVD dictionary or declared by the package. Guessed CPEs ("a:webapp:webapp")
// would be invented data. The Go stdlib is the exception: its CPE
// (a:golang:go) is built by rule from the toolchain version, and it is how
// scanners match Go's own vulnerabilities.
func knownCPE(p pkg.Package) string {
	for _, c := range p.CPEs {
		if c.Source != cpe.GeneratedSource || p.Name == "stdlib" && p.Type == pkg.GoModulePkg {
			return c.Attributes.String()
		}
	}
	return ""
}

// componentType calls the main module of a Go binary an application: it is
// the program itself, its other modules are the libraries linked into it.
func componentType(p pkg.Package) string {
	if m, ok := p.Metadata.(pkg.GolangBinaryBuildinfoEntry); ok && m.MainModule != "" && m.MainModule == p.Name {
		return "application"
	}
	return "library"
}

// locations are the paths relative to the store path root ("bin/hello")
// of the files the package was read from (its primary evidence: the
// METADATA of a dist-info, not its RECORD). A store path that is a single
// file has none: the file is the store path itself.
func locations(parentRef string, locs []file.Location) []string {
	var primary, all []string
	for _, l := range locs {
		p := strings.TrimPrefix(l.RealPath, "/")
		if p == "" || p == parentRef {
			continue
		}
		all = append(all, p)
		if l.Annotations[pkg.EvidenceAnnotationKey] == pkg.PrimaryEvidenceAnnotation {
			primary = append(primary, p)
		}
	}
	if len(primary) > 0 {
		all = primary
	}
	slices.Sort(all)
	return slices.Compact(all)
}

func licenses(ls []pkg.License) ([]sbom.License, string) {
	var out []sbom.License
	var compound []string
	for _, l := range ls {
		switch {
		case l.SPDXExpression != "" && !strings.ContainsAny(l.SPDXExpression, " ()"):
			out = append(out, sbom.License{ID: l.SPDXExpression})
		case l.SPDXExpression != "":
			compound = append(compound, l.SPDXExpression)
		case l.Value != "":
			out = append(out, sbom.License{Name: l.Value})
		}
	}
	// An expression such as "MIT OR Apache-2.0" is not one license id; it
	// can stand for the package only when it is all that was declared.
	if len(compound) == 1 && len(out) == 0 {
		return nil, compound[0]
	}
	for _, e := range compound {
		out = append(out, sbom.License{Name: e})
	}
	return sortLicenses(out), ""
}

func sortLicenses(ls []sbom.License) []sbom.License {
	slices.SortFunc(ls, func(a, b sbom.License) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Name, b.Name))
	})
	return slices.Compact(ls)
}

// hashAlgs maps syft's digest names to CycloneDX's.
var hashAlgs = map[string]string{"md5": "MD5", "sha1": "SHA-1", "sha256": "SHA-256", "sha512": "SHA-512"}

// hashes keeps the digests of Java archives, the only ones syft computes
// for these catalogers in hex.
func hashes(p pkg.Package) []sbom.Hash {
	m, ok := p.Metadata.(pkg.JavaArchive)
	if !ok {
		return nil
	}
	var out []sbom.Hash
	for _, d := range m.ArchiveDigests {
		if alg, ok := hashAlgs[strings.ToLower(d.Algorithm)]; ok && d.Value != "" {
			out = append(out, sbom.Hash{Alg: alg, Hex: strings.ToLower(d.Value)})
		}
	}
	return sortHashes(out)
}

func sortHashes(hs []sbom.Hash) []sbom.Hash {
	slices.SortFunc(hs, func(a, b sbom.Hash) int {
		return cmp.Or(cmp.Compare(a.Alg, b.Alg), cmp.Compare(a.Hex, b.Hex))
	})
	return slices.Compact(hs)
}

// merge folds b, another sighting of a's purl, into a.
func merge(a *sbom.Component, b sbom.Component) {
	a.Locations = append(a.Locations, b.Locations...)
	slices.Sort(a.Locations)
	a.Locations = slices.Compact(a.Locations)
	if a.LicenseExpression == "" && len(a.Licenses) == 0 {
		a.Licenses, a.LicenseExpression = b.Licenses, b.LicenseExpression
	} else if a.LicenseExpression == "" {
		a.Licenses = sortLicenses(append(a.Licenses, b.Licenses...))
	}
	a.Hashes = sortHashes(append(a.Hashes, b.Hashes...))
	if a.Type != "application" {
		a.Type = b.Type
	}
	if a.CPE == "" {
		a.CPE = b.CPE
	}
}
