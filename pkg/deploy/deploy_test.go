package deploy_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/deploy"
	"github.com/voidnxsec/nixops-actions/pkg/dora"
)

// repo is a work tree with one commit and a bare origin.
type repo struct {
	dir, origin string
	env         []string
}

func newRepo(t *testing.T) *repo {
	t.Helper()
	testenv.LookPath(t, "git")
	testenv.LookPath(t, "bash")
	base := t.TempDir()
	r := &repo{dir: filepath.Join(base, "work"), origin: filepath.Join(base, "origin.git"),
		env: append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
			"GIT_AUTHOR_NAME=A", "GIT_AUTHOR_EMAIL=a@example.com", "GIT_COMMITTER_NAME=Deploy Bot", "GIT_COMMITTER_EMAIL=bot@example.com",
			"GIT_AUTHOR_DATE=2026-01-05T10:00:00Z", "GIT_COMMITTER_DATE=2026-01-05T10:00:00Z")}
	r.git(t, base, "init", "-q", "--bare", r.origin)
	r.git(t, base, "init", "-q", "-b", "main", r.dir)
	r.git(t, r.dir, "commit", "-q", "--allow-empty", "-m", "ship it")
	return r
}

func (r *repo) git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir, cmd.Env = dir, r.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// clock returns t0, then t0 plus step for each later call.
func clock(step time.Duration) func() time.Time {
	now := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	return func() time.Time { t := now; now = now.Add(step); return t }
}

func (r *repo) options(t *testing.T, deployScript, verify, rollback string) deploy.Options {
	marks := t.TempDir()
	env := append(r.env, "MARKS="+marks)
	return deploy.Options{Deploy: deployScript, Verify: verify, Rollback: rollback, Dir: r.dir, Env: env,
		Attempts: 3, Interval: 10 * time.Millisecond, Timeout: 30 * time.Second,
		Environment: "production", TagPrefix: "deploy/", Remote: r.origin, Now: clock(90 * time.Second)}
}

func marked(t *testing.T, o deploy.Options, name string) bool {
	for _, kv := range o.Env {
		if dir, ok := strings.CutPrefix(kv, "MARKS="); ok {
			_, err := os.Stat(filepath.Join(dir, name))
			return err == nil
		}
	}
	t.Fatal("no MARKS")
	return false
}

// TestVerified: a deployment that verifies on the third attempt is
// tagged, pushed and not rolled back.
func TestVerified(t *testing.T) {
	r := newRepo(t)
	o := r.options(t, `touch "$MARKS/deployed"`,
		`n=$(cat "$MARKS/n" 2>/dev/null || echo 0); echo $((n+1)) > "$MARKS/n"; [ "$n" -ge 2 ]`, `touch "$MARKS/rolled-back"`)
	res, err := deploy.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Deployment != "deploy/production/20260105T120000Z" || res.Rollback != "" || res.Attempts != 3 || !res.Verified {
		t.Errorf("result %+v", res)
	}
	if !marked(t, o, "deployed") || marked(t, o, "rolled-back") {
		t.Errorf("the deploy script must run and the rollback must not")
	}
	if got := r.git(t, r.origin, "tag", "--list"); got != res.Deployment {
		t.Errorf("origin's tags %q, want %s", got, res.Deployment)
	}
}

// TestRollback: verification fails every time; the rollback runs, both
// are tagged and pushed, and dora reads the deployment as failed, fixed
// by the rollback 90 s later.
func TestRollback(t *testing.T) {
	r := newRepo(t)
	o := r.options(t, `touch "$MARKS/deployed"`, `echo unhealthy >&2; exit 3`, `touch "$MARKS/rolled-back"`)
	res, err := deploy.Run(context.Background(), o)
	var se *deploy.ScriptError
	if !errors.Is(err, deploy.ErrRolledBack) || !errors.As(err, &se) || se.Stage != "verify" {
		t.Fatalf("error %v, want ErrRolledBack from a failed verify", err)
	}
	if res.Attempts != 3 || res.Rollback != "deploy/production/20260105T120130Z-rollback" || !marked(t, o, "rolled-back") {
		t.Fatalf("result %+v", res)
	}
	if got := r.git(t, r.origin, "tag", "--list"); got != res.Deployment+"\n"+res.Rollback {
		t.Errorf("origin's tags %q", got)
	}
	cfg := dora.DefaultConfig()
	cfg.TagPattern = "deploy/production/*"
	rep, err := dora.Compute(context.Background(), r.dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Deployments) != 2 {
		t.Fatalf("dora sees %d deployments, want 2", len(rep.Deployments))
	}
	failed := rep.Deployments[0]
	if !failed.Failed || failed.Cause != "fixes-deployment" || failed.FixedBy != res.Rollback ||
		failed.RecoverySeconds == nil || *failed.RecoverySeconds != 90 {
		t.Errorf("dora's view of the deployment: %+v", failed)
	}
}

// TestDeployFails: a deploy script that fails runs the rollback, records
// nothing and pushes nothing.
func TestDeployFails(t *testing.T) {
	r := newRepo(t)
	o := r.options(t, `exit 7`, `true`, `touch "$MARKS/rolled-back"`)
	res, err := deploy.Run(context.Background(), o)
	var se *deploy.ScriptError
	if !errors.As(err, &se) || se.Stage != "deploy" || res.Deployment != "" || !marked(t, o, "rolled-back") {
		t.Fatalf("error %v, result %+v: want the deploy's failure, a rollback and no record", err, res)
	}
	if got := r.git(t, r.origin, "tag", "--list"); got != "" {
		t.Errorf("origin's tags %q, want none", got)
	}
}

// TestVerifyDeadline: verification stops at the deadline, not after all
// its attempts, and the rollback still runs.
func TestVerifyDeadline(t *testing.T) {
	r := newRepo(t)
	o := r.options(t, `true`, `exit 1`, `touch "$MARKS/rolled-back"`)
	o.Attempts, o.Interval, o.Timeout = 1000, 200*time.Millisecond, time.Second
	res, err := deploy.Run(context.Background(), o)
	// 200 ms apart within 1 s: about 5 attempts, far from 1,000.
	if !errors.Is(err, deploy.ErrRolledBack) || !strings.Contains(err.Error(), "deadline") || res.Attempts > 20 || !marked(t, o, "rolled-back") {
		t.Fatalf("error %v, result %+v", err, res)
	}
}
