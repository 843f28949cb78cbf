package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/voidnxsec/nixops-actions/internal/schematest"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/action/actiontest"
	"github.com/voidnxsec/nixops-actions/pkg/dora"
)

// runner is the step's runner environment; run runs the step in it.
type runner struct{ *actiontest.Runner }

func newRunner(t *testing.T, inputs map[string]string) *runner {
	r := &runner{actiontest.New(t, inputs)}
	r.Env["GITHUB_REPOSITORY"] = "voidnxsec/dora-test"
	return r
}

func (r *runner) run() int {
	return r.Run(context.Background(), run)
}

// scenario is a release history with every date set, the one the act test
// also runs (e2e/dora_test.go):
//
//	c0 initial      2024-01-01T00:00Z
//	c1 feature a    2024-01-01T12:00Z
//	v1.0.0          annotated, tagger 2024-01-02T00:00Z          -> D1 {c0, c1}
//	c2 feature b    author 2024-01-02T18:00Z, committer 2024-01-03T00:00Z (rebased)
//	c3 feature c    author 2024-01-03T06:00+02:00 (04:00Z), committer 2024-01-03T10:00Z
//	v1.1.0          annotated, tagger 2024-01-04T00:00Z          -> D2 {c2, c3}
//	c4 Revert c3    2024-01-04T12:00Z
//	v1.2.0          lightweight: deploy time = c4's committer date -> D3 {c4}
//	c5 feature d    2024-01-08T02:00+02:00 (2024-01-08T00:00Z)
//	v1.3.0          annotated, tagger 2024-01-09T00:00Z          -> D4 {c5}
//	c6 fix crash    2024-01-09T06:00Z
//	v1.3.1-hotfix   annotated, tagger 2024-01-09T08:00Z          -> D5 {c6}, a hotfix
//	c7 docs         2024-01-10T00:00Z, HEAD, not deployed: until = 2024-01-10T00:00Z
func scenario(t *testing.T) *gitRepo {
	t.Helper()
	g := newGitRepo(t)
	g.commit("initial", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z")
	g.commit("feature a", "2024-01-01T12:00:00Z", "2024-01-01T12:00:00Z")
	g.tag("v1.0.0", "2024-01-02T00:00:00Z")
	g.commit("feature b", "2024-01-02T18:00:00Z", "2024-01-03T00:00:00Z")
	c3 := g.commit("feature c", "2024-01-03T06:00:00+02:00", "2024-01-03T10:00:00Z")
	g.tag("v1.1.0", "2024-01-04T00:00:00Z")
	g.revert(c3, "2024-01-04T12:00:00Z")
	g.tag("v1.2.0", "")
	g.commit("feature d", "2024-01-08T02:00:00+02:00", "2024-01-08T02:00:00+02:00")
	g.tag("v1.3.0", "2024-01-09T00:00:00Z")
	g.commit("fix crash", "2024-01-09T06:00:00Z", "2024-01-09T06:00:00Z")
	g.tag("v1.3.1-hotfix", "2024-01-09T08:00:00Z")
	g.commit("docs", "2024-01-10T00:00:00Z", "2024-01-10T00:00:00Z")
	return g
}

// Hand-computed from the scenario. Lead times by author date (seconds):
// c0 86400 (24h), c1 43200 (12h), c2 108000 (30h), c3 72000 (20h),
// c4 0, c5 86400, c6 7200 (2h). Sorted: 0 7200 43200 72000 86400 86400
// 108000: median 72000 (4th of 7), p90 108000 (rank ceil(6.3) = 7),
// mean 403200/7 = 57600. By committer date c2 is 86400 (24h) and c3 50400
// (14h): sorted 0 7200 43200 50400 86400 86400 86400, median 50400.
//
// D2 failed: D3 reverts its c3; recovery 2024-01-04T00:00 -> 12:00 = 43200.
// D4 failed: D5 is a hotfix (tag matches *-hotfix*); recovery 8h = 28800.
// Recovery median (43200+28800)/2 = 36000. Change fail rate 2/5, rework
// rate 2/5 (D3 and D5 carry fixes). Window (2023-10-12, 2024-01-10], 90
// days: 5 deployments, 5/90 per day.
func TestDORA(t *testing.T) {
	g := scenario(t)
	schema := schematest.File(t, "../../dora/report.schema.json")
	tests := []struct {
		name       string
		inputs     map[string]string
		outputs    map[string]string
		leadStat   [3]float64 // median, p90, mean
		leadMedian string
	}{
		{
			name:   "author-time",
			inputs: map[string]string{},
			outputs: map[string]string{
				"deployments":                  "5",
				"deployment-frequency":         strconv.FormatFloat(5.0/90, 'f', -1, 64),
				"lead-time-median-seconds":     "72000",
				"change-fail-rate":             "0.4",
				"recovery-time-median-seconds": "36000",
				"rework-rate":                  "0.4",
				"bands-source":                 "DORA State of DevOps 2024",
			},
			leadStat: [3]float64{72000, 108000, 57600},
		},
		{
			name:   "committer-time",
			inputs: map[string]string{"commit-time": "committer"},
			outputs: map[string]string{
				"deployments":              "5",
				"lead-time-median-seconds": "50400",
			},
			leadStat: [3]float64{50400, 86400, 360000.0 / 7},
		},
		{
			// (2024-01-04T00:00, 2024-01-10T00:00]: the window is open at its
			// start, so D2 deployed at exactly 2024-01-04T00:00 is out and
			// D3, D4, D5 are in. Lead times c4 0, c5 86400, c6 7200: median
			// 7200, p90 86400 (rank 3 of 3), mean 93600/3 = 31200. D2's
			// failure is outside the window; D4 failed: 1/3. D3 and D5 are
			// rework (a fix is rework wherever the failure was): 2/3.
			// Recovery: D4's 28800 only. Frequency 3/6 per day.
			name:   "window-start-excluded",
			inputs: map[string]string{"window": "6d"},
			outputs: map[string]string{
				"deployments":                  "3",
				"deployment-frequency":         "0.5",
				"lead-time-median-seconds":     "7200",
				"change-fail-rate":             strconv.FormatFloat(1.0/3, 'f', -1, 64),
				"recovery-time-median-seconds": "28800",
				"rework-rate":                  strconv.FormatFloat(2.0/3, 'f', -1, 64),
			},
			leadStat: [3]float64{7200, 86400, 31200},
		},
		{
			// (2024-01-05, 2024-01-10]: D4 and D5. Lead times c5 86400, c6
			// 7200: median 46800, p90 86400 (rank 2 of 2), mean 46800.
			name:   "short-window",
			inputs: map[string]string{"window": "5d"},
			outputs: map[string]string{
				"deployments":                  "2",
				"deployment-frequency":         "0.4",
				"lead-time-median-seconds":     "46800",
				"change-fail-rate":             "0.5",
				"recovery-time-median-seconds": "28800",
				"rework-rate":                  "0.5",
			},
			leadStat: [3]float64{46800, 86400, 46800},
		},
		{
			// No deployment in the window: every headline is empty, not 0.
			name:   "empty-window",
			inputs: map[string]string{"until": "2023-12-01T00:00:00Z", "window": "2w"},
			outputs: map[string]string{
				"deployments":                  "0",
				"deployment-frequency":         "",
				"lead-time-median-seconds":     "",
				"change-fail-rate":             "",
				"recovery-time-median-seconds": "",
				"rework-rate":                  "",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var first map[string][]byte
			// The report echoes output-dir, so both runs write to the same one.
			out := filepath.Join(t.TempDir(), "out")
			for i := range 2 {
				inputs := map[string]string{"repo": g.dir, "output-dir": out}
				for k, v := range tt.inputs {
					inputs[k] = v
				}
				r := newRunner(t, inputs)
				if code := r.run(); code != 0 {
					t.Fatalf("exit %d\n%s%s", code, r.Stdout.String(), r.Stderr.String())
				}
				files := readFiles(t, out, "dora.json", "dora.prom")
				if i == 1 {
					for name, data := range files {
						if !bytes.Equal(data, first[name]) {
							t.Errorf("%s differs between two runs on the same repository", name)
						}
					}
					continue
				}
				first = files
				outs := r.Outputs(t)
				want := map[string]string{"report": filepath.Join(out, "dora.json"), "metrics-file": filepath.Join(out, "dora.prom")}
				for k, v := range tt.outputs {
					want[k] = v
				}
				for k, v := range want {
					if got, ok := outs[k]; !ok || got != v {
						t.Errorf("output %s = %q, want %q", k, got, v)
					}
				}
				schematest.Validate(t, schema, files["dora.json"])
				rep := decodeReport(t, files["dora.json"])
				checkLead(t, rep, tt.leadStat)
				checkProm(t, files["dora.prom"], rep)
				sum, err := os.ReadFile(r.Env["GITHUB_STEP_SUMMARY"])
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(string(sum), "## DORA metrics of `voidnxsec/dora-test`") || !strings.Contains(string(sum), "xychart-beta") {
					t.Errorf("step summary lacks its title or charts:\n%s", sum)
				}
			}
		})
	}
}

func readFiles(t *testing.T, dir string, names ...string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = data
	}
	return files
}

func decodeReport(t *testing.T, data []byte) *dora.Report {
	t.Helper()
	r, err := dora.DecodeReport(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// checkLead compares the lead time statistics with the hand-computed ones;
// a zero median means no data is expected.
func checkLead(t *testing.T, r *dora.Report, want [3]float64) {
	t.Helper()
	s := r.Metrics.ChangeLeadTime.Stat
	if want[0] == 0 {
		if s.Median != nil || s.P90 != nil || s.Mean != nil || s.N != 0 {
			t.Errorf("lead time %+v, want no data (null)", s)
		}
		return
	}
	got := [3]float64{deref(s.Median), deref(s.P90), deref(s.Mean)}
	if got != want {
		t.Errorf("lead time median, p90, mean = %v, want %v", got, want)
	}
}

func deref(p *float64) float64 {
	if p == nil {
		return -1
	}
	return *p
}

// checkProm compares dora.prom with the report and runs promtool's
// linter over it.
func checkProm(t *testing.T, data []byte, r *dora.Report) {
	t.Helper()
	for _, p := range promProblems(data, r) {
		t.Error(p)
	}
	cmd := exec.Command(testenv.LookPath(t, "promtool"), "check", "metrics")
	cmd.Stdin = bytes.NewReader(data)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// promProblems parses an exposition with Prometheus's parser and lists
// where it disagrees with the report. A count is data even when 0, so a
// missing count series is a problem, never read as 0; the lead time median
// is present exactly when the report has one.
func promProblems(data []byte, r *dora.Report) []string {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(data))
	if err != nil {
		return []string{"dora.prom: " + err.Error()}
	}
	value := func(name string) (float64, bool) {
		f, ok := families["nixops_dora_"+name]
		if !ok || len(f.GetMetric()) != 1 {
			return 0, false
		}
		return f.GetMetric()[0].GetGauge().GetValue(), true
	}
	var problems []string
	m := r.Metrics
	for name, want := range map[string]int{
		"deployments": m.Deployments, "failed_deployments": m.FailedDeployments, "rework_deployments": m.ReworkDeployments,
		"history_commits": r.CommitsSeen, "skewed_commits": r.SkewedCommits, "change_lead_time_commits": m.ChangeLeadTime.N,
	} {
		if v, ok := value(name); !ok || v != float64(want) {
			problems = append(problems, fmt.Sprintf("nixops_dora_%s = %v (present %v), want %d", name, v, ok, want))
		}
	}
	v, ok := value("change_lead_time_median_seconds")
	switch med := m.ChangeLeadTime.Median; {
	case med == nil && ok:
		problems = append(problems, fmt.Sprintf("nixops_dora_change_lead_time_median_seconds = %v without data; want no series", v))
	case med != nil && (!ok || v != *med):
		problems = append(problems, fmt.Sprintf("nixops_dora_change_lead_time_median_seconds = %v (present %v), want %v", v, ok, *med))
	}
	sort.Strings(problems)
	return problems
}

// A series missing from the file is a problem, not a 0: without its
// deployments series, the file of a window with no deployments must not
// pass for one that says 0.
func TestPromProblemsMissingSeries(t *testing.T) {
	data := read(t, "../../pkg/dora/exposition/testdata/no-data/dora.prom")
	rep := decodeReport(t, []byte(read(t, "../../pkg/dora/testdata/reports/no-data.json")))
	if p := promProblems([]byte(data), rep); len(p) != 0 {
		t.Fatalf("the fixture itself: %v", p)
	}
	var kept []string
	for _, l := range strings.SplitAfter(data, "\n") {
		if !strings.Contains(l, "nixops_dora_deployments ") && !strings.Contains(l, "nixops_dora_deployments{") {
			kept = append(kept, l)
		}
	}
	got := promProblems([]byte(strings.Join(kept, "")), rep)
	if len(got) != 1 || !strings.HasPrefix(got[0], "nixops_dora_deployments = 0 (present false)") {
		t.Errorf("problems %q, want the missing deployments series", got)
	}
}

// TestBadInput: each mistake names the input and what it accepts, exits 1
// and leaves no file behind.
func TestBadInput(t *testing.T) {
	g := scenario(t)
	notRepo := t.TempDir()
	tests := []struct {
		name   string
		inputs map[string]string
		want   []string
	}{
		{"window", map[string]string{"window": "ninety"}, []string{`input "window"`, `"ninety"`, "90d"}},
		{"window 0d", map[string]string{"window": "0d"}, []string{`input "window"`, `"0d"`, "not a positive duration", "90d"}},
		{"deployments", map[string]string{"deployments": "nightly"}, []string{`input "deployments"`, `"nightly"`, "tags, branch"}},
		{"commit-time", map[string]string{"commit-time": "wall"}, []string{`input "commit-time"`, `"wall"`, "author, committer"}},
		{"repo", map[string]string{"repo": notRepo}, []string{`input "repo"`, notRepo, "not a git repository", "work tree"}},
		{"tag-pattern", map[string]string{"tag-pattern": "release-*"}, []string{`input "tag-pattern"`, `"release-*"`, "v1.0.0", "accepted"}},
		{"hotfix-pattern", map[string]string{"hotfix-pattern": "[hotfix"}, []string{`input "hotfix-pattern"`, "path.Match"}},
		{"until", map[string]string{"until": "yesterday"}, []string{`input "until"`, `"yesterday"`, "RFC 3339"}},
		{"exclude-merges", map[string]string{"exclude-merges": "maybe"}, []string{`input "exclude-merges"`, "true or false"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			inputs := map[string]string{"repo": g.dir, "output-dir": out}
			for k, v := range tt.inputs {
				inputs[k] = v
			}
			r := newRunner(t, inputs)
			if code := r.run(); code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			got := r.Stdout.String()
			if !strings.Contains(got, "::error::") {
				t.Errorf("no ::error:: annotation:\n%s", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("error lacks %q:\n%s", w, got)
				}
			}
			if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a rejected input still created %s", out)
			}
			if data, _ := os.ReadFile(r.Env["GITHUB_OUTPUT"]); len(data) != 0 {
				t.Errorf("outputs set despite the error: %s", data)
			}
		})
	}
}

// TestShallow: a shallow clone fails with the fix, unless allow-shallow,
// where the report says how much history it saw.
func TestShallow(t *testing.T) {
	g := scenario(t)
	clone := filepath.Join(t.TempDir(), "clone")
	// --depth needs a URL: a plain path would be hard-linked, not fetched.
	g.run("", "clone", "-q", "--depth", "1", "--no-single-branch", "file://"+g.dir, clone)

	out := filepath.Join(t.TempDir(), "out")
	r := newRunner(t, map[string]string{"repo": clone, "output-dir": out})
	if code := r.run(); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, w := range []string{"::error::", "shallow clone", "fetch-depth: 0", "allow-shallow"} {
		if !strings.Contains(r.Stdout.String(), w) {
			t.Errorf("error lacks %q:\n%s", w, r.Stdout.String())
		}
	}
	if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a shallow clone still created %s", out)
	}

	r = newRunner(t, map[string]string{"repo": clone, "output-dir": out, "allow-shallow": "true"})
	if code := r.run(); code != 0 {
		t.Fatalf("allow-shallow: exit %d\n%s", code, r.Stdout.String())
	}
	rep := decodeReport(t, readFiles(t, out, "dora.json")["dora.json"])
	if !rep.Shallow || rep.CommitsSeen < 1 || rep.CommitsSeen >= 8 {
		t.Errorf("report shallow=%v commits_seen=%d, want true and fewer than the 8 commits of the history", rep.Shallow, rep.CommitsSeen)
	}
}

// TestLaptop: flags instead of INPUT_ variables, outputs and summary on
// stdout, nothing in a runner's files.
func TestLaptop(t *testing.T) {
	g := scenario(t)
	out := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	getenv := func(string) string { return "" }
	code := action.Run(context.Background(), run, action.WithArgs([]string{"--repo", g.dir, "--window", "90d", "--output-dir", out}),
		action.WithGetenv(getenv), action.WithStdout(&stdout), action.WithStderr(&stderr))
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	for _, w := range []string{"deployments=5\n", "lead-time-median-seconds=72000\n", "## DORA metrics of `repo`"} {
		if !strings.Contains(stdout.String(), w) {
			t.Errorf("stdout lacks %q:\n%s", w, stdout.String())
		}
	}
	readFiles(t, out, "dora.json", "dora.prom")
}

// TestWarnings: a release tag whose tagger date cannot be read is a
// warning naming its object, and the release counts at its commit's
// committer time; a broken tag outside tag-pattern is never read.
func TestWarnings(t *testing.T) {
	g := scenario(t)
	head := g.run("", "rev-parse", "HEAD")
	tag := g.hashObject("tag", "object "+head+"\ntype commit\ntag v1.4.0\ntagger R <r@example.com> soon +0000\n\nrelease\n")
	g.run("", "update-ref", "refs/tags/v1.4.0", tag)
	broken := g.hashObject("tag", "object nonsense\ntype commit\ntag old\n\nold\n")
	// git update-ref refuses a ref to an object it cannot parse.
	if err := os.WriteFile(filepath.Join(g.dir, ".git", "refs", "tags", "old-broken"), []byte(broken+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := newRunner(t, map[string]string{"repo": g.dir, "output-dir": filepath.Join(t.TempDir(), "out")})
	if code := r.run(); code != 0 {
		t.Fatalf("exit %d\n%s", code, r.Stdout.String())
	}
	want := "::warning::tag v1.4.0 (object " + tag + `): unreadable signature: tagger date "soon": it is deployed at its commit's committer time` + "\n"
	if !strings.Contains(r.Stdout.String(), want) {
		t.Errorf("stdout lacks %q:\n%s", want, r.Stdout.String())
	}
	if got := r.Outputs(t)["deployments"]; got != "6" {
		t.Errorf("deployments %q, want 6: v1.4.0 at HEAD's committer time, the window's end", got)
	}
}
