package summary_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/pkg/dora"
	"github.com/voidnxsec/nixops-actions/pkg/dora/summary"
)

var update = flag.Bool("update", false, "rewrite the golden summary.md files")

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
				`    x-axis ["01-01", "01-08"]`,
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
				`    x-axis ["2023-12-04", "2023-12-11", "2023-12-18", "2023-12-25", "2024-01-01", "2024-01-08"]`,
				`    x-axis ["2023-12-04", "2023-12-11", "2023-12-18", "2024-01-01", "2024-01-08"]`,
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
			golden(t, filepath.Join("testdata", tt.name, "summary.md"), []byte(got))
			lines := strings.Split(got, "\n")
			for _, want := range tt.contains {
				if !hasLine(lines, want) {
					t.Errorf("summary lacks the line\n%s", want)
				}
			}
			if n := countRows(lines); n != tt.rows {
				t.Errorf("deployment table has %d rows, want %d", n, tt.rows)
			}
			if n := checkCharts(t, got); n != tt.charts {
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

func hasLine(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

// countRows counts the rows of the deployment table: lines starting with
// a code span after its header.
func countRows(lines []string) int {
	n, in := 0, false
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "| deployment | deployed (UTC) |"):
			in = true
		case in && strings.HasPrefix(l, "| `"):
			n++
		case in && l == "":
			in = false
		}
	}
	return n
}

var (
	axisRe = regexp.MustCompile(`^    x-axis \[("[0-9-]+"(, "[0-9-]+")*)\]$`)
	dataRe = regexp.MustCompile(`^    (bar|line) \[(-?[0-9.]+(, -?[0-9.]+)*)\]$`)
)

// checkCharts checks each xychart-beta block: one categorical x-axis, one
// data series with as many numbers as categories (Mermaid would otherwise
// draw a wrong chart without complaint). It returns the number of charts.
func checkCharts(t *testing.T, md string) int {
	t.Helper()
	blocks := strings.Split(md, "```mermaid\n")[1:]
	for _, b := range blocks {
		body, _, ok := strings.Cut(b, "```")
		if !ok {
			t.Fatalf("unterminated mermaid block:\n%s", b)
		}
		lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
		if lines[0] != "xychart-beta" || len(lines) != 5 {
			t.Errorf("chart is not xychart-beta with title, x-axis, y-axis and one series:\n%s", body)
			continue
		}
		axis, data := axisRe.FindStringSubmatch(lines[2]), dataRe.FindStringSubmatch(lines[4])
		if axis == nil || data == nil {
			t.Errorf("chart has a malformed axis or series:\n%s", body)
			continue
		}
		if a, d := strings.Count(axis[1], ",")+1, strings.Count(data[2], ",")+1; a != d {
			t.Errorf("chart has %d categories but %d values:\n%s", a, d, body)
		}
	}
	return len(blocks)
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("summary differs from %s (go test -update rewrites it):\n%s", path, got)
	}
}
