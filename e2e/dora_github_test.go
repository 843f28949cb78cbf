package e2e_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/githubtest"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/dora"
)

// TestActDORAGitHub runs `uses: ./dora` with source: github under act, on
// doraHistory (see there for c0..c7) and the local GitHub API stand-in:
//
//	G1 deploys c1 (v1.0.0's commit): success 2024-01-02T00:00Z       {c0, c1}
//	G2 deploys c3 (v1.1.0's):        success 2024-01-04T00:00Z       {c2, c3}
//	G3 deploys c4 (the revert):      success 2024-01-04T12:00Z       {c4}
//	G4 deploys c5:                   success 2024-01-09T00:00Z       {c5}
//	G5 deploys c7 (HEAD):            success 2024-01-10T01:00Z       {c6, c7}
//	a staging deployment of c6: not counted
//	incident opened 2024-01-09T03:00Z, closed 05:00Z
//	c5 is the squash of a pull request whose first commit was authored
//	2024-01-05T00:00Z
//
// The window ends at G5's success, 2024-01-10T01:00Z (after HEAD's
// commit). Lead times: c0 86400, c1 43200, c2 108000, c3 72000, c4 0, c5
// 4d = 345600 (from the pull request; 86400 from the squash itself), c6
// 19h = 68400, c7 1h = 3600. Sorted 0 3600 43200 68400 72000 86400 108000
// 345600: median 70200, p90 rank ceil(7.2) = 8: 345600, mean 727200/8 =
// 90900. G2 failed (G3 reverts c3; the git rule holds), recovery 12h =
// 43200; G4 failed by the incident, recovered at its close, 5h = 18000.
// Fail rate 2/5, rework 1/5 (G3), recovery median 30600.
func TestActDORAGitHub(t *testing.T) {
	act := tool(t, "act")
	testenv.LookPath(t, "git")
	testenv.LookPath(t, "go")
	fx := checkoutFixture(t, t.TempDir(), false)
	doraHistory(t, fx.repo)
	rev := func(r string) string {
		t.Helper()
		out, err := exec.Command("git", "-C", fx.repo, "rev-parse", r).Output()
		if err != nil {
			t.Fatalf("git rev-parse %s: %v", r, err)
		}
		return strings.TrimSpace(string(out))
	}
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	srv := githubtest.New(t)
	deploy := func(sha, env, success string) {
		srv.AddDeployment(githubtest.Deployment{SHA: sha, Ref: "main", Env: env, Created: at(success).Add(-time.Minute),
			Statuses: []githubtest.DeploymentStatus{{State: "in_progress", Created: at(success).Add(-time.Minute)}, {State: "success", Created: at(success)}}})
	}
	c5 := rev("v1.3.0^{commit}")
	deploy(rev("v1.0.0^{commit}"), "production", "2024-01-02T00:00:00Z")
	deploy(rev("v1.1.0^{commit}"), "production", "2024-01-04T00:00:00Z")
	deploy(rev("v1.2.0^{commit}"), "production", "2024-01-04T12:00:00Z")
	deploy(c5, "production", "2024-01-09T00:00:00Z")
	deploy(rev("v1.3.1-hotfix^{commit}"), "staging", "2024-01-09T09:00:00Z")
	deploy(rev("HEAD"), "production", "2024-01-10T01:00:00Z")
	srv.AddIssue(githubtest.Issue{Title: "checkout down", Labels: []string{"incident"}, Created: at("2024-01-09T03:00:00Z"), Closed: at("2024-01-09T05:00:00Z")})
	srv.AddPullRequest(githubtest.PullRequest{MergeCommit: c5, Merged: at("2024-01-08T00:00:00Z"), Commits: []githubtest.PullCommit{
		{SHA: strings.Repeat("5", 40), Message: "start d", Author: "e2e", AuthorDate: at("2024-01-05T00:00:00Z"), CommitterDate: at("2024-01-05T00:00:00Z")},
	}})

	outDir := filepath.Join(t.TempDir(), "dora-out")
	r := fx.act(t, act, "e2e/testdata/workflows/dora-github.yml", map[string]string{"output-dir": outDir, "step-log": stepLogPath(t)},
		"-s", "GITHUB_TOKEN="+srv.Token, "--env", "GITHUB_API_URL="+srv.URL, "--env", "GITHUB_REPOSITORY="+srv.Owner+"/"+srv.Name)
	if got := r.jobResult(); got != "success" {
		t.Fatalf("job result %q; act log:\n%s", got, r.text)
	}
	for _, l := range strings.Split(r.text, "\n") {
		if strings.Contains(l, srv.Token) && !strings.HasPrefix(strings.TrimSpace(l), "::add-mask::") {
			t.Errorf("the token is printed: %q", l)
		}
	}
	want := map[string]string{
		"deployments": "5", "lead-time-median-seconds": "70200", "change-fail-rate": "0.4",
		"rework-rate": "0.2", "recovery-time-median-seconds": "30600",
	}
	outs := r.outputs("dora")
	for k, v := range want {
		if outs[k] != v {
			t.Errorf("output %s = %q, want %q", k, outs[k], v)
		}
	}
	data, err := os.ReadFile(filepath.Join(outDir, "dora.json"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := dora.DecodeReport(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	lt := rep.Metrics.ChangeLeadTime
	if lt.N != 8 || *lt.P90 != 345600 || *lt.Mean != 90900 || rep.Window.End.Format(time.RFC3339) != "2024-01-10T01:00:00Z" {
		t.Errorf("lead time n %d p90 %v mean %v, window end %v", lt.N, *lt.P90, *lt.Mean, rep.Window.End)
	}
	var causes []string
	for _, d := range rep.Deployments {
		causes = append(causes, d.Name+":"+d.Cause+":"+strconv.Itoa(d.Incident))
	}
	if got := strings.Join(causes, " "); !strings.Contains(got, ":revert:0") || !strings.Contains(got, ":incident:1") {
		t.Errorf("deployments %s", got)
	}
	if n := len(srv.Calls("pulls/list-commits")); n != 1 {
		t.Errorf("%d pull request commit lists read, want 1", n)
	}
}
