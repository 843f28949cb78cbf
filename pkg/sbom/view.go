package sbom

import (
	"maps"
	"slices"
	"strings"
)

// view is a validated BOM in the canonical order every encoder walks, so that
// the order of the input never shows in the output.
type view struct {
	bom   *BOM
	comps []*Component // sorted by Ref
	byRef map[string]*Component
	roots []string // sorted
	// edges holds the dependency graph, sorted and without duplicates, plus
	// an edge from each parent to the components embedded in it. Self
	// references (a store path referring to itself) say nothing about
	// dependencies and are dropped.
	edges map[string][]string
	// buildOnly marks the edges of BOM.BuildOnly.
	buildOnly map[edge]bool
}

type edge struct{ from, to string }

func newView(b *BOM) (*view, error) {
	if err := Validate(b); err != nil {
		return nil, err
	}
	v := &view{bom: b, comps: make([]*Component, 0, len(b.Components)), byRef: make(map[string]*Component, len(b.Components)),
		edges: make(map[string][]string, len(b.Dependencies)), buildOnly: map[edge]bool{}}
	for from, tos := range b.BuildOnly {
		for _, to := range tos {
			v.buildOnly[edge{from, to}] = true
		}
	}
	for i := range b.Components {
		c := &b.Components[i]
		v.comps = append(v.comps, c)
		v.byRef[c.Ref] = c
	}
	slices.SortFunc(v.comps, func(x, y *Component) int { return strings.Compare(x.Ref, y.Ref) })
	v.roots = slices.Sorted(slices.Values(b.Roots))
	for from, tos := range b.Dependencies {
		v.edges[from] = append(v.edges[from], tos...)
	}
	for _, c := range v.comps {
		if c.Embedded {
			v.edges[c.Parent] = append(v.edges[c.Parent], c.Ref)
		}
	}
	for from, tos := range v.edges {
		tos = slices.DeleteFunc(slices.Clone(tos), func(to string) bool { return to == from })
		slices.Sort(tos)
		v.edges[from] = slices.Compact(tos)
	}
	return v, nil
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
