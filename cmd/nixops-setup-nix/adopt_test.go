package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/action/actiontest"
)

const pubKey = "cache.example.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="

// newRunner is a runner on this machine: its PATH and HOME, so the real
// Nix is found, plus the GITHUB_ENV and GITHUB_PATH files.
func newRunner(t *testing.T, inputs map[string]string) *actiontest.Runner {
	t.Helper()
	testenv.LookPath(t, "nix")
	r := actiontest.New(t, inputs)
	dir := t.TempDir()
	for _, k := range []string{"GITHUB_ENV", "GITHUB_PATH"} {
		r.Env[k] = filepath.Join(dir, k)
		if err := os.WriteFile(r.Env[k], nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r.Env["PATH"], r.Env["HOME"] = os.Getenv("PATH"), os.Getenv("HOME")
	r.Env["GITHUB_SERVER_URL"] = "https://ghe.example.com"
	return r
}

// exported reads GITHUB_ENV back as the runner does.
func exported(t *testing.T, r *actiontest.Runner) map[string]string {
	t.Helper()
	r2 := &actiontest.Runner{Env: map[string]string{"GITHUB_OUTPUT": r.Env["GITHUB_ENV"]}}
	return r2.Outputs(t)
}

// showConfig is what `nix show-config` (or `nix config show`) prints under
// nixConfig, as a map.
func showConfig(t *testing.T, nixConfig string) map[string]string {
	t.Helper()
	nix := testenv.LookPath(t, "nix")
	args := []string{"--extra-experimental-features", "nix-command", "show-config"}
	if out, _ := exec.Command(nix, "--version").Output(); !strings.Contains(string(out), " 2.8.") {
		args = []string{"--extra-experimental-features", "nix-command", "config", "show"}
	}
	cmd := exec.Command(nix, args...)
	cmd.Env = append(os.Environ(), "NIX_CONFIG="+nixConfig)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("nix %s: %v", strings.Join(args, " "), err)
	}
	m := map[string]string{}
	for _, l := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(l, " = "); ok {
			m[k] = v
		}
	}
	return m
}

// TestAdoptRealNix: the settings reach the real Nix, the token only Nix.
func TestAdoptRealNix(t *testing.T) {
	const token = "ghs_adoptTestToken0123456789"
	r := newRunner(t, map[string]string{
		"github-token":              token,
		"extra-substituters":        "file:///tmp/setup-nix-test-cache?trusted=1",
		"extra-trusted-public-keys": pubKey,
		"max-jobs":                  "3",
		"extra-conf":                "keep-going = true\n# why\nconnect-timeout = 7",
	})
	r.Env["NIX_CONFIG"] = "cores = 1"
	if code := r.Run(context.Background(), run); code != 0 {
		t.Fatalf("exit %d:\n%s", code, r.Log())
	}
	nixConfig := exported(t, r)["NIX_CONFIG"]
	got := showConfig(t, nixConfig)
	for k, want := range map[string]string{
		"access-tokens": "ghe.example.com=" + token, "substituters": "file:///tmp/setup-nix-test-cache?trusted=1",
		"max-jobs": "3", "keep-going": "true", "connect-timeout": "7", "cores": "1",
	} {
		if got[k] != want {
			t.Errorf("nix reports %s = %q, want %q", k, got[k], want)
		}
	}
	if !strings.Contains(got["trusted-public-keys"], pubKey) || !strings.Contains(got["experimental-features"], "flakes") {
		t.Errorf("keys %q, features %q", got["trusted-public-keys"], got["experimental-features"])
	}
	outs := r.Outputs(t)
	ver := strings.Fields(testenv.Run(t, "nix", "--version"))
	if outs["nix-version"] != ver[len(ver)-1] || outs["mode"] != "adopted" || outs["store-dir"] != "/nix/store" {
		t.Errorf("outputs %v", outs)
	}
	if _, err := os.Stat(filepath.Join(outs["bin-dir"], "nix")); err != nil {
		t.Errorf("bin-dir %q holds no nix: %v", outs["bin-dir"], err)
	}
	if s, err := strconv.ParseFloat(outs["seconds"], 64); err != nil || s <= 0 || s > 10 {
		t.Errorf("seconds = %q", outs["seconds"])
	}
	if p := r.File(t, "GITHUB_PATH"); p != "" {
		t.Errorf("the Nix directory is on PATH already, yet GITHUB_PATH got %q", p)
	}
	summary := r.File(t, "GITHUB_STEP_SUMMARY")
	if !strings.Contains(summary, "extra-access-tokens = ghe.example.com=***") || !strings.Contains(summary, "keep-going = true") {
		t.Errorf("summary lacks the masked settings:\n%s", summary)
	}
	assertNoToken(t, r, token)
}

// assertNoToken: the token is in no output, no summary and no log line
// except the command that masks it.
func assertNoToken(t *testing.T, r *actiontest.Runner, token string) {
	t.Helper()
	for _, f := range []string{"GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_PATH"} {
		if strings.Contains(r.File(t, f), token) {
			t.Errorf("%s holds the token", f)
		}
	}
	masked := false
	for _, l := range strings.Split(r.Log(), "\n") {
		if l == "::add-mask::"+token {
			masked = true
		} else if strings.Contains(l, token) {
			t.Errorf("log line shows the token: %q", l)
		}
	}
	if !masked {
		t.Errorf("the token was never masked:\n%s", r.Log())
	}
}

// TestUntrustedWarnings: warnings name each restricted setting exactly
// when a daemon serves an untrusted user.
func TestUntrustedWarnings(t *testing.T) {
	for _, tc := range []struct {
		name, remote, trusted string
		warn                  bool
	}{
		{"daemon, untrusted", "daemon", "trusted-users = nobody-else", true},
		{"daemon, trusted by default", "daemon", "", false},
		{"daemon, trusted as everyone", "daemon", "trusted-users = *", false},
		{"no daemon", "", "trusted-users = nobody-else", false},
		// Nix's own order: a store setting wins over NIX_REMOTE.
		{"store setting names the daemon", "", "store = daemon\ntrusted-users = nobody-else", true},
		{"store setting wins over NIX_REMOTE", "daemon", "store = local\ntrusted-users = nobody-else", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRunner(t, map[string]string{"extra-substituters": "https://cache.example.org", "extra-trusted-public-keys": pubKey,
				"extra-conf": "sandbox = false\nkeep-going = true"})
			r.Env["NIX_REMOTE"], r.Env["NIX_CONFIG"] = tc.remote, tc.trusted
			if os.Geteuid() != 0 && tc.remote == "" {
				t.Skip("without a daemon, only root can write Nix's state here")
			}
			if code := r.Run(context.Background(), run); code != 0 {
				t.Fatalf("exit %d:\n%s", code, r.Log())
			}
			log := r.Log()
			for _, s := range []string{"extra-substituters = https://cache.example.org is ignored", "extra-trusted-public-keys = " + pubKey + " is ignored", "sandbox = false is ignored"} {
				if got := strings.Contains(log, "::warning::"+s); got != tc.warn {
					t.Errorf("warning %q shown: %t, want %t\n%s", s, got, tc.warn, log)
				}
			}
			if strings.Contains(log, "keep-going = true is ignored") {
				t.Error("keep-going needs no trust, yet it was warned about")
			}
			if tc.warn && !strings.Contains(log, "trusted-users = root ") {
				t.Errorf("the warning does not give the line to add:\n%s", log)
			}
		})
	}
}

func TestBadInputsWriteNothing(t *testing.T) {
	for _, tc := range []struct {
		inputs map[string]string
		want   string
	}{
		{map[string]string{"extra-conf": "keep-going = true\nkeep-going\n"}, `input "extra-conf": line 2 "keep-going" is not a setting`},
		{map[string]string{"max-jobs": "lots"}, `input "max-jobs": "lots" is not auto or a whole number`},
		{map[string]string{"extra-substituters": "cache.example.org"}, `input "extra-substituters": "cache.example.org" is not a store URL`},
		{map[string]string{"extra-trusted-public-keys": "k:short"}, `input "extra-trusted-public-keys": "k:short" is not a public key`},
	} {
		r := newRunner(t, tc.inputs)
		if code := r.Run(context.Background(), run); code != 1 {
			t.Errorf("%v: exit %d, want 1", tc.inputs, code)
		}
		if !strings.Contains(r.Log(), "::error::"+tc.want) {
			t.Errorf("%v: log lacks %q:\n%s", tc.inputs, tc.want, r.Log())
		}
		for _, f := range []string{"GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_PATH"} {
			if s := r.File(t, f); s != "" {
				t.Errorf("%v: %s = %q, want nothing written", tc.inputs, f, s)
			}
		}
	}
}
