package dora

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// t0 is a Monday, so week boundaries in the expectations are easy to see.
var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// at is t0 plus h hours, in git's ISO 8601 date syntax.
func at(h float64) string {
	return t0.Add(time.Duration(h * float64(time.Hour))).Format(time.RFC3339)
}

// gitRepo builds a repository with the git CLI, setting every date.
type gitRepo struct {
	t   *testing.T
	git string
	dir string
	n   int
	// names are deployment names only known once built (branch mode
	// names deployments by commit); a wanted name "@x" is names["x"].
	names map[string]string
}

func newGitRepo(t *testing.T) *gitRepo {
	t.Helper()
	r := &gitRepo{t: t, git: testenv.LookPath(t, "git"), dir: t.TempDir(), names: map[string]string{}}
	r.run(nil, "init", "-q", "-b", "main")
	return r
}

func (r *gitRepo) run(env []string, args ...string) string {
	r.t.Helper()
	cmd := exec.Command(r.git, args...)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(),
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=A U Thor", "GIT_AUTHOR_EMAIL=author@example.com",
		"GIT_COMMITTER_NAME=C O Mitter", "GIT_COMMITTER_EMAIL=committer@example.com",
		"GIT_AUTHOR_DATE="+at(0), "GIT_COMMITTER_DATE="+at(0))
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func dates(author, committer string) []string {
	return []string{"GIT_AUTHOR_DATE=" + author, "GIT_COMMITTER_DATE=" + committer}
}

// commit writes a new file (so that git revert has something to undo) and
// commits it with the message, authored and committed at the given dates.
func (r *gitRepo) commitAt(msg, author, committer string, extra ...string) string {
	r.t.Helper()
	r.n++
	name := "f" + strconv.Itoa(r.n)
	if err := os.WriteFile(filepath.Join(r.dir, name), []byte(msg+"\n"), 0o644); err != nil {
		r.t.Fatal(err)
	}
	r.run(nil, "add", name)
	r.run(dates(author, committer), append([]string{"commit", "-q", "-m", msg}, extra...)...)
	return r.run(nil, "rev-parse", "HEAD")
}

// commit is commitAt with the same author and committer time, t0+h hours.
func (r *gitRepo) commit(msg string, h float64) string {
	return r.commitAt(msg, at(h), at(h))
}

// annotated tags HEAD (or rev) with a tagger date of t0+h hours.
func (r *gitRepo) annotated(name, rev string, h float64) {
	r.run(dates(at(h), at(h)), "tag", "-a", "-m", "release "+name, name, rev)
}

func (r *gitRepo) lightweight(name, rev string) { r.run(nil, "tag", name, rev) }

func (r *gitRepo) revert(sha string, h float64) string {
	r.run(dates(at(h), at(h)), "revert", "--no-edit", sha)
	return r.run(nil, "rev-parse", "HEAD")
}

func (r *gitRepo) merge(branch, msg string, h float64) string {
	r.run(dates(at(h), at(h)), "merge", "-q", "--no-ff", "-m", msg, branch)
	return r.run(nil, "rev-parse", "HEAD")
}

// annotatedAt tags rev with a tagger date given as text (with its zone).
func (r *gitRepo) annotatedAt(name, rev, date string) {
	r.run(dates(date, date), "tag", "-a", "-m", "release "+name, name, rev)
}
