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

// fakeSuite makes a git repository of the stand-in module pkg/release
// tests use, with this repository's actions/checksums.txt, and sets the
// process environment git needs (the step passes its environment on).
func fakeSuite(t *testing.T) string {
	t.Helper()
	testenv.LookPath(t, "git")
	testenv.LookPath(t, "go")
	for k, v := range map[string]string{"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.DevNull,
		"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"} {
		t.Setenv(k, v)
	}
	dir := t.TempDir()
	testenv.CopyDir(t, filepath.Join("..", "..", "pkg", "release", "testdata", "module"), dir)
	sums, err := os.ReadFile(filepath.Join("..", "..", "actions", "checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "actions"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "actions", "checksums.txt"), sums, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "-A"}, {"commit", "-q", "-m", "initial"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	return dir
}

func TestRelease(t *testing.T) {
	repo := fakeSuite(t)
	out := t.TempDir()
	inputs := map[string]string{"version": "v1.0.0", "repo": repo, "output-dir": out}
	r := actiontest.New(t, inputs)
	if code := r.Run(context.Background(), run); code != 0 {
		t.Fatalf("exit %d:\n%s", code, r.Log())
	}
	o := r.Outputs(t)
	if o["assets-dir"] != filepath.Join(out, "v1.0.0") || o["notes-file"] != filepath.Join(out, "v1.0.0", "notes.md") || len(o["commit"]) != 40 {
		t.Errorf("outputs %v", o)
	}
	if s := r.File(t, "GITHUB_STEP_SUMMARY"); !strings.HasPrefix(s, "# v1.0.0\n") {
		t.Errorf("summary:\n%s", s)
	}
	if !strings.Contains(r.Log(), "  nixops-world_v1.0.0_darwin_arm64") {
		t.Errorf("log lacks the checksums:\n%s", r.Log())
	}

	again := actiontest.New(t, inputs)
	if code := again.Run(context.Background(), run); code != 1 || !strings.Contains(again.Log(), `input "version": v1.0.0 is already released: the tag v1.0.0 exists`) {
		t.Errorf("second run: exit %d:\n%s", code, again.Log())
	}
}

func TestReleaseRefuses(t *testing.T) {
	repo := fakeSuite(t)
	if err := os.WriteFile(filepath.Join(repo, "scratch"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		inputs map[string]string
		want   string
	}{
		{"bad-version", map[string]string{"version": "1.0"}, `input "version": "1.0" is not a release version: write vMAJOR.MINOR.PATCH`},
		{"no-version", map[string]string{}, `input "version" is required`},
		{"dirty", map[string]string{"version": "v1.0.0"}, `input "repo": the work tree has uncommitted changes: ?? scratch; commit or stash them`},
		{"bad-stage", map[string]string{"version": "v1.0.0", "stage": "ship"}, `input "stage": "ship" is not one of cut, publish`},
		{"publish", map[string]string{"version": "v1.0.0", "stage": "publish"}, `stage "publish": not available yet`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.inputs["repo"], tc.inputs["output-dir"] = repo, t.TempDir()
			r := actiontest.New(t, tc.inputs)
			if code := r.Run(context.Background(), run); code != 1 || !strings.Contains(r.Log(), "::error::"+tc.want) {
				t.Errorf("exit %d, want 1 and %q:\n%s", code, tc.want, r.Log())
			}
		})
	}
}
