package e2e_test

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// doraHistory is the release history the act test measures, every date set
// (the same as cmd/nixops-dora's scenario test). c0 holds this project's
// source, so that `uses: ./dora` resolves in the checkout being measured.
//
//	c0 sources      2024-01-01T00:00Z
//	c1 feature a    2024-01-01T12:00Z
//	v1.0.0          annotated, tagger 2024-01-02T00:00Z          -> D1 {c0, c1}
//	c2 feature b    author 2024-01-02T18:00Z, committer 2024-01-03T00:00Z (rebased)
//	c3 feature c    author 2024-01-03T06:00+02:00 (04:00Z), committer 2024-01-03T10:00Z
//	v1.1.0          annotated, tagger 2024-01-04T00:00Z          -> D2 {c2, c3}
//	c4 Revert c3    git revert, 2024-01-04T12:00Z
//	v1.2.0          lightweight: deploy time = c4's committer date -> D3 {c4}
//	c5 feature d    2024-01-08T02:00+02:00 (00:00Z)
//	v1.3.0          annotated, tagger 2024-01-09T00:00Z          -> D4 {c5}
//	c6 fix crash    2024-01-09T06:00Z
//	v1.3.1-hotfix   annotated, tagger 2024-01-09T08:00Z          -> D5 {c6}, hotfix
//	c7 docs         2024-01-10T00:00Z = HEAD: until = 2024-01-10T00:00Z
//
// By hand, window (2023-10-12, 2024-01-10] (90 days) holds D1..D5:
//   - deployment frequency 5/90 per day;
//   - lead times by author date: c0 24h=86400, c1 12h=43200, c2 30h=108000,
//     c3 20h=72000, c4 0, c5 86400, c6 2h=7200; sorted 0 7200 43200 72000
//     86400 86400 108000: median 72000, p90 108000 (rank ceil(6.3)=7),
//     mean 403200/7 = 57600. By committer date c2 is 24h=86400 and c3
//     14h=50400: sorted 0 7200 43200 50400 86400 86400 86400, median 50400;
//   - D2 failed (D3 reverts c3), recovery 12h=43200; D4 failed (D5 is a
//     hotfix), recovery 8h=28800; recovery median (43200+28800)/2 = 36000;
//   - change fail rate 2/5 = 0.4, rework rate 2/5 = 0.4 (D3, D5);
//   - weekly: week of 2024-01-01 has D1, D2, D3 with lead times 86400 43200
//     108000 72000 0 (median 72000); week of 2024-01-08 has D4, D5 with
//     86400 7200 (median 46800).
func doraHistory(t *testing.T, repo string) {
	t.Helper()
	g := func(author, committer string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=e2e", "-c", "user.email=e2e@localhost", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"}, args...)...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_DATE="+author, "GIT_COMMITTER_DATE="+committer)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	n := 0
	commit := func(msg, author, committer string) string {
		t.Helper()
		n++
		if err := os.WriteFile(filepath.Join(repo, "e2e-dora-"+strconv.Itoa(n)+".txt"), []byte(msg+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		g("", "", "add", "-A")
		g(author, committer, "commit", "-q", "-m", msg)
		return g("", "", "rev-parse", "HEAD")
	}
	tag := func(name, date string) {
		t.Helper()
		if date == "" {
			g("", "", "tag", name)
			return
		}
		g(date, date, "tag", "-a", "-m", "release "+name, name)
	}
	g("", "", "init", "-q", "-b", "main")
	g("", "", "add", "-A")
	g("2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", "commit", "-q", "-m", "sources")
	commit("feature a", "2024-01-01T12:00:00Z", "2024-01-01T12:00:00Z")
	tag("v1.0.0", "2024-01-02T00:00:00Z")
	commit("feature b", "2024-01-02T18:00:00Z", "2024-01-03T00:00:00Z")
	c3 := commit("feature c", "2024-01-03T06:00:00+02:00", "2024-01-03T10:00:00Z")
	tag("v1.1.0", "2024-01-04T00:00:00Z")
	g("2024-01-04T12:00:00Z", "2024-01-04T12:00:00Z", "revert", "--no-edit", c3)
	tag("v1.2.0", "")
	commit("feature d", "2024-01-08T02:00:00+02:00", "2024-01-08T02:00:00+02:00")
	tag("v1.3.0", "2024-01-09T00:00:00Z")
	commit("fix crash", "2024-01-09T06:00:00Z", "2024-01-09T06:00:00Z")
	tag("v1.3.1-hotfix", "2024-01-09T08:00:00Z")
	commit("docs", "2024-01-10T00:00:00Z", "2024-01-10T00:00:00Z")
}

// doraReport is the part of dora.json the test checks.
type doraReport struct {
	Window struct {
		Start string  `json:"start"`
		End   string  `json:"end"`
		Days  float64 `json:"days"`
	} `json:"window"`
	Shallow bool `json:"shallow"`
	Metrics struct {
		ChangeLeadTime struct {
			Median, P90, Mean *float64
			N                 int
		} `json:"change_lead_time"`
	} `json:"metrics"`
	Deployments []struct {
		Name            string   `json:"name"`
		Time            string   `json:"time"`
		Commits         int      `json:"commits"`
		Hotfix          bool     `json:"hotfix"`
		Failed          bool     `json:"failed"`
		Cause           string   `json:"cause"`
		Rework          bool     `json:"rework"`
		FixedBy         string   `json:"fixed_by"`
		RecoverySeconds *float64 `json:"recovery_seconds"`
	} `json:"deployments"`
	Weekly []struct {
		Start             string   `json:"start"`
		Deployments       int      `json:"deployments"`
		MedianLeadSeconds *float64 `json:"median_lead_seconds"`
	} `json:"weekly"`
}

func TestActDORA(t *testing.T) {
	act := tool(t, "act")
	testenv.LookPath(t, "git")
	testenv.LookPath(t, "go")
	fx := checkoutFixture(t, t.TempDir(), false)
	doraHistory(t, fx.repo)

	tests := []struct {
		name    string
		inputs  map[string]string
		wantJob string
		check   func(t *testing.T, r actRun, outDir string)
	}{
		{"tags-author-time", map[string]string{}, "success", checkDORAAuthor},
		{"tags-committer-time", map[string]string{"commit-time": "committer"}, "success", checkDORACommitter},
		{"bad-deployments-input", map[string]string{"deployments": "nightly"}, "failure", checkDORABadInput},
	}
	builds := 0
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			outDir := filepath.Join(t.TempDir(), "dora-out")
			inputs := map[string]string{"output-dir": outDir, "step-log": stepLogPath(t)}
			for k, v := range tc.inputs {
				inputs[k] = v
			}
			r := fx.act(t, act, "e2e/testdata/workflows/dora.yml", inputs)
			if got := r.jobResult(); got != tc.wantJob {
				t.Fatalf("job result %q, want %q; act log:\n%s", got, tc.wantJob, r.text)
			}
			switch {
			case strings.Contains(r.text, "bootstrap: built nixops-dora from source"):
				builds++
			case strings.Contains(r.text, "bootstrap: cache hit: nixops-dora for source"):
			default:
				t.Errorf("no bootstrap build or cache hit in the log:\n%s", r.text)
			}
			tc.check(t, r, outDir)
		})
	}
	if builds != 1 {
		t.Errorf("bootstrap built nixops-dora %d times across the cases, want 1 (then cache hits)", builds)
	}
}

// checkDORAOutputs compares the composite's outputs with want, and fails
// on any undeclared one leaking from an inner step (act #2553).
func checkDORAOutputs(t *testing.T, r actRun, outDir string, want map[string]string) {
	t.Helper()
	want["report"] = filepath.Join(outDir, "dora.json")
	want["metrics-file"] = filepath.Join(outDir, "dora.prom")
	outs := r.outputs("dora")
	for k, v := range want {
		if got, ok := outs[k]; !ok || got != v {
			t.Errorf("output %s = %q, want %q", k, got, v)
		}
	}
	for k := range outs {
		if _, ok := want[k]; !ok {
			t.Errorf("undeclared output %s=%q leaked from an inner step", k, outs[k])
		}
	}
	if got := r.stepResult("2"); got != "success" {
		t.Errorf("the step reading the outputs ended %q, want success", got)
	}
	if line := "outputs-checked deployments=5 lead=" + want["lead-time-median-seconds"]; !strings.Contains(r.text, line) {
		t.Errorf("the step reading the outputs did not print %q:\n%s", line, r.text)
	}
}

func checkDORAAuthor(t *testing.T, r actRun, outDir string) {
	checkDORAOutputs(t, r, outDir, map[string]string{
		"deployments":                  "5",
		"deployment-frequency":         strconv.FormatFloat(5.0/90, 'f', -1, 64),
		"lead-time-median-seconds":     "72000",
		"change-fail-rate":             "0.4",
		"recovery-time-median-seconds": "36000",
		"rework-rate":                  "0.4",
		"bands-source":                 "DORA State of DevOps 2024",
	})
	var rep doraReport
	decode(t, filepath.Join(outDir, "dora.json"), &rep)
	if rep.Window.Start != "2023-10-12T00:00:00Z" || rep.Window.End != "2024-01-10T00:00:00Z" || rep.Window.Days != 90 || rep.Shallow {
		t.Errorf("window %+v shallow %v, want (2023-10-12, 2024-01-10], 90 days, the full history", rep.Window, rep.Shallow)
	}
	lt := rep.Metrics.ChangeLeadTime
	if lt.N != 7 || val(lt.Median) != 72000 || val(lt.P90) != 108000 || val(lt.Mean) != 57600 {
		t.Errorf("lead time n=%d median=%v p90=%v mean=%v, want 7, 72000, 108000, 57600", lt.N, val(lt.Median), val(lt.P90), val(lt.Mean))
	}
	type dep struct {
		name, time string
		commits    int
		hotfix     bool
		cause      string
		rework     bool
		fixedBy    string
		recovery   float64 // -1: null
	}
	want := []dep{
		{"v1.0.0", "2024-01-02T00:00:00Z", 2, false, "", false, "", -1},
		{"v1.1.0", "2024-01-04T00:00:00Z", 2, false, "revert", false, "v1.2.0", 43200},
		{"v1.2.0", "2024-01-04T12:00:00Z", 1, false, "", true, "", -1},
		{"v1.3.0", "2024-01-09T00:00:00Z", 1, false, "hotfix", false, "v1.3.1-hotfix", 28800},
		{"v1.3.1-hotfix", "2024-01-09T08:00:00Z", 1, true, "", true, "", -1},
	}
	if len(rep.Deployments) != len(want) {
		t.Fatalf("%d deployments, want %d: %+v", len(rep.Deployments), len(want), rep.Deployments)
	}
	for i, w := range want {
		d := rep.Deployments[i]
		got := dep{d.Name, d.Time, d.Commits, d.Hotfix, d.Cause, d.Rework, d.FixedBy, val(d.RecoverySeconds)}
		if got != w || d.Failed != (w.cause != "") {
			t.Errorf("deployment %d = %+v (failed %v), want %+v", i, got, d.Failed, w)
		}
	}
	// 2023-10-12 is a Thursday: the weeks run from Monday 2023-10-09 to
	// the week of 2024-01-08, 14 in all; only the last two have deployments.
	if len(rep.Weekly) != 14 || rep.Weekly[0].Start != "2023-10-09T00:00:00Z" {
		t.Fatalf("weekly series %+v, want 14 weeks from 2023-10-09", rep.Weekly)
	}
	for i, w := range rep.Weekly {
		wantN, wantLead := 0, -1.0
		switch w.Start {
		case "2024-01-01T00:00:00Z":
			wantN, wantLead = 3, 72000
		case "2024-01-08T00:00:00Z":
			wantN, wantLead = 2, 46800
		}
		if w.Deployments != wantN || val(w.MedianLeadSeconds) != wantLead {
			t.Errorf("week %d (%s): %d deployments, median lead %v; want %d, %v", i, w.Start, w.Deployments, val(w.MedianLeadSeconds), wantN, wantLead)
		}
	}
	prom := read(t, filepath.Join(outDir, "dora.prom"))
	for _, line := range []string{
		`nixops_dora_deployments{repository="`,
		`nixops_dora_change_lead_time_median_seconds{repository="`,
	} {
		if !strings.Contains(prom, line) {
			t.Errorf("dora.prom lacks %q:\n%s", line, prom)
		}
	}
}

func checkDORACommitter(t *testing.T, r actRun, outDir string) {
	checkDORAOutputs(t, r, outDir, map[string]string{
		"deployments":                  "5",
		"deployment-frequency":         strconv.FormatFloat(5.0/90, 'f', -1, 64),
		"lead-time-median-seconds":     "50400",
		"change-fail-rate":             "0.4",
		"recovery-time-median-seconds": "36000",
		"rework-rate":                  "0.4",
		"bands-source":                 "DORA State of DevOps 2024",
	})
}

// checkDORABadInput: an unknown deployments value fails the job with an
// ::error:: naming the input, the value and the accepted ones, before
// anything is written.
func checkDORABadInput(t *testing.T, r actRun, outDir string) {
	r.noteLostErrors(t)
	found := false
	for _, e := range r.stepErrors(t) {
		if strings.Contains(e, `input "deployments"`) && strings.Contains(e, "nightly") && strings.Contains(e, "tags, branch") {
			found = true
		}
	}
	if !found {
		t.Errorf("no ::error:: naming the deployments input, the bad value and the accepted ones; errors: %q\nstep log:\n%s", r.stepErrors(t), r.stepLog(t))
	}
	if got := r.stepResult("dora"); got != "failure" {
		t.Errorf("dora step ended %q, want failure", got)
	}
	if _, err := os.Stat(outDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a rejected input still created %s", outDir)
	}
}

func val(p *float64) float64 {
	if p == nil {
		return -1
	}
	return *p
}
