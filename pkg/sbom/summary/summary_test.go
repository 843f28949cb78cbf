package summary_test

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/golden"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
	"github.com/voidnxsec/nixops-actions/pkg/sbom/sbomtest"
	"github.com/voidnxsec/nixops-actions/pkg/sbom/summary"
)

func load(t *testing.T, name string) *sbom.BOM {
	return sbomtest.Load(t, filepath.Join("..", "testdata", name+".json"))
}

// TestMarkdown compares the summary of BOM fixtures with
// testdata/<case>/summary.md, and checks the lines a reader relies on,
// worked out by hand from the fixtures.
func TestMarkdown(t *testing.T) {
	files := map[sbom.Format]string{sbom.SPDXJSON: "out/sbom.spdx.json", sbom.CycloneDXJSON: "out/sbom.cdx.json"}
	tests := []struct {
		name     string
		scope    sbom.Scope
		contains []string
	}{
		{"runtime-deps", sbom.Runtime, []string{
			"## SBOM of `nixpkgs#hello` (runtime closure)",
			"| 3 | 3 | 0 | 29.7 MiB |", // 226,560 + 30,612,736 + 350,000 bytes
			"| GPL-3.0-or-later | 1 |\n| LGPL-2.0-or-later AND GPL-3.0-or-later | 1 |\n| LGPL-2.1-or-later | 1 |",
			// One unit for the column, the largest path's.
			"| store path | NAR size (MiB) |",
			"| `ddwyrxif62r8n6xclvskjyy6szdhvj60-glibc-2.39-52` | 29.2 |\n| `mkx1p8vbd2q3lfh0xqc8kzmgz6x3wddf-libidn2-2.3.7` | 0.3 |\n| `5h2lcmb0bvgqkzfrqg4qcvqdkzbjd4ya-hello-2.12.1` | 0.2 |",
			"- cyclonedx-json: `out/sbom.cdx.json`\n- spdx-json: `out/sbom.spdx.json`\n",
		}},
		{"embedded", sbom.Both, []string{
			"(both closure)",
			"| 7 | 3 | 4 | 0 B |",
			"| unknown | 2 |\n| Apache-2.0 | 1 |",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := load(t, tt.name)
			got := summary.Markdown(b.Target, tt.scope, b.Stats(summary.LargestPaths), files)
			golden.Check(t, filepath.Join("testdata", tt.name, "summary.md"), []byte(got))
			for _, want := range tt.contains {
				if !strings.Contains(squash(got), want) {
					t.Errorf("summary lacks\n%s\nin\n%s", want, got)
				}
			}
		})
	}
}

// TestLargestPaths: the table lists s.Largest, largest first, which
// Stats(LargestPaths) stops at LargestPaths store paths.
func TestLargestPaths(t *testing.T) {
	b := &sbom.BOM{Target: "many"}
	for i := range summary.LargestPaths + 5 {
		b.Components = append(b.Components, sbom.Component{Ref: strings.Repeat("x", i+1), NarSize: int64(i + 1)})
	}
	got := summary.Markdown(b.Target, sbom.Runtime, b.Stats(summary.LargestPaths), nil)
	if n := strings.Count(got, "| `x"); n != summary.LargestPaths {
		t.Errorf("%d rows of store paths, want %d:\n%s", n, summary.LargestPaths, got)
	}
	if !strings.Contains(squash(got), "| `"+strings.Repeat("x", summary.LargestPaths+5)+"` | 15 |") {
		t.Errorf("the largest path is not listed first:\n%s", got)
	}
}

// squash folds the padding that aligns a table's columns, so a row reads
// as its cells: "|  3 |" becomes "| 3 |".
func squash(md string) string {
	return padding.ReplaceAllString(md, " ")
}

var padding = regexp.MustCompile(` {2,}`)
