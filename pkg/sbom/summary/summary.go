// Package summary renders an SBOM as the Markdown of a GitHub step
// summary: the counts, the license breakdown, the largest store paths and
// the documents written.
package summary

import (
	"fmt"
	"sort"
	"strings"

	"github.com/voidnxsec/nixops-actions/pkg/sbom"
)

// LargestPaths is how many store paths the size table lists.
const LargestPaths = 10

// Markdown returns the step summary of the scope closure of target: s are
// its numbers (s.Largest, up to LargestPaths, is listed), files the
// documents written, by format.
func Markdown(target string, scope sbom.Scope, s sbom.Stats, files map[sbom.Format]string) string {
	var w strings.Builder
	fmt.Fprintf(&w, "## SBOM of `%s` (%s closure)\n\n", target, scope)
	fmt.Fprintf(&w, "| components | store paths | embedded packages | closure size |\n|---:|---:|---:|---:|\n| %d | %d | %d | %s |\n\n",
		s.Components, s.StorePaths, s.Embedded, humanBytes(s.ClosureBytes))
	w.WriteString("### Licenses\n\n| license | store paths |\n|---|---:|\n")
	for _, l := range byCount(s.Licenses) {
		fmt.Fprintf(&w, "| %s | %d |\n", l, s.Licenses[l])
	}
	w.WriteString("\n### Largest store paths\n\n| store path | NAR size |\n|---|---:|\n")
	for _, c := range s.Largest {
		fmt.Fprintf(&w, "| `%s` | %s |\n", c.Ref, humanBytes(c.NarSize))
	}
	w.WriteString("\n### Files\n\n")
	var names []string
	for f := range files {
		names = append(names, string(f))
	}
	sort.Strings(names)
	for _, f := range names {
		fmt.Fprintf(&w, "- %s: `%s`\n", f, files[sbom.Format(f)])
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

// humanBytes writes n in binary units, one decimal: 1.5 MiB.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
