package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/gitrepo"
	"github.com/voidnxsec/nixops-actions/internal/schematest"
	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/httpclient/httpclienttest"
	"github.com/voidnxsec/nixops-actions/pkg/scan"
)

// TestMain puts the database's retries on a clock that records its waits
// instead of sleeping: most tests name a distribution nothing listens on.
func TestMain(m *testing.M) {
	dbRetry.Clock = httpclienttest.NewClock(time.Now())
	os.Exit(m.Run())
}

// runner is one run of the step as the runner starts it: its environment,
// the files it writes to, and what it printed.
type runner struct {
	env            map[string]string
	output, summ   string
	outDir         string
	stdout, stderr bytes.Buffer
	code           int
}

func newRunner(t *testing.T, workspace string) *runner {
	t.Helper()
	dir := t.TempDir()
	r := &runner{output: filepath.Join(dir, "output"), summ: filepath.Join(dir, "summary"), outDir: filepath.Join(dir, "out")}
	for _, f := range []string{r.output, r.summ} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A test that scans an SBOM without a database of its own fails on a
	// port nothing listens on: no test downloads grype's database.
	r.env = map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": workspace, "GITHUB_OUTPUT": r.output,
		"GITHUB_STEP_SUMMARY": r.summ, "INPUT_OUTPUT-DIR": r.outDir, "SOURCE_DATE_EPOCH": "1767225600",
		"RUNNER_TOOL_CACHE": filepath.Join(dir, "tool-cache"), "INPUT_DB-URL": "http://127.0.0.1:9/databases",
	}
	return r
}

func (r *runner) run(t *testing.T) {
	t.Helper()
	r.code = action.Run(context.Background(), run, action.WithArgs(nil),
		action.WithGetenv(func(k string) string { return r.env[k] }),
		action.WithStdout(&r.stdout), action.WithStderr(&r.stderr))
}

// outputs reads GITHUB_OUTPUT's name<<delimiter records.
func (r *runner) outputs(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(r.output)
	if err != nil {
		t.Fatal(err)
	}
	outs := map[string]string{}
	lines := strings.Split(string(data), "\n")
	for i := 0; i+2 < len(lines); i += 3 {
		name, _, _ := strings.Cut(lines[i], "<<")
		outs[name] = lines[i+1]
	}
	return outs
}

// everything is all the step wrote: log, outputs, summary, files.
func (r *runner) everything(t *testing.T) string {
	t.Helper()
	all := r.stdout.String() + r.stderr.String()
	files := []string{r.output, r.summ}
	if ents, err := os.ReadDir(r.outDir); err == nil {
		for _, e := range ents {
			files = append(files, filepath.Join(r.outDir, e.Name()))
		}
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all += string(b)
	}
	return all
}

// pullRequestEvent writes the real-format pull_request payload of
// pkg/action's fixtures with this repository's range, checked against
// GitHub's webhook schema.
func pullRequestEvent(t *testing.T, base, head string, commits int) string {
	t.Helper()
	data, err := os.ReadFile("../../pkg/action/testdata/events/pull_request-synchronize.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(data, &ev); err != nil {
		t.Fatal(err)
	}
	pr := ev["pull_request"].(map[string]any)
	pr["base"].(map[string]any)["sha"] = base
	pr["head"].(map[string]any)["sha"] = head
	pr["commits"] = commits
	ev["after"] = head
	if data, err = json.Marshal(ev); err != nil {
		t.Fatal(err)
	}
	schematest.Validate(t, schematest.GitHubEvent(t, "pull_request$synchronize"), data)
	p := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPullRequestEveryCommit: a pull request of 40 commits whose second
// commit adds a token and whose 39th removes it. The whole range is read
// (gitleaks-action reads the first 30 commits the API lists), the
// commit is named, the gate fails with exit 1, and no token appears in
// anything the step wrote: log, outputs, summary, SARIF, JSON.
func TestPullRequestEveryCommit(t *testing.T) {
	g := gitrepo.New(t)
	before := gitrepo.FakeGitHubToken(t)
	g.Write("old.env", "T="+before+"\n")
	g.Commit("a token before the pull request")
	g.Git("rm", "-q", "old.env")
	base := g.Commit("base")
	tokens := []string{before, gitrepo.FakeGitHubToken(t), gitrepo.FakeGitHubToken(t)}
	var added string
	for i := 1; i <= 40; i++ {
		switch i {
		case 2:
			g.Write("deploy/ci.env", "# ci\nGH_TOKEN="+tokens[1]+"\n")
		case 39:
			g.Git("rm", "-q", "deploy/ci.env")
		default:
			g.Write("log.txt", strings.Repeat("x\n", i))
		}
		c := g.Commit("commit " + strconv.Itoa(i))
		if i == 2 {
			added = c
		}
	}
	head := g.Git("rev-parse", "HEAD")
	g.Write("src/main.go", "package main\n\nconst tok = \""+tokens[2]+"\"\n")

	r := newRunner(t, g.Dir)
	r.env["GITHUB_EVENT_NAME"] = "pull_request"
	r.env["GITHUB_EVENT_PATH"] = pullRequestEvent(t, base, head, 40)
	r.run(t)
	if r.code != exitGateFailed {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, exitGateFailed, r.stdout.String(), r.stderr.String())
	}
	rep := readReport(t, filepath.Join(r.outDir, "scan.json"))
	want := []scan.Finding{
		{File: "deploy/ci.env", Line: 2, Commit: added},
		{File: "src/main.go", Line: 3},
	}
	if len(rep.Findings) != len(want) {
		t.Fatalf("findings %+v, want %+v", rep.Findings, want)
	}
	for i, f := range rep.Findings {
		if f.File != want[i].File || f.Line != want[i].Line || f.Commit != want[i].Commit || f.RuleID != "github-pat" {
			t.Errorf("finding %d: %+v, want %+v", i, f, want[i])
		}
	}
	outs := r.outputs(t)
	for k, v := range map[string]string{"result": "fail", "findings": "2", "high": "2", "critical": "0",
		"sarif": filepath.Join(r.outDir, "scan.sarif"), "report": filepath.Join(r.outDir, "scan.json"),
		"metrics-file": filepath.Join(r.outDir, "scan.prom")} {
		if outs[k] != v {
			t.Errorf("output %s=%q, want %q", k, outs[k], v)
		}
	}
	checkSARIF(t, filepath.Join(r.outDir, "scan.sarif"), 2)
	if prom, err := os.ReadFile(filepath.Join(r.outDir, "scan.prom")); err != nil ||
		!strings.Contains(string(prom), "nixops_scan_findings{kind=\"secret\",severity=\"high\"} 2\n") {
		t.Errorf("scan.prom: %v\n%s", err, prom)
	}
	all := r.everything(t)
	for i, tok := range tokens {
		if strings.Contains(all, tok) || strings.Contains(all, tok[4:20]) {
			t.Errorf("token %d (or a part of it) appears in what the step wrote", i)
		}
	}
	for _, w := range []string{"file=deploy/ci.env,line=2::Secret (gitleaks rule github-pat) in commit " + added, "gate failed: 2 of 2 findings fail it (fail-on: high"} {
		if !strings.Contains(r.stdout.String(), w) {
			t.Errorf("log lacks %q:\n%s", w, r.stdout.String())
		}
	}
}

func readReport(t *testing.T, path string) *scan.Report {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	schematest.Validate(t, schematest.File(t, "../../scan/report.schema.json"), data)
	rep, err := scan.DecodeReport(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// checkSARIF validates the file against OASIS's schema and checks what
// code scanning needs: one run per category, described rules with a
// security-severity, fingerprints, every result anchored to a line.
func checkSARIF(t *testing.T, path string, results int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	schematest.Validate(t, schematest.SARIF(t), data)
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID         string                    `json:"id"`
						Full       struct{ Text string }     `json:"fullDescription"`
						Help       struct{ Markdown string } `json:"help"`
						Properties map[string]any            `json:"properties"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Automation struct{ ID string } `json:"automationDetails"`
			Results    []struct {
				Locations []struct {
					Physical struct {
						Artifact struct{ URI string }    `json:"artifactLocation"`
						Region   struct{ StartLine int } `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
				Fingerprints map[string]string `json:"partialFingerprints"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Automation.ID != "nixops-scan/secrets/" {
		t.Fatalf("version %q, %d runs: want 2.1.0 and one secrets run", log.Version, len(log.Runs))
	}
	run := log.Runs[0]
	for _, rule := range run.Tool.Driver.Rules {
		if rule.Full.Text == "" || rule.Help.Markdown == "" || rule.Properties["security-severity"] != "8.0" {
			t.Errorf("rule %s: description, help or security-severity missing: %+v", rule.ID, rule)
		}
	}
	if len(run.Results) != results {
		t.Fatalf("%d results, want %d", len(run.Results), results)
	}
	for _, res := range run.Results {
		l := res.Locations[0].Physical
		if l.Artifact.URI == "" || l.Region.StartLine < 1 || res.Fingerprints["nixopsScan/v1"] == "" {
			t.Errorf("result not anchored or without fingerprint: %+v", res)
		}
	}
}

// TestGateCutoff: fail-on none reports and passes; a clean tree passes
// at any cutoff; an unknown cutoff is an error naming the input, exit 2,
// and no file written.
func TestGateCutoff(t *testing.T) {
	g := gitrepo.New(t)
	g.Write("a.env", "T="+gitrepo.FakeGitHubToken(t)+"\n")
	g.Commit("add")

	r := newRunner(t, g.Dir)
	r.env["INPUT_FAIL-ON"] = "none"
	r.run(t)
	if outs := r.outputs(t); r.code != 0 || outs["result"] != "pass" || outs["findings"] != "1" {
		t.Errorf("fail-on none: exit %d, outputs %v; want 0, pass, 1 finding\n%s", r.code, outs, r.stdout.String())
	}

	r = newRunner(t, g.Dir)
	r.env["INPUT_FAIL-ON"] = "severe"
	r.run(t)
	if r.code != exitScanError || !strings.Contains(r.stdout.String(), `input "fail-on": "severe" is not a severity cutoff (accepted: critical, high, medium, low, none)`) {
		t.Errorf("fail-on severe: exit %d, want %d and the input named:\n%s", r.code, exitScanError, r.stdout.String())
	}
	if ents, _ := os.ReadDir(r.outDir); len(ents) != 0 {
		t.Errorf("files written despite a bad input: %v", ents)
	}

	clean := gitrepo.New(t)
	clean.Write("README.md", "nothing to see\n")
	clean.Commit("clean")
	r = newRunner(t, clean.Dir)
	r.env["INPUT_FAIL-ON"] = "low"
	r.env["INPUT_HISTORY"] = "full"
	r.run(t)
	if outs := r.outputs(t); r.code != 0 || outs["result"] != "pass" || outs["findings"] != "0" {
		t.Errorf("clean: exit %d, outputs %v", r.code, outs)
	}
	checkSARIF(t, filepath.Join(r.outDir, "scan.sarif"), 0)
}

// TestShallowBase: a pull request whose base the clone lacks is a scan
// error (exit 2) that says to fetch the history, not a silent pass.
func TestShallowBase(t *testing.T) {
	g := gitrepo.New(t)
	head := g.Commit("only")
	r := newRunner(t, g.Dir)
	r.env["GITHUB_EVENT_NAME"] = "pull_request"
	r.env["GITHUB_EVENT_PATH"] = pullRequestEvent(t, "0123456789abcdef0123456789abcdef01234567", head, 1)
	r.run(t)
	if r.code != exitScanError || !strings.Contains(r.stdout.String(), "fetch with depth 0") || r.outputs(t)["result"] != "error" {
		t.Errorf("exit %d, want %d and a hint:\n%s", r.code, exitScanError, r.stdout.String())
	}
}
