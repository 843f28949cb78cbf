package release_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/release"
)

func cut(r *repo, version, out string) (*release.Result, error) {
	return release.Cut(context.Background(), release.Options{Dir: r.dir, Version: version, OutDir: out, Env: r.env})
}

func mustCut(t *testing.T, r *repo, version, out string) *release.Result {
	t.Helper()
	res, err := cut(r, version, out)
	if err != nil {
		t.Fatalf("cutting %s: %v", version, err)
	}
	return res
}

func TestCut(t *testing.T) {
	testenv.LookPath(t, "go")
	r := newRepo(t)
	out := t.TempDir()
	r.commit("hello: say it twice", "hello/NOTES.md=twice\n")
	if first := mustCut(t, r, "v0.9.0", out); first.Notes.Previous != "" || first.Notes.Commits != 2 {
		t.Errorf("first release: previous %q, %d commits; want none and 2", first.Notes.Previous, first.Notes.Commits)
	}
	r.commit("hello: say it louder", "hello/NOTES.md=LOUDER\n")
	r.commit("pkg: a helper every action uses", "pkg/helper/helper.go=package helper\n")
	r.commit("world and shared: both", "world/NOTES.md=x\n", "actions/NOTES.md=y\n")
	r.git("checkout", "-q", "-b", "topic")
	r.commit("hello, world: one change to two actions", "hello/a.txt=a\n", "world/a.txt=a\n")
	r.git("checkout", "-q", "main")
	r.commit("README: mention releases", "README.md=readme\n")
	r.git("merge", "-q", "--no-ff", "-m", "Merge branch 'topic'", "topic")
	head := r.git("rev-parse", "HEAD")
	before, err := os.ReadFile(filepath.Join(r.dir, release.ChecksumsPath))
	if err != nil {
		t.Fatal(err)
	}

	res := mustCut(t, r, "v1.0.0", out)

	// The branch, the index and the work tree are as they were.
	if got := r.git("rev-parse", "HEAD"); got != head || res.Parent != head {
		t.Errorf("HEAD %s and parent %s after the release, want %s", got, res.Parent, head)
	}
	if st := r.git("status", "--porcelain"); st != "" || r.git("symbolic-ref", "HEAD") != "refs/heads/main" {
		t.Errorf("work tree changed or HEAD detached: %q", st)
	}
	if now, _ := os.ReadFile(filepath.Join(r.dir, release.ChecksumsPath)); string(now) != string(before) {
		t.Errorf("the work tree's checksums.txt changed")
	}
	checkReleaseCommit(t, r, res, head)
	checkChecksums(t, r, res)
	checkNotes(t, r, res)
}

// checkReleaseCommit: an annotated tag on a commit on top of head whose
// only change is the checksums file.
func checkReleaseCommit(t *testing.T, r *repo, res *release.Result, head string) {
	t.Helper()
	if typ := r.git("cat-file", "-t", "refs/tags/v1.0.0"); typ != "tag" {
		t.Errorf("v1.0.0 is a %s, want an annotated tag", typ)
	}
	if c := r.git("rev-parse", "v1.0.0^{commit}"); c != res.Commit {
		t.Errorf("v1.0.0 points at %s, want the release commit %s", c, res.Commit)
	}
	if p := r.git("rev-parse", res.Commit+"^"); p != head {
		t.Errorf("the release commit's parent is %s, want %s", p, head)
	}
	if changed := r.git("diff-tree", "-r", "--name-only", head, res.Commit); changed != release.ChecksumsPath {
		t.Errorf("the release commit changes %q, want only %s", changed, release.ChecksumsPath)
	}
	if s := r.git("log", "-1", "--format=%s", res.Commit); s != "release v1.0.0" {
		t.Errorf("release commit subject %q", s)
	}
}

// checkChecksums: the committed file is the header of this repository's
// checksums.txt and then exactly the version's sha256sum lines, the same
// bytes as the file next to the assets, which sha256sum accepts.
func checkChecksums(t *testing.T, r *repo, res *release.Result) {
	t.Helper()
	committed := r.git("show", res.Commit+":"+release.ChecksumsPath) + "\n"
	local, err := os.ReadFile(res.Checksums)
	if err != nil {
		t.Fatal(err)
	}
	if string(local) != committed {
		t.Errorf("%s differs from the committed file:\n%s\n---\n%s", res.Checksums, local, committed)
	}
	header, err := os.ReadFile(filepath.Join(repoRoot, release.ChecksumsPath))
	if err != nil {
		t.Fatal(err)
	}
	entries, ok := strings.CutPrefix(committed, string(header))
	if !ok || !strings.HasPrefix(string(header), "#") {
		t.Fatalf("the committed file does not start with the header:\n%s", committed)
	}
	var want strings.Builder
	for _, bin := range []string{"nixops-hello", "nixops-world"} {
		for _, p := range [][2]string{{"darwin", "amd64"}, {"darwin", "arm64"}, {"linux", "amd64"}, {"linux", "arm64"}} {
			name := bin + "_v1.0.0_" + p[0] + "_" + p[1]
			b, err := os.ReadFile(filepath.Join(res.Dir, name))
			if err != nil {
				t.Fatal(err)
			}
			want.WriteString(sha256Hex(b) + "  " + name + "\n")
		}
	}
	if entries != want.String() {
		t.Errorf("entries:\n%s\nwant:\n%s", entries, want.String())
	}
	cmd := exec.Command(testenv.LookPath(t, "sha256sum"), "--check", "--strict", "-")
	cmd.Dir, cmd.Stdin = res.Dir, strings.NewReader(entries)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("sha256sum --check: %v\n%s", err, b)
	}
}

// checkNotes: the commits since v0.9.0, merges left out, by action.
func checkNotes(t *testing.T, r *repo, res *release.Result) {
	t.Helper()
	n := res.Notes
	if n.Previous != "v0.9.0" || n.Commits != 5 {
		t.Errorf("notes: previous %q, %d commits; want v0.9.0 and 5", n.Previous, n.Commits)
	}
	want := map[string][]string{
		"hello":  {"hello, world: one change to two actions", "hello: say it louder"},
		"world":  {"hello, world: one change to two actions", "world and shared: both"},
		"shared": {"README: mention releases", "pkg: a helper every action uses"},
	}
	var order []string
	for _, g := range n.Groups {
		order = append(order, g.Name)
		var subjects []string
		for _, c := range g.Commits {
			subjects = append(subjects, c.Subject)
		}
		slices.Sort(subjects) // commits made within a second have no order
		if !slices.Equal(subjects, want[g.Name]) {
			t.Errorf("group %s: %q, want %q", g.Name, subjects, want[g.Name])
		}
	}
	if !slices.Equal(order, []string{"hello", "world", "shared"}) {
		t.Errorf("groups %q, want hello, world, shared", order)
	}
	md, err := os.ReadFile(res.NotesFile)
	if err != nil {
		t.Fatal(err)
	}
	if string(md) != n.Markdown() || !strings.Contains(string(md), "5 commits since v0.9.0.\n\n## hello\n\n- ") {
		t.Errorf("notes.md:\n%s", md)
	}
	if msg := r.git("tag", "-l", "--format=%(contents)", "v1.0.0"); !strings.Contains(msg, "## shared\n\n- ") {
		t.Errorf("the tag's message lacks the notes:\n%s", msg)
	}
}

func TestCutRefuses(t *testing.T) {
	testenv.LookPath(t, "go")
	r := newRepo(t)
	out := t.TempDir()
	mustCut(t, r, "v1.0.0", out)
	refuse := func(name, version string, want error) error {
		t.Helper()
		tags := r.git("tag", "--list")
		_, err := cut(r, version, out)
		if !errors.Is(err, want) {
			t.Errorf("%s: error %v, want %v", name, err, want)
		}
		if now := r.git("tag", "--list"); now != tags {
			t.Errorf("%s: tags changed from %q to %q", name, tags, now)
		}
		if dirs, _ := os.ReadDir(out); len(dirs) != 1 || dirs[0].Name() != "v1.0.0" {
			t.Errorf("%s: output dir holds %v, want only v1.0.0", name, dirs)
		}
		return err
	}
	var released *release.ReleasedError
	if err := refuse("second run", "v1.0.0", release.ErrReleased); !errors.As(err, &released) || released.Where != "tag" {
		t.Errorf("second run: %v, want the tag named", err)
	}
	for _, v := range []string{"1.0.1", "v1.0", "v01.0.1", "v1.0.1+build", "v1.0.1\n"} {
		refuse("version "+v, v, release.ErrBadVersion)
	}

	writeFile(t, filepath.Join(r.dir, "scratch.txt"), "not committed\n")
	if err := refuse("untracked file", "v1.0.1", release.ErrDirtyTree); err != nil && !strings.Contains(err.Error(), "scratch.txt") {
		t.Errorf("dirty tree error does not name the file: %v", err)
	}
	os.Remove(filepath.Join(r.dir, "scratch.txt"))
	writeFile(t, filepath.Join(r.dir, "go.mod"), "module example.com/changed\n")
	refuse("modified file", "v1.0.1", release.ErrDirtyTree)
	r.git("checkout", "--", "go.mod")

	// A build that fails commits and tags nothing.
	r.commit("a binary that does not compile", "cmd/nixops-broken/main.go=package main\n\nfunc main() { undefined() }\n")
	var buildErr *release.BuildError
	if _, err := cut(r, "v1.1.0", out); !errors.As(err, &buildErr) || !strings.Contains(err.Error(), "undefined") {
		t.Errorf("broken build: %v, want a BuildError with the compiler's message", err)
	}
	if r.git("tag", "--list", "v1.1.0") != "" {
		t.Error("a failed build was tagged")
	}

	// A release commit whose tag is gone still lists its version.
	clone := &repo{t: t, dir: t.TempDir(), env: r.env}
	clone.git("clone", "-q", r.dir, ".")
	clone.git("checkout", "-q", "--detach", "v1.0.0")
	clone.git("tag", "-d", "v1.0.0")
	if _, err := cut(clone, "v1.0.0", t.TempDir()); !errors.As(err, &released) || released.Where != release.ChecksumsPath {
		t.Errorf("release commit without its tag: %v, want %s named", err, release.ChecksumsPath)
	}
}

// hostRunner returns RUNNER_OS and RUNNER_ARCH of this machine.
func hostRunner(t *testing.T) (string, string) {
	runnerOS := map[string]string{"linux": "Linux", "darwin": "macOS"}[runtime.GOOS]
	runnerArch := map[string]string{"amd64": "X64", "arm64": "ARM64"}[runtime.GOARCH]
	if runnerOS == "" || runnerArch == "" {
		t.Skipf("no release binaries for %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	return runnerOS, runnerArch
}
