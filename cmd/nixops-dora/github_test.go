package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/githubtest"
	"github.com/voidnxsec/nixops-actions/internal/schematest"
)

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestGitHubSource runs the step with source: github against the fake
// GitHub API (every request and response checked against GitHub's
// description) and a real git repository:
//
//	c1 initial                 2024-03-01T00:00Z
//	c2 squash of pull request  2024-03-02T00:00Z; its commits were authored
//	                           2024-02-28T00:00Z and 2024-03-01T12:00Z
//	deployment of c2           success 03-02T02:00Z, failure 03-02T03:00Z -> D1 {c1, c2}
//	c3 fix                     2024-03-03T00:00Z
//	deployment of c3           success 03-03T01:00Z                        -> D2 {c3}
//	deployment of c3 to staging: not counted
//	incident opened 03-03T05:00Z, closed 07:00Z: D2 failed, recovered at the close
//
// Lead times: c1 26h (93600), c2 from the pull request's first commit
// 74h (266400; 2h without it), c3 1h: median 93600. D1 failed by its
// failure status and recovered by D2 (23h, 82800), which is rework; D2
// failed by the incident, recovered when it was closed (6h, 21600). Fail
// rate 1, rework 0.5, recovery median (82800+21600)/2 = 52200. The window ends at the incident's close, 03-03T07:00Z.
func TestGitHubSource(t *testing.T) {
	g := newGitRepo(t)
	g.commit("initial", "2024-03-01T00:00:00Z", "2024-03-01T00:00:00Z")
	c2 := g.commit("feature (#1)", "2024-03-02T00:00:00Z", "2024-03-02T00:00:00Z")
	c3 := g.commit("fix", "2024-03-03T00:00:00Z", "2024-03-03T00:00:00Z")

	srv := githubtest.New(t)
	srv.AddDeployment(githubtest.Deployment{SHA: c2, Ref: "main", Env: "production", Created: date("2024-03-02T01:00:00Z"),
		Statuses: []githubtest.DeploymentStatus{{State: "success", Created: date("2024-03-02T02:00:00Z")}, {State: "failure", Created: date("2024-03-02T03:00:00Z")}}})
	srv.AddDeployment(githubtest.Deployment{SHA: c3, Ref: "main", Env: "staging", Created: date("2024-03-02T20:00:00Z"),
		Statuses: []githubtest.DeploymentStatus{{State: "success", Created: date("2024-03-02T21:00:00Z")}}})
	srv.AddDeployment(githubtest.Deployment{SHA: c3, Ref: "main", Env: "production", Created: date("2024-03-03T00:30:00Z"),
		Statuses: []githubtest.DeploymentStatus{{State: "success", Created: date("2024-03-03T01:00:00Z")}}})
	srv.AddIssue(githubtest.Issue{Title: "checkout is down", Labels: []string{"incident"}, Created: date("2024-03-03T05:00:00Z"), Closed: date("2024-03-03T07:00:00Z")})
	srv.AddIssue(githubtest.Issue{Title: "typo", Labels: []string{"bug"}, Created: date("2024-03-02T05:00:00Z")})
	srv.AddPullRequest(githubtest.PullRequest{MergeCommit: c2, Merged: date("2024-03-02T00:00:00Z"), Commits: []githubtest.PullCommit{
		{SHA: strings.Repeat("1", 40), Message: "start", Author: "Dora Test", AuthorDate: date("2024-02-28T00:00:00Z"), CommitterDate: date("2024-02-28T00:00:00Z")},
		{SHA: strings.Repeat("2", 40), Message: "finish", Author: "Dora Test", AuthorDate: date("2024-03-01T12:00:00Z"), CommitterDate: date("2024-03-01T12:00:00Z")},
	}})

	out := filepath.Join(t.TempDir(), "out")
	r := newRunner(t, map[string]string{"repo": g.dir, "output-dir": out, "source": "github",
		"environment": "production", "incident-label": "incident", "github-token": srv.Token})
	r.Env["GITHUB_API_URL"] = srv.URL
	r.Env["GITHUB_REPOSITORY"] = srv.Owner + "/" + srv.Name
	if code := r.run(); code != 0 {
		t.Fatalf("exit %d\n%s", code, r.Log())
	}
	got := r.Outputs(t)
	for k, v := range map[string]string{
		"deployments": "2", "lead-time-median-seconds": "93600", "change-fail-rate": "1",
		"rework-rate": "0.5", "recovery-time-median-seconds": "52200",
	} {
		if got[k] != v {
			t.Errorf("output %s = %q, want %q", k, got[k], v)
		}
	}
	// The token is masked first thing, and never printed again.
	if log := r.Log(); !strings.HasPrefix(log, "::add-mask::"+srv.Token+"\n") || strings.Count(log, srv.Token) != 1 {
		t.Errorf("the token is not masked first, or appears again:\n%s", log)
	}
	data := read(t, filepath.Join(out, "dora.json"))
	schematest.Validate(t, schematest.File(t, "../../dora/report.schema.json"), []byte(data))
	rep := decodeReport(t, []byte(data))
	if rep.Inputs.Source != "github" || rep.Inputs.IncidentLabel != "incident" || !rep.Window.End.Equal(date("2024-03-03T07:00:00Z")) {
		t.Errorf("inputs %+v, window %+v", rep.Inputs, rep.Window)
	}
	if d := rep.Deployments; len(d) != 2 || d[0].Cause != "deployment-status" || d[1].Cause != "incident" || d[1].Incident != 1 {
		t.Errorf("deployments %+v", d)
	}
	sum := read(t, r.Env["GITHUB_STEP_SUMMARY"])
	for _, s := range []string{"failed (deployment-status), fixed by `deployment-", "failed (incident #1), recovered after ", "(incident closed)", "environment production"} {
		if !strings.Contains(sum, s) {
			t.Errorf("the step summary does not say %q:\n%s", s, sum)
		}
	}
	for _, c := range srv.Calls("repos/list-deployments") {
		if c.Query.Get("environment") != "production" {
			t.Errorf("deployments listed with %v", c.Query)
		}
	}
	if n := len(srv.Calls("repos/list-pull-requests-associated-with-commit")); n != 2 {
		t.Errorf("%d pull request look-ups, want 2 (c2 and c3)", n)
	}
	if strings.Contains(r.Log(), "warning") {
		t.Errorf("unexpected warning:\n%s", r.Log())
	}
}

// TestGitHubSourceWithoutToken: source github without a token fails
// naming the input, before any request.
func TestGitHubSourceWithoutToken(t *testing.T) {
	g := newGitRepo(t)
	g.commit("initial", "2024-03-01T00:00:00Z", "2024-03-01T00:00:00Z")
	r := newRunner(t, map[string]string{"repo": g.dir, "output-dir": filepath.Join(t.TempDir(), "out"), "source": "github"})
	if code := r.run(); code == 0 || !strings.Contains(r.Log(), `input "github-token"`) {
		t.Errorf("exit %d\n%s", code, r.Log())
	}
}
