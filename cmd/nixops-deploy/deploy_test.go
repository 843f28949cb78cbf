package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/action/actiontest"
)

// workspace is a git work tree with one commit whose origin is a bare
// repository; it returns both.
func workspace(t *testing.T) (dir, origin string) {
	t.Helper()
	testenv.LookPath(t, "git")
	base := t.TempDir()
	dir, origin = filepath.Join(base, "work"), filepath.Join(base, "origin.git")
	for _, k := range []string{"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_NAME=A", "GIT_AUTHOR_EMAIL=a@example.com"} {
		name, value, _ := strings.Cut(k, "=")
		t.Setenv(name, value)
	}
	for _, args := range [][]string{{"init", "-q", "--bare", origin}, {"init", "-q", "-b", "main", dir},
		{"-C", dir, "-c", "user.name=A", "-c", "user.email=a@example.com", "commit", "-q", "--allow-empty", "-m", "one"},
		{"-C", dir, "remote", "add", "origin", origin}} {
		if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	return dir, origin
}

// TestDeployRollsBack: a failing verification rolls back, both tags reach
// origin, the step fails and says rolled-back.
func TestDeployRollsBack(t *testing.T) {
	dir, origin := workspace(t)
	r := actiontest.New(t, map[string]string{"environment": "staging", "deploy-run": "echo deploying",
		"verify-run": "echo sick; exit 1", "rollback-run": "echo rolling back", "verify-attempts": "2", "verify-interval": "1s"})
	r.Env["GITHUB_WORKSPACE"] = dir
	if code := r.Run(context.Background(), run); code == 0 {
		t.Fatalf("exit 0 after a rollback, want a failure:\n%s", r.Log())
	}
	outs := r.Outputs(t)
	if outs["result"] != "rolled-back" || outs["attempts"] != "2" || !strings.HasPrefix(outs["deployment"], "deploy/staging/") ||
		!strings.HasPrefix(outs["rollback"], "deploy/staging/") || !strings.HasSuffix(outs["rollback"], "-rollback") {
		t.Errorf("outputs %v", outs)
	}
	out, _ := exec.Command("git", "-C", origin, "tag", "--list").Output()
	if got := strings.Fields(string(out)); len(got) != 2 {
		t.Errorf("origin's tags %q, want the deployment and the rollback", got)
	}
	for _, want := range []string{"deploying", "sick", "rolling back", "verification failed; rolled back"} {
		if !strings.Contains(r.Log(), want) {
			t.Errorf("log lacks %q:\n%s", want, r.Log())
		}
	}
	if s := r.File(t, "GITHUB_STEP_SUMMARY"); !strings.Contains(s, "Deploy to staging: rolled-back") {
		t.Errorf("summary:\n%s", s)
	}
}

// TestBadEnvironment: an environment that cannot be in a tag name stops
// the step before any script runs.
func TestBadEnvironment(t *testing.T) {
	dir, _ := workspace(t)
	marker := filepath.Join(t.TempDir(), "ran")
	r := actiontest.New(t, map[string]string{"environment": "prod env", "deploy-run": "touch " + marker})
	r.Env["GITHUB_WORKSPACE"] = dir
	if code := r.Run(context.Background(), run); code == 0 || !strings.Contains(r.Log(), `input "environment"`) {
		t.Errorf("exit %d, want an error naming environment:\n%s", code, r.Log())
	}
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("the deploy script ran on bad input")
	}
}
