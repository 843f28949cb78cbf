package githubapi_test

import (
	"encoding/base64"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/githubapi"
)

// TestGitPushConfig asks the real git which header it would send where:
// the token goes to the run's GitHub server only, and configuration
// already given in GIT_CONFIG_* variables stays.
func TestGitPushConfig(t *testing.T) {
	testenv.LookPath(t, "git")
	env := []string{"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=" + os.DevNull, "HOME=" + t.TempDir(),
		"GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=user.name", "GIT_CONFIG_VALUE_0=Release Bot"}
	vars, secret := githubapi.GitPushConfig(env, "https://github.example.com/", "tok3n")
	env = append(env, vars...)
	basic := base64.StdEncoding.EncodeToString([]byte("x-access-token:tok3n"))
	gitConfig := func(args ...string) string {
		cmd := exec.Command("git", append([]string{"config"}, args...)...)
		cmd.Env, cmd.Dir = env, t.TempDir()
		out, _ := cmd.Output()
		return strings.TrimSpace(string(out))
	}
	if got := gitConfig("--get-urlmatch", "http.extraheader", "https://github.example.com/o/r"); got != "AUTHORIZATION: basic "+basic {
		t.Errorf("header for the server %q", got)
	}
	if got := gitConfig("--get-urlmatch", "http.extraheader", "https://elsewhere.example.com/o/r"); got != "" {
		t.Errorf("header for another host %q", got)
	}
	if got := gitConfig("--get", "user.name"); got != "Release Bot" {
		t.Errorf("user.name %q: the entry already given was lost", got)
	}
	if secret != basic {
		t.Errorf("secret %q, want the encoded token %q to mask", secret, basic)
	}
}
