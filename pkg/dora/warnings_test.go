package dora

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// rawObject writes an object with git hash-object --literally, skipping
// the checks of git commit and git tag, as a broken tool may have.
func (r *gitRepo) rawObject(typ, text string) string {
	r.t.Helper()
	cmd := exec.Command(r.git, "hash-object", "--literally", "-w", "-t", typ, "--stdin")
	cmd.Dir = r.dir
	cmd.Stdin = strings.NewReader(text)
	out, err := cmd.Output()
	if err != nil {
		r.t.Fatalf("git hash-object: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// rawCommit writes a commit on main with the given author and committer
// lines and makes it main's tip.
func (r *gitRepo) rawCommit(author, committer, msg string) string {
	r.t.Helper()
	parent := r.run(nil, "rev-parse", "HEAD")
	tree := r.run(nil, "rev-parse", "HEAD^{tree}")
	h := r.rawObject("commit", fmt.Sprintf("tree %s\nparent %s\n%s\n%s\n\n%s\n", tree, parent, author, committer, msg))
	r.run(nil, "update-ref", "refs/heads/main", h)
	return h
}

// A malformed tag outside tag-pattern, a release tag with an unreadable
// tagger date and commits with unreadable dates do not fail the run: the
// release is deployed at its commit's committer time, a commit with one
// unreadable date takes the other, one with neither is left out of lead
// time, and each is a warning naming its object, tags first.
//
//	c1     t0
//	cU     no readable date
//	c2     author unreadable, committer t0+2h; v1 (tagger unreadable)
//
// v1 is deployed at t0+2h with c1, cU, c2; lead times c1 2h and c2 0 (its
// committer time): median 1h.
func TestUnreadableDates(t *testing.T) {
	r := newGitRepo(t)
	r.commit("one", 0)
	cU := r.rawCommit("author A <a@example.com> never +0000", "committer C <c@example.com> never +0000", "undated")
	c2 := r.rawCommit("author A <a@example.com>", fmt.Sprintf("committer C <c@example.com> %d +0000", t0.Add(2*time.Hour).Unix()), "two")
	v1 := r.rawObject("tag", fmt.Sprintf("object %s\ntype commit\ntag v1\ntagger T <t@example.com> +0000\n\nrelease\n", c2))
	r.run(nil, "update-ref", "refs/tags/v1", v1)
	broken := r.rawObject("tag", "object nonsense\ntype commit\ntag old\n\nold\n")
	if err := os.WriteFile(filepath.Join(r.dir, ".git", "refs", "tags", "old-broken"), []byte(broken+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	rep, err := Compute(context.Background(), r.dir, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Deployments) != 1 || !rep.Deployments[0].Time.Equal(t0.Add(2*time.Hour)) || rep.Deployments[0].Commits != 3 {
		t.Fatalf("deployments %+v, want v1 at %s with 3 commits", rep.Deployments, t0.Add(2*time.Hour))
	}
	eqStat(t, "lead", rep.Metrics.ChangeLeadTime.Stat, []float64{h, 2 * h, h, 2})
	var got []string
	for _, w := range rep.Warnings {
		got = append(got, w.String())
	}
	want := []string{
		"tag v1 (object " + v1 + `): unreadable signature: tagger date "+0000": it is deployed at its commit's committer time`,
		"commit " + c2 + ": unreadable signature: author without a date",
		"commit " + cU + ": unreadable signature: author date \"never\"",
	}
	if len(got) != len(want) {
		t.Fatalf("warnings\n%s\nwant %d", strings.Join(got, "\n"), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("warning %d: %q, want it to start with %q", i, got[i], want[i])
		}
	}
}

// Only a tag matching tag-pattern on HEAD moves the window's end: the
// others are not read at all. v1 (1h) on HEAD (0h) ends the window at 1h;
// docs-1 on HEAD, dated 100h, does not move it.
func TestUntilFromMatchingTagsOnly(t *testing.T) {
	r := newGitRepo(t)
	r.commit("one", 0)
	r.annotated("v1", "HEAD", 1)
	r.annotated("docs-1", "HEAD", 100)
	rep, err := Compute(context.Background(), r.dir, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Window.End.Equal(t0.Add(time.Hour)) {
		t.Errorf("window end %s, want v1's date %s", rep.Window.End, t0.Add(time.Hour))
	}
}
