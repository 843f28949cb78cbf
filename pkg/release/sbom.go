package release

import (
	"debug/buildinfo"
	"fmt"
	"path/filepath"
	"sort"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/atomicfile"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
)

// SBOMFormats are the documents written for each released binary, named
// <asset><format extension>: <asset>.cdx.json and <asset>.spdx.json.
var SBOMFormats = []sbom.Format{sbom.CycloneDXJSON, sbom.SPDXJSON}

// BinaryBOM is the bill of materials of the Go binary of asset a: the
// binary itself and the modules its build info records, at the versions
// (or replacements) that were linked in. at is the document's time; the
// release passes its commit time so the same commit gives the same bytes.
func BinaryBOM(a Asset, v Version, at time.Time) (*sbom.BOM, error) {
	info, err := buildinfo.ReadFile(a.Path)
	if err != nil {
		return nil, fmt.Errorf("build info of %s: %w", a.Name, err)
	}
	root := sbom.Component{Ref: a.Name, Type: "application", Name: a.Name, Version: string(v),
		Hashes:     []sbom.Hash{{Alg: "SHA-256", Hex: a.SHA256}},
		Properties: []sbom.Property{{Name: "go:version", Value: info.GoVersion}}}
	if info.Path != "" {
		root.PURL = "pkg:golang/" + info.Path + "@" + string(v)
	}
	b := &sbom.BOM{Target: a.Name, Roots: []string{a.Name}, Components: []sbom.Component{root},
		Dependencies: map[string][]string{}, Timestamp: at.UTC(),
		ToolName: "nixops-release", ToolVersion: string(v)}
	var refs []string
	for _, d := range info.Deps {
		if d.Replace != nil {
			d = d.Replace
		}
		purl := "pkg:golang/" + d.Path + "@" + d.Version
		c := sbom.Component{Ref: a.Name + "#" + purl, Type: "library", Name: d.Path, Version: d.Version,
			PURL: purl, Embedded: true, Parent: a.Name}
		b.Components = append(b.Components, c)
		refs = append(refs, c.Ref)
	}
	sort.Strings(refs)
	sort.Slice(b.Components, func(i, j int) bool { return b.Components[i].Ref < b.Components[j].Ref })
	if len(refs) > 0 {
		b.Dependencies[a.Name] = refs
	}
	return b, nil
}

// writeSBOMs writes the SBOMFormats documents of a next to it in dir and
// returns their file names.
func writeSBOMs(dir string, a Asset, v Version, at time.Time) ([]string, error) {
	b, err := BinaryBOM(a, v, at)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range SBOMFormats {
		name := a.Name + f.Extension()
		out, err := atomicfile.Create(filepath.Join(dir, name), 0o644)
		if err != nil {
			return nil, err
		}
		if err := sbom.Encode(out, b, f); err != nil {
			out.Abort()
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if err := out.Commit(); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, nil
}
