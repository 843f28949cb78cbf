package sbom

import (
	"slices"
	"strings"
)

// Sort puts components and edges in their canonical order, which encoders
// rely on for byte-identical output.
func Sort(b *BOM) {
	slices.SortFunc(b.Components, func(x, y Component) int { return strings.Compare(x.Ref, y.Ref) })
	for _, m := range []map[string][]string{b.Dependencies, b.BuildOnly} {
		for k, v := range m {
			v = slices.Clone(v)
			slices.Sort(v)
			m[k] = slices.Compact(v)
		}
	}
	slices.Sort(b.Roots)
}
