package summary_test

import (
	"bytes"
	"context"
	"fmt"
	"github.com/voidnxsec/nixops-actions/internal/golden"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/dora"
	"github.com/voidnxsec/nixops-actions/pkg/dora/summary"
)

// release is a tag and the commits it deploys: commits evenly spread over
// lead before the tag, the last one tagged.
type release struct {
	tag     string
	at      time.Time
	commits int
	lead    time.Duration
}

// history is a repository to compute a report from: its releases and the
// window the action is asked for, ending at until.
type history struct {
	name     string
	window   string
	until    time.Time
	releases []release
}

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02T15", s)
	if err != nil {
		panic(err)
	}
	return t
}

// histories are the windows a user picks, with the histories a project
// has: one release, a release most weeks for a year, ten releases in
// three years (prometheus/pushgateway's pace), a few over twenty years.
func histories() []history {
	week := 7 * 24 * time.Hour
	year := history{name: "year", window: "365d", until: day("2024-12-31T00")}
	// Weekly releases, bunched before two holidays, none in August.
	for i, t := 0, day("2024-01-03T10"); t.Before(year.until); i, t = i+1, t.Add(week) {
		if t.Month() == time.August {
			continue
		}
		n := 1 + i%4
		if t.Month() == time.June || t.Month() == time.December {
			n = 3
		}
		for k := range n {
			year.releases = append(year.releases, release{
				tag: fmt.Sprintf("v1.%d.%d", i, k), at: t.Add(time.Duration(k) * 9 * time.Hour),
				commits: 1 + (i+k)%5, lead: time.Duration(2+i%9) * 12 * time.Hour,
			})
		}
	}
	// The longest windows that still get 16 months and 16 quarters: the
	// most labels of seven characters a chart holds.
	months := history{name: "sixteen-months", window: "480d", until: day("2025-04-30T00"),
		releases: every(day("2024-01-10T12"), day("2025-04-30T00"), 11*24*time.Hour)}
	quarters := history{name: "sixteen-quarters", window: "1460d", until: day("2025-12-31T00"),
		releases: every(day("2022-01-20T12"), day("2025-12-31T00"), 40*24*time.Hour)}
	return []history{
		{name: "one", window: "90d", until: day("2024-03-31T00"), releases: []release{
			{tag: "v0.1.0", at: day("2024-02-14T16"), commits: 4, lead: 30 * time.Hour},
		}},
		year,
		{name: "three-years", window: "1095d", until: day("2025-06-30T00"), releases: []release{
			{"v1.0.0", day("2022-08-02T12"), 12, 40 * 24 * time.Hour},
			{"v1.1.0", day("2022-11-15T09"), 6, 30 * 24 * time.Hour},
			{"v1.2.0", day("2023-02-20T14"), 9, 60 * 24 * time.Hour},
			{"v1.2.1-hotfix", day("2023-02-22T10"), 1, 20 * time.Hour},
			{"v1.3.0", day("2023-06-07T11"), 15, 75 * 24 * time.Hour},
			{"v1.4.0", day("2023-11-28T16"), 20, 120 * 24 * time.Hour},
			{"v1.5.0", day("2024-03-12T08"), 8, 45 * 24 * time.Hour},
			{"v1.6.0", day("2024-08-21T13"), 11, 90 * 24 * time.Hour},
			{"v1.7.0", day("2024-12-03T15"), 5, 25 * 24 * time.Hour},
			{"v1.8.0", day("2025-05-19T10"), 14, 100 * 24 * time.Hour},
		}},
		months,
		quarters,
		{name: "twenty-years", window: "7305d", until: day("2025-01-01T00"), releases: []release{
			{"v1", day("2006-05-01T12"), 30, 200 * 24 * time.Hour},
			{"v2", day("2011-09-01T12"), 40, 300 * 24 * time.Hour},
			{"v3", day("2017-03-01T12"), 25, 150 * 24 * time.Hour},
			{"v4", day("2023-10-01T12"), 10, 60 * 24 * time.Hour},
		}},
	}
}

// every releases v0.<n>.0 every interval from first until before end, with
// one to three commits made over the day before.
func every(first, end time.Time, interval time.Duration) []release {
	var r []release
	for i, t := 0, first; t.Before(end); i, t = i+1, t.Add(interval) {
		r = append(r, release{tag: fmt.Sprintf("v0.%d.0", i), at: t, commits: 1 + i%3, lead: 24 * time.Hour})
	}
	return r
}

// report builds h's repository with git fast-import and computes its
// report with dora.Compute, as the action would.
func (h history) report(t *testing.T) *dora.Report {
	t.Helper()
	git := testenv.LookPath(t, "git")
	dir := t.TempDir()
	gitIn(t, git, dir, nil, "init", "-q", "-b", "main")
	var s bytes.Buffer
	mark := 0
	for _, r := range h.releases {
		first := r.at.Add(-r.lead)
		for i := range r.commits {
			mark++
			when := first.Add(r.lead * time.Duration(i) / time.Duration(max(r.commits-1, 1)))
			if i == r.commits-1 {
				when = r.at.Add(-time.Minute)
			}
			msg := fmt.Sprintf("change %d", mark)
			fmt.Fprintf(&s, "commit refs/heads/main\nmark :%d\nauthor A <a@example.com> %d +0000\ncommitter A <a@example.com> %d +0000\ndata %d\n%s\n",
				mark, when.Unix(), when.Unix(), len(msg), msg)
			fmt.Fprintf(&s, "M 644 inline f%d\ndata %d\n%s\n\n", mark, len(msg), msg)
		}
		fmt.Fprintf(&s, "tag %s\nfrom :%d\ntagger A <a@example.com> %d +0000\ndata %d\n%s\n", r.tag, mark, r.at.Unix(), len(r.tag), r.tag)
	}
	gitIn(t, git, dir, &s, "fast-import", "--quiet")
	cfg := dora.DefaultConfig()
	cfg.Window, cfg.Until, cfg.Repository = h.window, h.until.Format(time.RFC3339), "acme/"+h.name
	rep, err := dora.Compute(context.Background(), dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Metrics.Deployments == 0 {
		t.Fatalf("%s: no deployment in the window", h.name)
	}
	return rep
}

func gitIn(t *testing.T, git, dir string, stdin *bytes.Buffer, args ...string) {
	t.Helper()
	cmd := exec.Command(git, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	if stdin != nil {
		cmd.Stdin = stdin
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// TestHistories summarises reports computed from real repositories over
// windows of three months to twenty years. Whatever the window, a chart
// has at most MaxCategories short labels, its bars add up to the
// deployments of the report, and the bars cover the whole window.
func TestHistories(t *testing.T) {
	want := map[string]struct {
		heading     string
		first, last string
		categories  int
	}{
		"one":              {"### Deployments per week", "Jan 1", "Mar 25", 13},
		"year":             {"### Deployments per month", "2024-01", "2024-12", 12},
		"three-years":      {"### Deployments per quarter", "Q3 2022", "Q2 2025", 12},
		"sixteen-months":   {"### Deployments per month", "2024-01", "2025-04", 16},
		"sixteen-quarters": {"### Deployments per quarter", "Q1 2022", "Q4 2025", 16},
		"twenty-years":     {"### Deployments per 2 years", "2005", "2025", 11},
	}
	for _, h := range histories() {
		t.Run(h.name, func(t *testing.T) {
			w := want[h.name]
			rep := h.report(t)
			got := summary.Markdown(rep)
			golden.Check(t, filepath.Join("testdata", h.name, "summary.md"), []byte(got))
			if !hasLine(strings.Split(got, "\n"), w.heading) {
				t.Errorf("summary lacks the heading %q", w.heading)
			}
			charts := checkCharts(t, got)
			if len(charts) != 2 {
				t.Fatalf("%d charts, want 2", len(charts))
			}
			deps := charts[0]
			if n := len(deps.Categories); n != w.categories || deps.Categories[0] != w.first || deps.Categories[n-1] != w.last {
				t.Errorf("deployments chart has categories %v, want %d from %s to %s", deps.Categories, w.categories, w.first, w.last)
			}
			sum := 0.0
			for _, v := range deps.Series[0].Values {
				sum += v
			}
			if int(sum) != rep.Metrics.Deployments {
				t.Errorf("bars add up to %v deployments, the report has %d", sum, rep.Metrics.Deployments)
			}
			for _, c := range charts[1].Categories {
				if !slices.Contains(deps.Categories, c) {
					t.Errorf("lead time chart has category %q, not a period of the deployments chart", c)
				}
			}
		})
	}
}
