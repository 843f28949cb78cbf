package history

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"strings"
	"testing"
)

// object writes a raw object with git hash-object --literally, which skips
// the checks git commit and git tag would make, as an old or broken tool
// (or a hand-edited import) may have.
func (r *repo) object(typ, text string) string {
	r.t.Helper()
	cmd := exec.Command(r.git, "hash-object", "--literally", "-w", "-t", typ, "--stdin")
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	cmd.Stdin = strings.NewReader(text)
	out, err := cmd.Output()
	if err != nil {
		r.t.Fatalf("git hash-object %s: %v", typ, err)
	}
	return strings.TrimSpace(string(out))
}

// commitObject writes a commit on parent with the given author and
// committer lines and makes it main's tip.
func (r *repo) commitObject(parent, author, committer, msg string) string {
	r.t.Helper()
	tree := r.run("", "rev-parse", parent+"^{tree}")
	h := r.object("commit", fmt.Sprintf("tree %s\nparent %s\n%s\n%s\n\n%s\n", tree, parent, author, committer, msg))
	r.run("", "update-ref", "refs/heads/main", h)
	return h
}

// A commit whose author or committer line has no readable date is read
// with the other date standing in, or undated when neither can be read,
// and a warning names it; loose, packed and through the commit-graph alike.
func TestUnreadableCommitDates(t *testing.T) {
	r := newRepo(t)
	base := r.commit("base", "2024-01-01T00:00:00Z")
	good := "author A <a@example.com> 1704067200 +0000"
	goodC := "committer C <c@example.com> 1704070800 +0000"
	badAuthor := r.commitObject(base, "author A <a@example.com> yesterday +0000", goodC, "bad author")
	badCommitter := r.commitObject(badAuthor, good, "committer C <c@example.com>", "bad committer")
	noDates := r.commitObject(badCommitter, "author A without email", "committer", "no dates")
	noAuthor := r.commitObject(noDates, goodC, goodC, "two committer lines")
	want := map[string]string{
		base:         "1704067200 1704067200 false",
		badAuthor:    "1704070800 1704070800 false",
		badCommitter: "1704067200 1704067200 false",
		noDates:      "0 0 true",
		noAuthor:     "1704070800 1704070800 false",
	}
	wantWarn := []string{
		"commit " + noAuthor + `: unreadable signature: no author line: its committer time stands in`,
		"commit " + noDates + `: unreadable signature: author "A without email"; unreadable signature: committer "": the commit is left out of lead times`,
		"commit " + badCommitter + `: unreadable signature: committer without a date "C <c@example.com>": its author time stands in`,
		"commit " + badAuthor + `: unreadable signature: author date "yesterday": its committer time stands in`,
	}
	check := func(stage string) {
		t.Helper()
		h, err := Open(r.dir)
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		head, _, _ := h.Head()
		g, err := h.Load(context.Background(), []Hash{head}, nil)
		if err != nil {
			t.Fatalf("%s: %v", stage, err)
		}
		got := map[string]string{}
		for _, c := range g.Commits {
			got[c.Hash.String()] = fmt.Sprintf("%d %d %v", c.AuthorTime, c.CommitterTime, c.Undated)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: commits\n got %v\nwant %v", stage, got, want)
		}
		var warns []string
		for _, w := range g.Warnings {
			if !errors.Is(w.Err, ErrBadSignature) {
				t.Errorf("%s: warning %v does not wrap ErrBadSignature", stage, w)
			}
			warns = append(warns, w.String())
		}
		if strings.Join(warns, "\n") != strings.Join(wantWarn, "\n") {
			t.Errorf("%s: warnings\n got %s\nwant %s", stage, strings.Join(warns, "\n     "), strings.Join(wantWarn, "\n     "))
		}
	}
	check("loose")
	r.run("", "repack", "-adfq")
	r.run("", "commit-graph", "write", "--reachable")
	check("packed, commit-graph")
}

// Only tags matching the caller's pattern are read: a broken tag outside
// it cannot fail the run. A matching tag whose tagger date cannot be read
// is kept, without a date, and a warning names its object.
func TestTagsPeelOnlyMatching(t *testing.T) {
	r := newRepo(t)
	c := r.commit("one", "2024-01-01T00:00:00Z")
	r.run("2024-01-02T00:00:00Z", "tag", "-a", "-m", "release", "v1", c)
	broken := r.object("tag", "object nonsense\ntype commit\ntag old\ntagger T <t@example.com> 1 +0000\n\nold\n")
	// git update-ref refuses a ref to an object it cannot parse.
	if err := os.WriteFile(r.dir+"/.git/refs/tags/old-broken", []byte(broken+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	undated := r.object("tag", fmt.Sprintf("object %s\ntype commit\ntag v2\ntagger T <t@example.com> soon +0000\n\nv2\n", c))
	r.run("", "update-ref", "refs/tags/v2", undated)

	h, err := Open(r.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	list, err := h.Tags(func(name string) bool { ok, _ := path.Match("v*", name); return ok })
	if err != nil {
		t.Fatalf("a tag outside the pattern failed the listing: %v", err)
	}
	if got := fmt.Sprint(list.Names); got != "[old-broken v1 v2]" {
		t.Errorf("names %s, want every tag", got)
	}
	var got []string
	for _, tg := range list.Peeled {
		got = append(got, fmt.Sprintf("%s %s %v %v", tg.Name, short(tg.Commit), tg.Annotated, tg.Tagger.IsZero()))
	}
	if want := []string{"v1 " + c[:7] + " true false", "v2 " + c[:7] + " true true"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("peeled %v, want %v", got, want)
	}
	if len(list.Warnings) != 1 || list.Warnings[0].String() != "tag v2 (object "+undated+`): unreadable signature: tagger date "soon": it is deployed at its commit's committer time` {
		t.Errorf("warnings %v, want one naming v2's object", list.Warnings)
	}

	_, err = h.Tags(nil)
	if err == nil || !strings.Contains(err.Error(), "tag old-broken (object "+broken+`): malformed tag object: object "nonsense"`) {
		t.Errorf("every tag: error %v, want one naming old-broken", err)
	}
}
