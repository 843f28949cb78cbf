package e2e_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// TestActDeploy runs `uses: ./deploy` under act twice: healthy, the
// deployment is recorded and nothing rolls back; unhealthy, the rollback
// runs, is recorded, and the job fails.
func TestActDeploy(t *testing.T) {
	act := tool(t, "act")
	testenv.LookPath(t, "git")
	testenv.LookPath(t, "go")
	fx := checkoutFixture(t, t.TempDir(), true)
	const workflow = "e2e/testdata/workflows/deploy.yml"
	tag := `deploy/e2e/\d{8}T\d{6}Z`
	for _, tc := range []struct {
		name, job, report string
		unhealthy         bool
	}{
		{"healthy", "success", `deploy-result=deployed deployment=` + tag + ` rollback=\n`, false},
		{"unhealthy", "failure", `deploy-result=rolled-back deployment=` + tag + ` rollback=` + tag + `-rollback\n`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			flags := t.TempDir()
			if tc.unhealthy {
				if err := os.WriteFile(filepath.Join(flags, "unhealthy"), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r := fx.act(t, act, workflow, map[string]string{"flag-dir": flags})
			if got := r.jobResult(); got != tc.job || !regexp.MustCompile(tc.report).MatchString(r.text) {
				t.Fatalf("job %q, want %q and a report matching %s; act log:\n%s", got, tc.job, tc.report, r.text)
			}
			_, err := os.Stat(filepath.Join(flags, "rolled-back"))
			if _, derr := os.Stat(filepath.Join(flags, "deployed")); derr != nil || (err == nil) != tc.unhealthy {
				t.Errorf("deployed: %v; rolled back: %v (want %v)", derr, err == nil, tc.unhealthy)
			}
		})
	}
}
