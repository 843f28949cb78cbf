package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// rejected checks what every refused run must show: exit 1, an ::error::
// annotation holding each of want, no output set, output-dir not created.
func rejected(t *testing.T, r *runner, out string, want ...string) {
	t.Helper()
	if code := r.run(); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	got := r.Stdout.String()
	for _, w := range append([]string{"::error::"}, want...) {
		if !strings.Contains(got, w) {
			t.Errorf("error lacks %q:\n%s", w, got)
		}
	}
	if data, _ := os.ReadFile(r.Env["GITHUB_OUTPUT"]); len(data) != 0 {
		t.Errorf("outputs set despite the error: %s", data)
	}
	if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
		t.Errorf("a refused run still created %s (%v)", out, err)
	}
}

// checkout is a clone of the scenario the way actions/checkout leaves it
// on a tag event with fetch-depth: 0: HEAD detached at the tag's commit,
// the branches only as origin's remote-tracking branches.
func checkout(t *testing.T, tag string) string {
	g := scenario(t)
	dir := filepath.Join(t.TempDir(), "checkout")
	g.run("", "clone", "-q", "file://"+g.dir, dir)
	c := &gitRepo{t: t, git: g.git, dir: dir}
	c.run("", "checkout", "-q", "--detach", tag)
	c.run("", "branch", "-q", "-D", "main")
	if refs := c.run("", "for-each-ref", "--format=%(refname)", "refs/heads"); refs != "" {
		t.Fatalf("local branches left: %s", refs)
	}
	return dir
}

// A detached HEAD, as on a tag event: tags mode measures it (until is the
// tag's date, 2024-01-09T08:00Z, so all five releases count, with the
// lead times of the author-time case); branch mode without a branch input
// fails naming the input, and with one reads origin's branch.
func TestDetachedHead(t *testing.T) {
	dir := checkout(t, "v1.3.1-hotfix")
	out := filepath.Join(t.TempDir(), "out")
	r := newRunner(t, map[string]string{"repo": dir, "output-dir": out})
	if code := r.run(); code != 0 {
		t.Fatalf("tags mode: exit %d\n%s", code, r.Stdout.String())
	}
	outs := r.Outputs(t)
	if outs["deployments"] != "5" || outs["lead-time-median-seconds"] != "72000" {
		t.Errorf("tags mode: deployments %q, lead time median %q; want 5 and 72000", outs["deployments"], outs["lead-time-median-seconds"])
	}
	rep := decodeReport(t, readFiles(t, out, "dora.json")["dora.json"])
	if rep.Branch != "" || rep.Window.End.Format("2006-01-02T15:04:05Z") != "2024-01-09T08:00:00Z" {
		t.Errorf("tags mode: branch %q, window end %s; want none and the tag's date", rep.Branch, rep.Window.End)
	}

	out = filepath.Join(t.TempDir(), "out")
	r = newRunner(t, map[string]string{"repo": dir, "output-dir": out, "deployments": "branch"})
	rejected(t, r, out, `input "branch"`, "HEAD is detached", "accepted: a branch name")

	r = newRunner(t, map[string]string{"repo": dir, "output-dir": out, "deployments": "branch", "branch": "main"})
	if code := r.run(); code != 0 {
		t.Fatalf("branch mode with branch main: exit %d\n%s", code, r.Stdout.String())
	}
	// origin/main's 8 first-parent commits but the docs commit, which is
	// after the window's end (the tag's date): 7.
	if got := r.Outputs(t)["deployments"]; got != "7" {
		t.Errorf("branch mode with branch main: deployments %q, want 7", got)
	}
}

// A repository without a commit has no history: the error names the
// input and says so.
func TestEmptyRepository(t *testing.T) {
	g := newGitRepo(t)
	out := filepath.Join(t.TempDir(), "out")
	r := newRunner(t, map[string]string{"repo": g.dir, "output-dir": out})
	rejected(t, r, out, `input "repo"`, "without commits has no history to measure")
}

// An output-dir that cannot be made (a file is in the way; as root,
// permissions would not stop it) fails naming the input, sets no output
// and writes nothing.
func TestUnwritableOutputDir(t *testing.T) {
	g := scenario(t)
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("in the way\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(file, "out")
	r := newRunner(t, map[string]string{"repo": g.dir, "output-dir": out})
	rejected(t, r, out, `input "output-dir"`, out, "not a directory")
	if data, err := os.ReadFile(file); err != nil || string(data) != "in the way\n" {
		t.Errorf("the file in the way changed: %q %v", data, err)
	}
}
