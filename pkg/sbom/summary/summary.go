// Package summary renders an SBOM as the Markdown of a GitHub step
// summary: the counts, the license breakdown, the largest store paths and
// the documents written.
package summary

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/voidnxsec/nixops-actions/pkg/markdown"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
)

// LargestPaths is how many store paths the size table lists.
const LargestPaths = 10

// Markdown returns the step summary of the scope closure of target: s are
// its numbers (s.Largest, up to LargestPaths, is listed), files the
// documents written, by format.
func Markdown(target string, scope sbom.Scope, s sbom.Stats, files map[sbom.Format]string) string {
	var w strings.Builder
	fmt.Fprintf(&w, "## SBOM of %s (%s closure)\n\n", markdown.Code(target), scope)
	counts := markdown.NewTable(markdown.Column{Name: "components", Align: markdown.Right}, markdown.Column{Name: "store paths", Align: markdown.Right},
		markdown.Column{Name: "embedded packages", Align: markdown.Right}, markdown.Column{Name: "closure size", Align: markdown.Right})
	counts.Row(strconv.Itoa(s.Components), strconv.Itoa(s.StorePaths), strconv.Itoa(s.Embedded), Bytes(s.ClosureBytes))
	w.WriteString(counts.String() + "\n### Licenses\n\n")
	licenses := markdown.NewTable(markdown.Column{Name: "license"}, markdown.Column{Name: "store paths", Align: markdown.Right})
	for _, l := range byCount(s.Licenses) {
		licenses.Row(markdown.Text(l), strconv.Itoa(s.Licenses[l]))
	}
	w.WriteString(licenses.String() + "\n### Largest store paths\n\n")
	// One unit for the whole column, the largest path's, so the sizes line
	// up and compare at a glance.
	var div int64 = 1
	unit := "B"
	if len(s.Largest) > 0 {
		div, unit = binaryUnit(s.Largest[0].NarSize)
	}
	largest := markdown.NewTable(markdown.Column{Name: "store path"}, markdown.Column{Name: "NAR size (" + unit + ")", Align: markdown.Right})
	for _, c := range s.Largest {
		size := strconv.FormatInt(c.NarSize, 10)
		if div > 1 {
			size = strconv.FormatFloat(float64(c.NarSize)/float64(div), 'f', 1, 64)
		}
		largest.Row(markdown.Code(c.Ref), size)
	}
	w.WriteString(largest.String() + "\n### Files\n\n")
	var names []string
	for f := range files {
		names = append(names, string(f))
	}
	sort.Strings(names)
	for _, f := range names {
		fmt.Fprintf(&w, "- %s: %s\n", f, markdown.Code(files[sbom.Format(f)]))
	}
	return w.String()
}

// byCount orders the keys of m by count, largest first, then by name.
func byCount(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

// Bytes writes n in binary units, one decimal: 1.5 MiB.
func Bytes(n int64) string {
	div, unit := binaryUnit(n)
	if div == 1 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f %s", float64(n)/float64(div), unit)
}

// binaryUnit is the largest binary unit n reaches, and its size.
func binaryUnit(n int64) (int64, string) {
	div, unit := int64(1), "B"
	for _, u := range []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"} {
		if n/div < 1024 {
			break
		}
		div, unit = div*1024, u
	}
	return div, unit
}
