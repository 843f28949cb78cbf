package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/githubtest"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/action/actiontest"
	"github.com/voidnxsec/nixops-actions/pkg/release"
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
		{"publish-without-token", map[string]string{"version": "v1.0.0", "stage": "publish"}, `input "github-token": stage "publish" needs a token`},
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

// git runs git in dir.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestPublish runs the publish stage against the OpenAPI-checked fake
// GitHub, with the repository and API URL from the runner's variables:
// the tag reaches the remote, the release gets every asset, v1 and v1.0
// point at the release commit, and the token is masked and never shown.
func TestPublish(t *testing.T) {
	repo := fakeSuite(t)
	origin := t.TempDir()
	git(t, origin, "init", "-q", "--bare")
	git(t, repo, "remote", "add", "origin", origin)
	out := t.TempDir()
	// One platform keeps the build short; the stage publishes what the
	// cut made, whatever its platforms.
	res, err := release.Cut(context.Background(), release.Options{Dir: repo, Version: "v1.0.0", OutDir: out,
		Env: os.Environ(), Platforms: []release.Platform{{OS: "linux", Arch: "amd64"}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := githubtest.New(t)
	r := actiontest.New(t, map[string]string{"version": "v1.0.0", "stage": "publish", "repo": repo, "output-dir": out, "github-token": srv.Token})
	r.Env["GITHUB_REPOSITORY"] = srv.Owner + "/" + srv.Name
	r.Env["GITHUB_API_URL"] = srv.URL
	if code := r.Run(context.Background(), run); code != 0 {
		t.Fatalf("exit %d:\n%s", code, r.Log())
	}
	log := r.Log()
	if !strings.HasPrefix(log, "::add-mask::"+srv.Token+"\n") || strings.Count(log, srv.Token) != 1 {
		t.Errorf("the token is not masked first and only:\n%s", log)
	}
	if !strings.Contains(log, "published v1.0.0 to octo-org/hello-world: 7 assets verified at "+res.Commit+"; moved: v1, v1.0") {
		t.Errorf("log:\n%s", log)
	}
	if got := git(t, origin, "rev-parse", "v1.0.0^{commit}"); got != res.Commit {
		t.Errorf("origin's v1.0.0 is %s, want %s", got, res.Commit)
	}
	srv.Lock()
	defer srv.Unlock()
	if len(srv.Releases) != 1 || len(srv.Releases[0].Assets) != 7 || srv.Refs["tags/v1"] != res.Commit || srv.Refs["tags/v1.0"] != res.Commit {
		t.Errorf("releases %+v, refs %v", srv.Releases, srv.Refs)
	}
}

// TestPublishRefused: a token without contents: write is named as the
// input at fault, with the permission to grant, and nothing is released.
func TestPublishRefused(t *testing.T) {
	repo := fakeSuite(t)
	origin := t.TempDir()
	git(t, origin, "init", "-q", "--bare")
	git(t, repo, "remote", "add", "origin", origin)
	out := t.TempDir()
	if _, err := release.Cut(context.Background(), release.Options{Dir: repo, Version: "v1.0.0", OutDir: out,
		Env: os.Environ(), Platforms: []release.Platform{{OS: "linux", Arch: "amd64"}}}); err != nil {
		t.Fatal(err)
	}
	srv := githubtest.New(t)
	srv.ReadOnly = true
	r := actiontest.New(t, map[string]string{"version": "v1.0.0", "stage": "publish", "repo": repo, "output-dir": out, "github-token": srv.Token})
	r.Env["GITHUB_REPOSITORY"] = srv.Owner + "/" + srv.Name
	r.Env["GITHUB_API_URL"] = srv.URL
	want := `::error::input "github-token": creating the release v1.0.0: create the release: GitHub refused (Resource not accessible by integration): the workflow or job must grant ` + "`contents: write`"
	if code := r.Run(context.Background(), run); code != 1 || !strings.Contains(r.Log(), want) {
		t.Errorf("exit %d, want 1 and %q:\n%s", code, want, r.Log())
	}
	srv.Lock()
	defer srv.Unlock()
	if len(srv.Releases) != 0 || len(srv.Refs) != 0 {
		t.Errorf("releases %+v, refs %v", srv.Releases, srv.Refs)
	}
}
