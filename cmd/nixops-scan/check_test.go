package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/githubtest"
	"github.com/voidnxsec/nixops-actions/internal/gitrepo"
	"github.com/voidnxsec/nixops-actions/pkg/action"
)

const checkSHA = "0123456789abcdef0123456789abcdef01234567"

// checkRunner is newRunner with check-run on, on a push to main of the
// fake API's repository.
func checkRunner(t *testing.T, srv *githubtest.Server, workspace string) *runner {
	r := newRunner(t, workspace)
	for k, v := range map[string]string{
		"INPUT_CHECK-RUN": "true", "INPUT_GITHUB-TOKEN": srv.Token, "INPUT_HISTORY": "none",
		"GITHUB_API_URL": srv.URL, "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": srv.Owner + "/" + srv.Name,
		"GITHUB_SHA": checkSHA, "GITHUB_REF": "refs/heads/main", "GITHUB_EVENT_NAME": "push", "GITHUB_RUN_ID": "7001",
	} {
		r.env[k] = v
	}
	return r
}

// TestCheckRun: 60 secrets make a failing check run whose 60 annotations
// go 50 and 10 a request, the conclusion with the last; neither the token
// nor any secret's value is in a request body, the log or an output.
func TestCheckRun(t *testing.T) {
	g := gitrepo.New(t)
	var tokens, lines []string
	for range 60 {
		tok := gitrepo.FakeGitHubToken(t)
		tokens = append(tokens, tok)
		lines = append(lines, "TOKEN="+tok)
	}
	g.Write("deploy/tokens.env", strings.Join(lines, "\n")+"\n")
	g.Commit("tokens")
	srv := githubtest.New(t)
	r := checkRunner(t, srv, g.Dir)
	r.run(t)
	if r.code != exitGateFailed {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, exitGateFailed, r.stdout.String(), r.stderr.String())
	}
	srv.Lock()
	runs := srv.CheckRuns
	srv.Unlock()
	if len(runs) != 1 {
		t.Fatalf("%d check runs, want 1", len(runs))
	}
	cr := runs[0]
	if cr.Name != "nixops-scan" || cr.HeadSHA != checkSHA || cr.Conclusion != "failure" ||
		cr.Title != "gate failed: 60 of 60 findings fail it" || cr.DetailsURL != "https://github.com/octo-org/hello-world/actions/runs/7001" {
		t.Errorf("check run %+v", cr)
	}
	if got := len(cr.Annotations); got != 60 || len(cr.AnnotationsPerRequest) != 2 || cr.AnnotationsPerRequest[0] != 50 {
		t.Errorf("%d annotations in requests of %v, want 60 as 50 and 10", got, cr.AnnotationsPerRequest)
	}
	if !strings.Contains(string(cr.Annotations[0]), `"path":"deploy/tokens.env"`) || !strings.Contains(string(cr.Annotations[0]), `"annotation_level":"failure"`) {
		t.Errorf("first annotation %s", cr.Annotations[0])
	}
	// The runner hides what ::add-mask:: names; that line alone may hold it.
	log := strings.Replace(r.stdout.String(), "::add-mask::"+srv.Token+"\n", "", 1)
	texts := []string{log, r.stderr.String(), readFile(t, r.output), readFile(t, r.summ)}
	for _, c := range srv.Calls("") {
		texts = append(texts, string(c.Body))
	}
	for _, text := range texts {
		for _, secret := range append(tokens, srv.Token) {
			if strings.Contains(text, secret) {
				t.Fatalf("a secret value or the token leaked:\n%s", text)
			}
		}
	}
}

// TestCheckRunPasses: a clean tree is a successful check run without
// annotations, and the step exits 0.
func TestCheckRunPasses(t *testing.T) {
	g := cleanRepo(t)
	srv := githubtest.New(t)
	r := checkRunner(t, srv, g.Dir)
	r.env["INPUT_CHECK-NAME"] = "scan (x86_64-linux)"
	r.run(t)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stdout.String())
	}
	srv.Lock()
	defer srv.Unlock()
	if len(srv.CheckRuns) != 1 || srv.CheckRuns[0].Conclusion != "success" || srv.CheckRuns[0].Name != "scan (x86_64-linux)" || len(srv.CheckRuns[0].Annotations) != 0 {
		t.Errorf("check runs %+v", srv.CheckRuns)
	}
}

// TestCheckRunRefused: a token refused check runs reports a commit
// status; a fork's read-only token warns, names checks: write and does
// not fail the step; a refusal of both fails a passing gate with exit 2.
func TestCheckRunRefused(t *testing.T) {
	g := cleanRepo(t)

	srv := githubtest.New(t)
	srv.Fail("checks/create", githubtest.Response{Status: 403, Body: githubtest.ErrorBody(403, "You must authenticate via a GitHub App.")})
	r := checkRunner(t, srv, g.Dir)
	r.run(t)
	srv.Lock()
	statuses := srv.Statuses
	srv.Unlock()
	if r.code != 0 || len(statuses) != 1 || statuses[0].State != "success" || statuses[0].Context != "nixops-scan" || statuses[0].SHA != checkSHA {
		t.Errorf("exit %d, statuses %+v: want 0 and one success status\n%s", r.code, statuses, r.stdout.String())
	}

	fork := githubtest.New(t)
	fork.ReadOnly = true
	r = checkRunner(t, fork, g.Dir)
	event, err := filepath.Abs("../../pkg/action/testdata/events/pull_request-fork.json")
	if err != nil {
		t.Fatal(err)
	}
	r.env["GITHUB_EVENT_NAME"], r.env["GITHUB_EVENT_PATH"], r.env["GITHUB_REF"] = "pull_request", event, "refs/pull/42/merge"
	r.run(t)
	out := r.stdout.String()
	if r.code != 0 || !strings.Contains(out, "::warning::") || !strings.Contains(out, "checks: write") || strings.Contains(out, "::error") {
		t.Errorf("fork: exit %d, want 0 and a warning naming checks: write:\n%s", r.code, out)
	}
	if calls := fork.Calls("checks/create"); len(calls) != 1 || !strings.Contains(string(calls[0].Body), `"head_sha":"2d30689fd3efbb8696c09fbf857bf3bf3cd094fe"`) {
		t.Errorf("fork: want one check run tried on the pull request's head, got %d", len(calls))
	}

	both := githubtest.New(t)
	both.Fail("checks/create", githubtest.Response{Status: 403, Body: githubtest.ErrorBody(403, "Resource not accessible by integration")})
	both.Fail("repos/create-commit-status", githubtest.Response{Status: 403, Body: githubtest.ErrorBody(403, "Resource not accessible by integration")})
	r = checkRunner(t, both, g.Dir)
	r.run(t)
	if r.code != exitScanError || !strings.Contains(r.stdout.String(), "checks: write") {
		t.Errorf("both refused: exit %d, want %d and an error naming checks: write\n%s", r.code, exitScanError, r.stdout.String())
	}
}

// TestCheckRunInputs: check-run without a token (empty, or the default
// unexpanded as off a runner), or with a deadline that is no time at all,
// is an input error naming the input before anything is scanned or
// written.
func TestCheckRunInputs(t *testing.T) {
	g := cleanRepo(t)
	srv := githubtest.New(t)
	for _, tt := range []struct{ input, value, want string }{
		{"GITHUB-TOKEN", "", `input "github-token": is empty`},
		{"GITHUB-TOKEN", action.GitHubTokenDefault, `input "github-token": is empty`},
		{"GITHUB-TIMEOUT", "0s", `input "github-timeout": 0s is not a positive duration`},
	} {
		r := checkRunner(t, srv, g.Dir)
		r.env["INPUT_"+tt.input] = tt.value
		r.run(t)
		if r.code != exitScanError || !strings.Contains(r.stdout.String(), tt.want) {
			t.Errorf("%s=%q: exit %d, want %d and %q\n%s", tt.input, tt.value, r.code, exitScanError, tt.want, r.stdout.String())
		}
		if m, _ := filepath.Glob(filepath.Join(r.outDir, "*")); len(m) != 0 {
			t.Errorf("%s=%q: files written: %v", tt.input, tt.value, m)
		}
	}
	if n := len(srv.Calls("")); n != 0 {
		t.Errorf("%d requests", n)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// cleanRepo is a repository without findings.
func cleanRepo(t *testing.T) *gitrepo.Repo {
	g := gitrepo.New(t)
	g.Write("README.md", "hello\n")
	g.Commit("start")
	return g
}

// TestCheckRunScanError: a scan that cannot run (a malformed SBOM) is a
// failed check run saying why, so a required check does not stay
// pending; the step exits 2.
func TestCheckRunScanError(t *testing.T) {
	g := cleanRepo(t)
	bad := filepath.Join(t.TempDir(), "sbom.json")
	if err := os.WriteFile(bad, []byte(`{"bomFormat": "CycloneDX", "components": 3}`), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := githubtest.New(t)
	r := checkRunner(t, srv, g.Dir)
	r.env["INPUT_SBOM"] = bad
	r.env["INPUT_DB-UPDATE"] = "false"
	r.run(t)
	if r.code != exitScanError {
		t.Fatalf("exit %d, want %d\n%s", r.code, exitScanError, r.stdout.String())
	}
	srv.Lock()
	defer srv.Unlock()
	if len(srv.CheckRuns) != 1 || srv.CheckRuns[0].Conclusion != "failure" || srv.CheckRuns[0].Title != "the scan could not run" ||
		!strings.Contains(srv.CheckRuns[0].Summary, "sbom.json") {
		t.Errorf("check runs %+v, want one failure naming the SBOM", srv.CheckRuns)
	}
}
