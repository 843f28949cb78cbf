package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/action/actiontest"
)

// buildResult builds the cache test flake's app into the machine's store
// and leaves a result link in a new workspace, as `nix build` does.
func buildResult(t *testing.T) string {
	t.Helper()
	testenv.LookPath(t, "nix")
	ws := t.TempDir()
	flake := filepath.Join(t.TempDir(), "flake")
	if err := os.CopyFS(flake, os.DirFS("../../pkg/nixcache/testdata/flake")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("nix", "--extra-experimental-features", "nix-command flakes", "build",
		"--option", "sandbox", "false", "--option", "substituters", "", "--out-link", filepath.Join(ws, "result"), "path:"+flake+"#app")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nix build: %v\n%s", err, out)
	}
	return ws
}

func newRunner(t *testing.T, ws, dir string, inputs map[string]string) *actiontest.Runner {
	r := actiontest.New(t, inputs)
	r.Env["PATH"], r.Env["HOME"] = os.Getenv("PATH"), os.Getenv("HOME")
	r.Env["GITHUB_WORKSPACE"], r.Env["NIXOPS_NIX_CACHE_DIR"], r.Env["NIXOPS_NIX_CACHE_KEY"] = ws, dir, "ci-x86_64-linux-nix2.8.0-0123"
	return r
}

// TestSave: the first save adds the result's closure and says to save;
// the second finds nothing new and says not to.
func TestSave(t *testing.T) {
	ws := buildResult(t)
	dir := filepath.Join(t.TempDir(), "cache")
	var asked int
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked++
		http.NotFound(w, r)
	}))
	defer upstream.Close()
	in := map[string]string{"upstream-substituters": upstream.URL}
	r := newRunner(t, ws, dir, in)
	if code := r.Run(context.Background(), run); code != 0 {
		t.Fatalf("exit %d:\n%s", code, r.Log())
	}
	outs := r.Outputs(t)
	if outs["changed"] != "true" || outs["paths"] != "2" || outs["added"] != "2" || outs["cache-dir"] != dir ||
		!regexp.MustCompile(`^ci-x86_64-linux-nix2\.8\.0-0123-[0-9a-f]{16}$`).MatchString(outs["key"]) {
		t.Errorf("first save: outputs %v", outs)
	}
	if asked != 2 {
		t.Errorf("the upstream was asked %d times, want once per closure path (2)", asked)
	}
	if s := r.File(t, "GITHUB_STEP_SUMMARY"); !strings.Contains(s, "Saved under `"+outs["key"]+"`") {
		t.Errorf("summary:\n%s", s)
	}
	r2 := newRunner(t, ws, dir, in)
	if code := r2.Run(context.Background(), run); code != 0 {
		t.Fatalf("exit %d:\n%s", code, r2.Log())
	}
	if o := r2.Outputs(t); o["changed"] != "false" || o["key"] != outs["key"] || o["added"] != "0" {
		t.Errorf("second save with nothing new: outputs %v", o)
	}
}

// TestSaveBadInput: an unresolvable path and a missing cache directory
// each stop the step with an error naming the input, writing nothing.
func TestSaveBadInput(t *testing.T) {
	testenv.LookPath(t, "nix")
	dir := filepath.Join(t.TempDir(), "cache")
	r := newRunner(t, t.TempDir(), dir, map[string]string{"paths": "./no-such-result", "upstream-substituters": "file:///nonexistent"})
	if code := r.Run(context.Background(), run); code == 0 || !strings.Contains(r.Log(), `input "paths"`) {
		t.Errorf("exit %d, want an error naming paths:\n%s", code, r.Log())
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("the cache directory was created on bad input")
	}
	r = newRunner(t, t.TempDir(), "", nil)
	if code := r.Run(context.Background(), run); code == 0 || !strings.Contains(r.Log(), `input "cache-dir"`) || !strings.Contains(r.Log(), "setup-nix with cache: true") {
		t.Errorf("exit %d, want an error naming cache-dir and setup-nix:\n%s", code, r.Log())
	}
}
