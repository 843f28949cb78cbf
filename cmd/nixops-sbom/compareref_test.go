package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/gitrepo"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// flakeRepo is the example flake in a git repository of two commits, the
// second moving libgreet from 2.0.1 to 2.1.0, and a store of its own.
type flakeRepo struct {
	*gitrepo.Repo
	dir, uri string
	oldSBOM  string // the buildtime SBOM of the first commit, by the step
}

func nixBuild(t *testing.T, uri, installable string) {
	t.Helper()
	cmd := exec.Command("nix", "--extra-experimental-features", "nix-command flakes", "build", "--store", uri, "--no-link", installable)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nix build: %v\n%s", err, out)
	}
}

// newFlakeRepo makes the repository; build builds #default at each
// commit, so that both runtime closures are in the store.
func newFlakeRepo(t *testing.T, build bool) flakeRepo {
	t.Helper()
	testenv.LookPath(t, "nix")
	src, err := filepath.Abs("../../pkg/closure/testdata/flake")
	if err != nil {
		t.Fatal(err)
	}
	r := flakeRepo{Repo: gitrepo.New(t)}
	r.dir = r.Dir
	if err := os.CopyFS(r.dir, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	st := t.TempDir()
	r.uri = "local?store=" + st + "/store&state=" + st + "/var&log=" + st + "/log"
	r.Commit("libgreet 2.0.1")
	if build {
		nixBuild(t, r.uri, "path:"+r.dir+"#default")
	}
	old := newRunner(t, map[string]string{"target": "path:" + r.dir + "#default", "nix-store": r.uri, "closure": "buildtime",
		"output-dir": t.TempDir(), "format": "cyclonedx-json", "embedded": "false"})
	if code := old.run(); code != 0 {
		t.Fatalf("exit %d\n%s", code, old.Log())
	}
	r.oldSBOM = old.Outputs(t)["cyclonedx-json"]
	file := filepath.Join(r.dir, "flake.nix")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range flakeEdits[:2] { // the version of libgreet
		if !strings.Contains(string(data), e.old) {
			t.Fatalf("flake.nix no longer holds %q: update flakeEdits", e.old)
		}
		data = []byte(strings.Replace(string(data), e.old, e.new, 1))
	}
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	r.Commit("libgreet 2.1.0")
	if build {
		nixBuild(t, r.uri, "path:"+r.dir+"#default")
	}
	return r
}

// The installables say path:, as the other tests' do: Nix 2.8 caches a git
// flake's source by commit in ~/.cache/nix, across stores, so a second
// test's store would be told of a source that only the first one has.

// step is the step on #default of the repository's head.
func (r flakeRepo) step(t *testing.T, inputs map[string]string) *runner {
	in := map[string]string{"target": "path:" + r.dir + "#default", "nix-store": r.uri, "output-dir": t.TempDir(),
		"format": "cyclonedx-json", "embedded": "false"}
	for k, v := range inputs {
		in[k] = v
	}
	return newRunner(t, in)
}

// checkNoWorktree: the temporary checkout is gone, from disk and from git.
func (r flakeRepo) checkNoWorktree(t *testing.T) {
	t.Helper()
	if list := r.Git("worktree", "list", "--porcelain"); strings.Count(list, "worktree ") != 1 {
		t.Errorf("worktrees left:\n%s", list)
	}
	left, _ := filepath.Glob(filepath.Join(os.TempDir(), "nixops-worktree-*", "tree"))
	for _, l := range left {
		if _, err := os.Stat(filepath.Join(l, "flake.nix")); err == nil {
			t.Errorf("a checkout is left at %s", l)
		}
	}
}

// diffPart is the summary's closure diff after the line naming what it is
// against, which differs between a file and a ref.
func diffPart(t *testing.T, sum string) string {
	t.Helper()
	_, after, ok := strings.Cut(sum, "### Closure diff of")
	if !ok {
		t.Fatalf("no closure diff in the summary:\n%s", sum)
	}
	_, rest, _ := strings.Cut(after, "\n\nAgainst ")
	_, rest, _ = strings.Cut(rest, "\n")
	return rest
}

// TestCompareToRefBuildtime: HEAD~1 read in a worktree gives exactly the
// diff that the first commit's SBOM file gives, libgreet's versions in it,
// and leaves no worktree behind.
func TestCompareToRefBuildtime(t *testing.T) {
	r := newFlakeRepo(t, false)
	byRef := r.step(t, map[string]string{"closure": "buildtime", "compare-to": "HEAD~1"})
	byFile := r.step(t, map[string]string{"closure": "buildtime", "compare-to": r.oldSBOM})
	for _, s := range []*runner{byRef, byFile} {
		if code := s.run(); code != 0 {
			t.Fatalf("exit %d\n%s", code, s.Log())
		}
	}
	got, want := byRef.Outputs(t), byFile.Outputs(t)
	for _, o := range compareOutputs {
		if got[o.name] != want[o.name] {
			t.Errorf("output %s = %q by ref, %q by file", o.name, got[o.name], want[o.name])
		}
	}
	sum := byRef.File(t, "GITHUB_STEP_SUMMARY")
	sha := r.Git("rev-parse", "HEAD~1")
	if !strings.Contains(sum, "Against `HEAD~1` (commit `"+sha[:12]+"`), evaluated in a temporary worktree.\n") {
		t.Errorf("the summary does not name the ref and commit:\n%s", sum)
	}
	if got["packages-changed"] != "2" || !strings.Contains(sum, "| `libgreet` | nix (lib) | `2.0.1` | `2.1.0` |") ||
		!strings.Contains(sum, "| `libgreet` | nix (dev) | `2.0.1` | `2.1.0` |") {
		t.Errorf("libgreet's versions are not in the diff:\n%s", sum)
	}
	if a, b := diffPart(t, sum), diffPart(t, byFile.File(t, "GITHUB_STEP_SUMMARY")); a != b {
		t.Errorf("the diff by ref:\n%s\ndiffers from the diff by file:\n%s", a, b)
	}
	r.checkNoWorktree(t)
}

// TestCompareToRefRuntime: a runtime closure needs the base's outputs in
// the store. Unbuilt, the step says so and suggests buildtime, writing
// nothing; built, it diffs.
func TestCompareToRefRuntime(t *testing.T) {
	t.Run("unbuilt", func(t *testing.T) {
		r := newFlakeRepo(t, false)
		nixBuild(t, r.uri, "path:"+r.dir+"#default") // the head only
		out := t.TempDir()
		s := r.step(t, map[string]string{"compare-to": "HEAD~1", "output-dir": out})
		if code := s.run(); code != 1 {
			t.Fatalf("exit %d, want 1\n%s", code, s.Log())
		}
		msg := s.Stdout.String()
		for _, want := range []string{`input "compare-to": "HEAD~1"`, "is not in the store", "closure: buildtime", "SBOM artifact"} {
			if !strings.Contains(msg, want) {
				t.Errorf("the error lacks %q:\n%s", want, msg)
			}
		}
		checkNothingWritten(t, s, out)
		r.checkNoWorktree(t)
	})
	t.Run("built", func(t *testing.T) {
		r := newFlakeRepo(t, true)
		s := r.step(t, map[string]string{"compare-to": "HEAD~1"})
		if code := s.run(); code != 0 {
			t.Fatalf("exit %d\n%s", code, s.Log())
		}
		sum := s.File(t, "GITHUB_STEP_SUMMARY")
		if !strings.Contains(sum, "(runtime closure)") || !strings.Contains(sum, "| `libgreet` | nix (lib) | `2.0.1` | `2.1.0` |") {
			t.Errorf("no runtime diff with libgreet's versions:\n%s", sum)
		}
		if strings.Contains(sum, "nix (dev)") {
			t.Errorf("libgreet's dev output is not in the runtime closure:\n%s", sum)
		}
		r.checkNoWorktree(t)
	})
}

// checkNothingWritten: a refused run leaves no documents and no outputs.
func checkNothingWritten(t *testing.T, s *runner, out string) {
	t.Helper()
	if ents, _ := os.ReadDir(out); len(ents) != 0 {
		t.Errorf("output-dir holds %d files", len(ents))
	}
	if o := s.File(t, "GITHUB_OUTPUT"); o != "" {
		t.Errorf("outputs written: %q", o)
	}
}

// TestCompareToRefRefused: a ref git does not know, and a ref with a
// target that has no history, are errors naming compare-to before any
// Nix work.
func TestCompareToRefRefused(t *testing.T) {
	r := newFlakeRepo(t, true)
	head := r.Git("rev-parse", "HEAD")
	path := strings.TrimSpace(testenv.Run(t, "nix", "--extra-experimental-features", "nix-command flakes",
		"path-info", "--store", r.uri, "path:"+r.dir+"#default"))
	for name, c := range map[string]struct{ target, ref, want string }{
		"unknown ref":       {"path:" + r.dir + "#default", "origin/main", "fetch-depth: 0"},
		"store path target": {path, head, "a git ref needs the target to be a flake in a local git checkout"},
	} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			s := newRunner(t, map[string]string{"target": c.target, "nix-store": r.uri, "compare-to": c.ref, "output-dir": out})
			if code := s.run(); code != 1 {
				t.Fatalf("exit %d, want 1\n%s", code, s.Log())
			}
			msg := s.Stdout.String()
			if !strings.Contains(msg, `input "compare-to": "`+c.ref+`"`) || !strings.Contains(msg, c.want) ||
				!strings.Contains(msg, "or a git ref of the target flake's repository") {
				t.Errorf("want compare-to named with %q and both forms:\n%s", c.want, msg)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("output-dir exists: %v", err)
			}
			if o := s.File(t, "GITHUB_OUTPUT"); o != "" {
				t.Errorf("outputs written: %q", o)
			}
		})
	}
	r.checkNoWorktree(t)
}
