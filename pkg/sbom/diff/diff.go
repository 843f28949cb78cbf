// Package diff compares two closures package by package: what a change
// adds, removes and moves to another version, whose licenses change, and
// what it does to the closure's size. Packages are matched by their purl
// without version (see Package.Key), so a new version of libgreet is a
// change, not a removal and an addition.
package diff

import (
	"maps"
	"slices"
	"strings"
)

// Change is a package whose versions differ between the two closures.
// A closure may hold several versions of one package; Old and New list
// those found on one side only, sorted.
type Change struct {
	Key, Name, Type, Output string
	Embedded                bool
	Old, New                []string
	// SizeDelta is the change of the package's NAR size, in bytes.
	SizeDelta int64
}

// LicenseChange is a package in both closures whose license differs.
type LicenseChange struct {
	Key, Name, Type, Output string
	Old, New                string
}

// Side counts one closure.
type Side struct {
	StorePaths int
	Embedded   int
	Bytes      int64 // the sum of the store paths' NAR sizes
}

// Diff is what Compare found. Every list is sorted by key, then version.
type Diff struct {
	Added, Removed []Package
	Changed        []Change
	Licenses       []LicenseChange
	// Rebuilt counts the packages whose versions stayed while their store
	// paths changed: new inputs, same version.
	Rebuilt  int
	Old, New Side
}

// Empty says the closures hold the same packages, versions and licenses.
func (d *Diff) Empty() bool {
	return len(d.Added) == 0 && len(d.Removed) == 0 && len(d.Changed) == 0 && len(d.Licenses) == 0
}

// BytesDelta is how much the closure grew (negative: shrank).
func (d *Diff) BytesDelta() int64 { return d.New.Bytes - d.Old.Bytes }

// Compare finds what changed from old to new.
func Compare(old, new []Package) *Diff {
	d := &Diff{Old: count(old), New: count(new)}
	before, after := byKey(old), byKey(new)
	keys := slices.Sorted(maps.Keys(before))
	for k := range after {
		if _, ok := before[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		d.compareKey(before[k], after[k])
	}
	return d
}

// compareKey compares the instances of one package on each side.
func (d *Diff) compareKey(old, new []Package) {
	oldV, newV := versions(old), versions(new)
	onlyOld := slices.DeleteFunc(slices.Clone(oldV), func(v string) bool { return slices.Contains(newV, v) })
	onlyNew := slices.DeleteFunc(slices.Clone(newV), func(v string) bool { return slices.Contains(oldV, v) })
	switch {
	case len(old) == 0:
		d.Added = append(d.Added, unique(new)...)
		return
	case len(new) == 0:
		d.Removed = append(d.Removed, unique(old)...)
		return
	case len(onlyOld) > 0 && len(onlyNew) > 0:
		p := new[0]
		d.Changed = append(d.Changed, Change{Key: p.Key, Name: p.Name, Type: p.Type, Output: p.Output, Embedded: p.Embedded,
			Old: onlyOld, New: onlyNew, SizeDelta: narSize(new) - narSize(old)})
	case len(onlyOld) > 0:
		d.Removed = append(d.Removed, unique(withVersions(old, onlyOld))...)
	case len(onlyNew) > 0:
		d.Added = append(d.Added, unique(withVersions(new, onlyNew))...)
	default:
		if !slices.Equal(storePaths(old), storePaths(new)) {
			d.Rebuilt++
		}
	}
	if lo, ln := licenses(old), licenses(new); lo != ln {
		p := new[0]
		d.Licenses = append(d.Licenses, LicenseChange{Key: p.Key, Name: p.Name, Type: p.Type, Output: p.Output, Old: lo, New: ln})
	}
}

func count(ps []Package) Side {
	var s Side
	for _, p := range ps {
		if p.Embedded {
			s.Embedded++
			continue
		}
		s.StorePaths++
		s.Bytes += p.NarSize
	}
	return s
}

func byKey(ps []Package) map[string][]Package {
	m := map[string][]Package{}
	for _, p := range ps {
		m[p.Key] = append(m[p.Key], p)
	}
	return m
}

// versions are the distinct versions of ps, sorted.
func versions(ps []Package) []string {
	var vs []string
	for _, p := range ps {
		vs = append(vs, p.Version)
	}
	slices.Sort(vs)
	return slices.Compact(vs)
}

func withVersions(ps []Package, vs []string) []Package {
	return slices.DeleteFunc(slices.Clone(ps), func(p Package) bool { return !slices.Contains(vs, p.Version) })
}

// unique keeps one package per version: an npm package found in two store
// paths is one package. The NAR sizes of store paths add up.
func unique(ps []Package) []Package {
	var out []Package
	for _, p := range ps {
		i := slices.IndexFunc(out, func(q Package) bool { return q.Version == p.Version })
		if i < 0 {
			out = append(out, p)
			continue
		}
		out[i].NarSize += p.NarSize
	}
	slices.SortFunc(out, func(a, b Package) int { return strings.Compare(a.Version, b.Version) })
	return out
}

func narSize(ps []Package) int64 {
	var n int64
	for _, p := range ps {
		n += p.NarSize
	}
	return n
}

func storePaths(ps []Package) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.StorePath)
	}
	slices.Sort(out)
	return out
}

// licenses are the distinct known licenses of ps, as one string: a
// source path named like its package (webapp beside webapp-1.0.0) carries
// no license and says nothing about the package's.
func licenses(ps []Package) string {
	var ls []string
	for _, p := range ps {
		if p.License != "" {
			ls = append(ls, p.License)
		}
	}
	slices.Sort(ls)
	return strings.Join(slices.Compact(ls), "; ")
}
