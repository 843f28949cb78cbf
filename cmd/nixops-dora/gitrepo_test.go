package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// gitRepo builds a repository with the real git CLI, every date set by
// the test, untouched by the machine's git configuration.
type gitRepo struct {
	t   *testing.T
	git string
	dir string
	n   int
}

func newGitRepo(t *testing.T) *gitRepo {
	t.Helper()
	g := &gitRepo{t: t, git: testenv.LookPath(t, "git"), dir: filepath.Join(t.TempDir(), "repo")}
	if err := os.MkdirAll(g.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	g.run("", "init", "-q", "-b", "main")
	return g
}

// run runs git in the repository; date, when set, is both the author and
// committer date (the tagger date for git tag).
func (g *gitRepo) run(date string, args ...string) string {
	g.t.Helper()
	return g.runDates(date, date, args...)
}

func (g *gitRepo) runDates(author, committer string, args ...string) string {
	g.t.Helper()
	cmd := exec.Command(g.git, append([]string{"-c", "user.name=Dora Test", "-c", "user.email=dora@example.com", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"}, args...)...)
	cmd.Dir = g.dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_DATE="+author, "GIT_COMMITTER_DATE="+committer)
	out, err := cmd.CombinedOutput()
	if err != nil {
		g.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// commit changes a file of its own and commits it with the given author
// and committer dates (RFC 3339, any zone), returning the commit's hash.
func (g *gitRepo) commit(msg, author, committer string) string {
	g.t.Helper()
	g.n++
	name := filepath.Join(g.dir, fmt.Sprintf("change-%d.txt", g.n))
	if err := os.WriteFile(name, []byte(msg+"\n"), 0o644); err != nil {
		g.t.Fatal(err)
	}
	g.run("", "add", "-A")
	g.runDates(author, committer, "commit", "-q", "-m", msg)
	return g.run("", "rev-parse", "HEAD")
}

// revert reverts commit with git revert, whose message says "This reverts
// commit <sha>.".
func (g *gitRepo) revert(commit, date string) string {
	g.t.Helper()
	g.run(date, "revert", "--no-edit", commit)
	return g.run("", "rev-parse", "HEAD")
}

// tag tags HEAD: annotated with tagger date date, or lightweight when date
// is empty.
func (g *gitRepo) tag(name, date string) {
	g.t.Helper()
	if date == "" {
		g.run("", "tag", name)
		return
	}
	g.run(date, "tag", "-a", "-m", "release "+name, name)
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// hashObject writes a raw object with git hash-object --literally, which
// skips the checks git commit and git tag make, as a broken tool may have.
func (g *gitRepo) hashObject(typ, text string) string {
	g.t.Helper()
	cmd := exec.Command(g.git, "hash-object", "--literally", "-w", "-t", typ, "--stdin")
	cmd.Dir = g.dir
	cmd.Stdin = strings.NewReader(text)
	out, err := cmd.Output()
	if err != nil {
		g.t.Fatalf("git hash-object: %v", err)
	}
	return strings.TrimSpace(string(out))
}
