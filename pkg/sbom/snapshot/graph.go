package snapshot

import (
	"slices"

	"github.com/voidnxsec/nixops-actions/pkg/githubapi"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
)

// resolved lists every component with a purl, keyed by purl, as GitHub
// keys nothing else uniquely: two components may share a name (the out
// and dev outputs of one derivation) but never a purl.
//
// Direct are the target's own store paths and what they depend on
// themselves, the packages embedded in them included; everything else in
// the closure is indirect. The target's own store paths are listed too,
// so that their dependency lists, and what is embedded in them, have a
// place in the graph.
func resolved(b *sbom.BOM) map[string]githubapi.Dependency {
	byRef := make(map[string]*sbom.Component, len(b.Components))
	for i := range b.Components {
		byRef[b.Components[i].Ref] = &b.Components[i]
	}
	direct := map[string]bool{}
	for _, r := range b.Roots {
		direct[r] = true
		for _, d := range b.Dependencies[r] {
			direct[d] = true
		}
	}
	out := map[string]githubapi.Dependency{}
	for _, c := range b.Components {
		if c.PURL == "" {
			continue
		}
		d := githubapi.Dependency{
			PackageURL:   c.PURL,
			Relationship: "indirect",
			Scope:        scope(c.Scope),
			Dependencies: purlsBelow(b, byRef, c.Ref),
		}
		if direct[c.Ref] {
			d.Relationship = "direct"
		}
		if prev, ok := out[c.PURL]; ok {
			d = merge(prev, d)
		}
		out[c.PURL] = d
	}
	return out
}

// purlsBelow lists the purls of what ref depends on, sorted. A dependency
// without a purl is looked through, so that what it depends on is not cut
// off from the graph; a component never lists itself (Nix store paths may
// refer to themselves).
func purlsBelow(b *sbom.BOM, byRef map[string]*sbom.Component, ref string) []string {
	var out []string
	seen := map[string]bool{ref: true}
	stack := slices.Clone(b.Dependencies[ref])
	for len(stack) > 0 {
		r := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[r] {
			continue
		}
		seen[r] = true
		c := byRef[r]
		switch {
		case c == nil:
		case c.PURL != "":
			out = append(out, c.PURL)
		default:
			stack = append(stack, b.Dependencies[r]...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
