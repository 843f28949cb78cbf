package e2e_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// TestActSetupNix runs `uses: ./setup-nix` under act on this machine's
// real Nix: it adopts it, and the next step's nix sees the job's setting.
func TestActSetupNix(t *testing.T) {
	act := tool(t, "act")
	testenv.LookPath(t, "nix")
	testenv.LookPath(t, "git")
	testenv.LookPath(t, "go")
	base := t.TempDir()
	fx := fixture{repo: filepath.Join(base, "repo"), actHome: filepath.Join(base, "home"), actCache: filepath.Join(base, "act-cache")}
	for _, d := range []string{fx.repo, fx.actHome} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copySources(t, repoRoot(t), fx.repo)
	git(t, fx.repo, "init", "-q", "-b", "main")
	git(t, fx.repo, "add", "-A")
	git(t, fx.repo, "-c", "user.name=e2e", "-c", "user.email=e2e@localhost", "commit", "-q", "-m", "e2e snapshot")

	r := fx.act(t, act, "e2e/testdata/workflows/setup-nix.yml", map[string]string{"extra-conf": "keep-going = true"})
	if got := r.jobResult(); got != "success" {
		t.Fatalf("job result %q; act log:\n%s", got, r.text)
	}
	if !strings.Contains(r.text, "bootstrap: built nixops-setup-nix from source") {
		t.Errorf("bootstrap did not build nixops-setup-nix from source:\n%s", r.text)
	}
	if !strings.Contains(r.text, "settings-checked mode=adopted") {
		t.Errorf("the next step did not see the adopted Nix with keep-going = true:\n%s", r.text)
	}
	if outs := r.outputs("nix"); outs["mode"] != "adopted" || outs["store-dir"] != "/nix/store" {
		t.Errorf("the action's outputs: %v", outs)
	}

	r = fx.act(t, act, "e2e/testdata/workflows/setup-nix.yml", map[string]string{"extra-conf": "keep-going true"})
	if got := r.jobResult(); got != "failure" {
		t.Fatalf("a bad extra-conf line: job result %q; act log:\n%s", got, r.text)
	}
}
