package summary_test

import (
	"github.com/voidnxsec/nixops-actions/internal/golden"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/mermaidtest"
	"github.com/voidnxsec/nixops-actions/pkg/dora"
	"github.com/voidnxsec/nixops-actions/pkg/dora/summary"
)

// TestMarkdown compares the summary of each ../testdata/reports/<case>.json
// with testdata/<case>/summary.md byte for byte, and checks what a reader
// relies on whatever the wording: the charts are well-formed, a missing
// number reads "no data", the table keeps the last 20 deployments.
func TestMarkdown(t *testing.T) {
	tests := []struct {
		name string
		// contains: lines that must appear as they are.
		contains []string
		// rows: deployment rows in the table.
		rows int
		// charts: xychart-beta blocks.
		charts int
	}{
		{
			name: "full",
			contains: []string{
				"| Change fail rate | 40% | — | — | 2 of 5 deployments | low |",
				"| Change lead time (median) | 18 h | 24 h | 14.86 h | 7 commits | elite |",
				"| Deployment frequency | 0.0556 per day (0.389 per week) | — | — | 5 deployments | medium |",
				"| Deployment rework rate | 40% | — | — | 2 of 5 deployments | — |",
				"| `v1.1.0` | 2024-01-04 00:00 | 2 | 21 h | failed (revert), fixed by `v1.2.0` after 12 h |",
				"| `v1.3.1-hotfix` | 2024-01-09 08:00 | 1 | 2 h | hotfix; fixes `v1.3.0` |",
				`    x-axis "week starting (UTC)" ["Jan 1", "Jan 8"]`,
				"    bar [3, 2]",
				"- Deployments: tags matching v\\* whose commit is reachable from main; deploy time = tagger date of an annotated tag, else the commit's committer date.",
			},
			rows:   5,
			charts: 2,
		},
		{
			name: "no-data",
			contains: []string{
				"| Deployment frequency | no data | — | — | 0 deployments | — |",
				"| Change lead time (median) | no data | — | — | 0 commits | — |",
				"| Failed deployment recovery time (median) | no data | — | — | 0 recoveries | — |",
				"No deployments in the window: no lead time to chart.",
				"    bar [0, 0, 0]",
				"> The repository is a shallow clone: only 1 commit was read, so older deployments and lead times are missing. Set `fetch-depth: 0` on actions/checkout.",
			},
			rows:   0,
			charts: 1,
		},
		{
			name: "many",
			contains: []string{
				"## DORA metrics of `acme/we\\|ird` (`` release/`1` ``)",
				"### Last 20 of 25 deployments",
				"> Tag `v9.9.9` ignored: its commit is not reachable from release/\\`1\\`.",
				"> 3 commits dated after their deployment (clock skew) left out of lead time.",
				`    x-axis "week starting (UTC)" ["Dec 4", "Dec 11", "Dec 18", "Dec 25", "Jan 1", "Jan 8"]`,
				`    x-axis "week starting (UTC)" ["Dec 4", "Dec 11", "Dec 18", "Jan 1", "Jan 8"]`,
				"    bar [3, 3.04, 3.08, 3.17, 3.21]",
				"Weeks without a lead time (no deployments, or only skewed commits) are left out: 1 of 6.",
				"| `v1.22.0` | 2024-01-07 07:00 | 3 | 2 h | failed (revert), fixed by `v1.24.0-hotfix` after 3.08 days |",
				"| `v1.23.0` | 2024-01-08 20:00 | 4 | 3 h | failed (fixes-deployment), not fixed yet |",
			},
			rows:   20,
			charts: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summary.Markdown(load(t, tt.name))
			golden.Check(t, filepath.Join("testdata", tt.name, "summary.md"), []byte(got))
			lines := strings.Split(got, "\n")
			for _, want := range tt.contains {
				if !hasLine(lines, want) {
					t.Errorf("summary lacks the line\n%s", want)
				}
			}
			if n := countRows(lines); n != tt.rows {
				t.Errorf("deployment table has %d rows, want %d", n, tt.rows)
			}
			if n := len(checkCharts(t, got)); n != tt.charts {
				t.Errorf("%d xychart-beta charts, want %d", n, tt.charts)
			}
		})
	}
}

// load reads the shared report fixture pkg/dora/testdata/reports/<name>.json.
func load(t *testing.T, name string) *dora.Report {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "reports", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := dora.DecodeReport(f)
	if err != nil {
		t.Fatalf("%s: %v", f.Name(), err)
	}
	return r
}

// hasLine says whether want is one of lines. Table rows compare cell by
// cell, whatever the padding that lines the columns up.
func hasLine(lines []string, want string) bool {
	for _, l := range lines {
		if cells(l) == cells(want) {
			return true
		}
	}
	return false
}

func cells(l string) string {
	if !strings.HasPrefix(l, "|") {
		return l
	}
	parts := strings.Split(l, "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return strings.Join(parts, "|")
}

// countRows counts the rows of the deployment table: lines starting with
// a code span after its header.
func countRows(lines []string) int {
	n, in := 0, false
	for _, l := range lines {
		switch {
		case strings.HasPrefix(cells(l), cells("| deployment | deployed (UTC) |")):
			in = true
		case in && strings.HasPrefix(l, "| `"):
			n++
		case in && l == "":
			in = false
		}
	}
	return n
}

// checkCharts checks every chart of a summary for what keeps it readable
// on the page (see mermaidtest.Check) and returns them.
func checkCharts(t *testing.T, md string) []*mermaidtest.XYChart {
	t.Helper()
	blocks, err := mermaidtest.Blocks(md)
	if err != nil {
		t.Fatal(err)
	}
	var charts []*mermaidtest.XYChart
	for _, b := range blocks {
		c, err := mermaidtest.ParseXYChart(b)
		if err != nil {
			t.Errorf("%v:\n%s", err, b)
			continue
		}
		if len(c.Series) != 1 || c.Series[0].Kind != "bar" {
			t.Errorf("chart %q is not a single bar series", c.Title)
		}
		limits := mermaidtest.Limits{MaxCategories: summary.MaxCategories, MaxLabel: 7, Count: c.YTitle == "deployments"}
		for _, err := range c.Check(limits) {
			t.Errorf("chart %q: %v", c.Title, err)
		}
		charts = append(charts, c)
	}
	return charts
}
