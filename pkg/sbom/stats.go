package sbom

import (
	"sort"
	"strings"
)

// Stats are the headline numbers of a BOM, for summaries and metrics.
type Stats struct {
	Components   int            // every component, embedded ones included
	StorePaths   int            // components that are store paths
	Embedded     int            // components found inside store paths
	ClosureBytes int64          // NAR size of the store paths that exist
	Licenses     map[string]int // store path components per license; "unknown" when none is declared
	Largest      []Component    // store paths by NAR size, largest first
}

// Stats computes the headline numbers; top bounds Largest.
func (b *BOM) Stats(top int) Stats {
	s := Stats{Components: len(b.Components), Licenses: map[string]int{}}
	// Pointers, not copies: a closure holds ten thousand components.
	var paths []*Component
	for i := range b.Components {
		c := &b.Components[i]
		if c.Embedded {
			s.Embedded++
			continue
		}
		s.StorePaths++
		s.ClosureBytes += c.NarSize
		s.Licenses[licenseKey(*c)]++
		paths = append(paths, c)
	}
	sort.SliceStable(paths, func(i, j int) bool {
		if paths[i].NarSize != paths[j].NarSize {
			return paths[i].NarSize > paths[j].NarSize
		}
		return paths[i].Ref < paths[j].Ref
	})
	for _, c := range paths[:min(top, len(paths))] {
		s.Largest = append(s.Largest, *c)
	}
	return s
}

// licenseKey names a component's declared licensing in one string.
func licenseKey(c Component) string {
	if c.LicenseExpression != "" {
		return c.LicenseExpression
	}
	var ids []string
	for _, l := range c.Licenses {
		if l.ID != "" {
			ids = append(ids, l.ID)
		} else if l.Name != "" {
			ids = append(ids, l.Name)
		}
	}
	if len(ids) == 0 {
		return "unknown"
	}
	return strings.Join(ids, " AND ")
}
