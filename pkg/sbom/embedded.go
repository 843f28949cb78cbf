package sbom

import (
	"fmt"
	"maps"
	"slices"
)

// PresentStorePaths lists the store paths of the components Nix found in
// the store (a NAR hash and size were read for them): those whose files
// can be scanned for embedded packages.
func (b *BOM) PresentStorePaths() []string {
	var paths []string
	for _, c := range b.Components {
		if !c.Embedded && len(c.Hashes) > 0 && c.NarSize > 0 {
			paths = append(paths, c.StorePath)
		}
	}
	return paths
}

// AddEmbedded hangs the packages found inside store paths, keyed by store
// path, under the component of each: they take its scope and it depends
// on them. The BOM stays in canonical order.
func (b *BOM) AddEmbedded(found map[string][]Component) error {
	parents := map[string]*Component{}
	for i := range b.Components {
		if c := &b.Components[i]; !c.Embedded && c.StorePath != "" {
			parents[c.StorePath] = c
		}
	}
	type edge struct{ parent, child string }
	var edges []edge
	var added []Component
	for _, p := range slices.Sorted(maps.Keys(found)) {
		parent := parents[p]
		if parent == nil {
			return fmt.Errorf("packages found in %s, which is not a store path of the BOM", p)
		}
		for _, c := range found[p] {
			c.Scope = parent.Scope
			added = append(added, c)
			edges = append(edges, edge{parent.Ref, c.Ref})
		}
	}
	b.Components = append(b.Components, added...)
	if b.Dependencies == nil {
		b.Dependencies = map[string][]string{}
	}
	for _, e := range edges {
		b.Dependencies[e.parent] = append(b.Dependencies[e.parent], e.child)
		b.Dependencies[e.child] = nil
	}
	Sort(b)
	return nil
}
