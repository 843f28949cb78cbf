package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/action/actiontest"
	"github.com/voidnxsec/nixops-actions/pkg/nixinstall"
	"github.com/voidnxsec/nixops-actions/pkg/nixinstall/releasetest"
)

// installRunner is a runner with no Nix in reach: an empty PATH and HOME.
// The release's nix is the real Nix behind a script, so the step's
// configuration checks run for real, and it has the real Nix's version.
func installRunner(t *testing.T, body []byte, serve func(int, http.ResponseWriter) bool, inputs map[string]string) (*actiontest.Runner, *releasetest.Server) {
	t.Helper()
	for _, d := range nixinstall.SearchDirs("", "")[:2] {
		if _, err := os.Stat(d); err == nil {
			t.Skipf("%s exists: this machine has a multi-user Nix, which setup-nix adopts", d)
		}
	}
	system, err := nixinstall.System(runtime.GOOS, runtime.GOARCH)
	if err != nil {
		t.Skip(err)
	}
	installVersion := realVersion(t)
	srv := releasetest.Serve(t, installVersion, system, body, serve)
	inputs["release-url"], inputs["nix-version"] = srv.URL, installVersion
	r := newRunner(t, inputs)
	r.Env["PATH"], r.Env["HOME"], r.Env["RUNNER_TEMP"] = t.TempDir(), t.TempDir(), t.TempDir()
	return r, srv
}

func realVersion(t testing.TB) string {
	v, err := nixinstall.Version(context.Background(), testenv.LookPath(t, "nix"))
	if err != nil {
		t.Fatal(err)
	}
	return v.String()
}

func releaseBody(t *testing.T, extra ...releasetest.Entry) []byte {
	system, _ := nixinstall.System(runtime.GOOS, runtime.GOARCH)
	nix := "#!/bin/sh\nexec " + testenv.LookPath(t, "nix") + " \"$@\"\n"
	return releasetest.Tarball(t, releasetest.Release(realVersion(t), system, nix, extra...))
}

func TestInstallMode(t *testing.T) {
	body := releaseBody(t)
	r, _ := installRunner(t, body, nil, map[string]string{"nix-sha256": releasetest.SHA256(body)})
	if code := r.Run(context.Background(), run); code != 0 {
		t.Fatalf("exit %d:\n%s", code, r.Log())
	}
	home := r.Env["HOME"]
	args, err := os.ReadFile(filepath.Join(home, "install-args"))
	if err != nil {
		t.Fatalf("the installer did not run: %v\n%s", err, r.Log())
	}
	want := "--no-daemon\n--yes\n--no-channel-add\n"
	if _, err := os.Stat("/run/systemd/system"); err == nil {
		want = "--daemon\n--yes\n--no-channel-add\n"
	}
	if string(args) != want {
		t.Errorf("installer arguments %q, want %q", args, want)
	}
	outs := r.Outputs(t)
	binDir := filepath.Join(home, ".nix-profile/bin")
	if outs["mode"] != "installed" || outs["nix-version"] != realVersion(t) || outs["bin-dir"] != binDir || outs["store-dir"] != "/nix/store" {
		t.Errorf("outputs %v", outs)
	}
	if p := r.File(t, "GITHUB_PATH"); p != binDir+"\n" {
		t.Errorf("GITHUB_PATH = %q, want the profile's bin", p)
	}
	env := exported(t, r)
	if env["NIX_CONFIG"] == "" || env["NIX_SSL_CERT_FILE"] == "" {
		t.Errorf("GITHUB_ENV = %v, want NIX_CONFIG and NIX_SSL_CERT_FILE", env)
	}
	for _, s := range []string{"| download |", "| unpack |", "| installer |"} {
		if !strings.Contains(r.File(t, "GITHUB_STEP_SUMMARY"), s) {
			t.Errorf("summary lacks the %s timing", s)
		}
	}
}

// TestInstallModeRefuses: a bad tarball or hash fails the step with the
// reason, and the installer never runs.
func TestInstallModeRefuses(t *testing.T) {
	good := releaseBody(t)
	evil := releaseBody(t, releasetest.Entry{Name: "../escape", Body: "x"})
	for _, tc := range []struct {
		name   string
		body   []byte
		inputs map[string]string
		want   string
	}{
		{"wrong hash", good, map[string]string{"nix-sha256": strings.Repeat("0", 64)}, "expected " + strings.Repeat("0", 64) + ", got " + releasetest.SHA256(good)},
		{"dot-dot entry", evil, map[string]string{"nix-sha256": releasetest.SHA256(evil)}, `tarball entry "../escape" climbs out of the tree`},
		{"bad hash input", good, map[string]string{"nix-sha256": "abc"}, `input "nix-sha256": "abc" is not a SHA-256 (accepted: 64 lower-case hex digits)`},
		{"unverified version", good, map[string]string{}, `input "nix-version": no verified SHA-256 for Nix ` + realVersion(t)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := installRunner(t, tc.body, nil, tc.inputs)
			if code := r.Run(context.Background(), run); code != 1 {
				t.Fatalf("exit %d, want 1:\n%s", code, r.Log())
			}
			if !strings.Contains(r.Log(), tc.want) {
				t.Errorf("log lacks %q:\n%s", tc.want, r.Log())
			}
			if _, err := os.Stat(filepath.Join(r.Env["HOME"], "install-args")); err == nil {
				t.Error("the installer ran")
			}
			for _, f := range []string{"GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_PATH"} {
				if s := r.File(t, f); s != "" {
					t.Errorf("%s = %q, want nothing", f, s)
				}
			}
		})
	}
}

// TestInstallThroughProxy: the download goes through the proxy that the
// step's HTTP_PROXY names (read through the action's getenv, not the
// process's environment). The release host's name does not resolve, so
// only the proxy (the local release host, which serves the absolute URL
// a proxy is sent) can answer.
func TestInstallThroughProxy(t *testing.T) {
	body := releaseBody(t)
	r, srv := installRunner(t, body, nil, map[string]string{"nix-sha256": releasetest.SHA256(body)})
	r.Env[action.EnvName("release-url")] = "http://releases.invalid"
	r.Env["HTTP_PROXY"] = srv.URL
	if code := r.Run(context.Background(), run); code != 0 || srv.Hits.Load() != 1 {
		t.Fatalf("exit %d after %d requests to the proxy, want 0 after 1:\n%s", code, srv.Hits.Load(), r.Log())
	}
}
