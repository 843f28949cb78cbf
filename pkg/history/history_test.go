package history

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

type repo struct {
	t   testing.TB
	git string
	dir string
}

func newRepo(t testing.TB) *repo {
	r := &repo{t: t, git: testenv.LookPath(t, "git"), dir: t.TempDir()}
	r.run("", "init", "-q", "-b", "main")
	return r
}

// run runs git with every date set to date (git's date syntax).
func (r *repo) run(date string, args ...string) string {
	r.t.Helper()
	if date == "" {
		date = "2024-01-01T00:00:00Z"
	}
	cmd := exec.Command(r.git, args...)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=A", "GIT_AUTHOR_EMAIL=a@example.com", "GIT_COMMITTER_NAME=C", "GIT_COMMITTER_EMAIL=c@example.com",
		"GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date)
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func (r *repo) commit(msg, date string) string {
	r.run(date, "commit", "-q", "--allow-empty", "-m", msg)
	return r.run("", "rev-parse", "HEAD")
}

func TestTags(t *testing.T) {
	r := newRepo(t)
	c1 := r.commit("one", "2024-01-01T10:00:00+05:30")
	r.run("2024-01-02T09:00:00-08:00", "tag", "-a", "-m", "annotated", "v1", c1)
	r.run("", "tag", "v1-light", c1)
	r.run("2024-01-03T00:00:00Z", "tag", "-a", "-m", "tag of a tag", "v1-outer", "v1")
	tree := r.run("", "rev-parse", "HEAD^{tree}")
	r.run("", "tag", "v-tree", tree)

	h, err := Open(r.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	list, err := h.Tags(nil)
	if err != nil {
		t.Fatal(err)
	}
	tags := list.Peeled
	got := map[string]string{}
	for _, tg := range tags {
		got[tg.Name] = fmt.Sprintf("%s annotated=%v tagger=%s", short(tg.Commit), tg.Annotated, tg.Tagger.Format(time.RFC3339))
	}
	// The outer tag's date is the one kept: it is the tag that was pushed.
	want := map[string]string{
		"v1":       c1[:7] + " annotated=true tagger=2024-01-02T17:00:00Z",
		"v1-light": c1[:7] + " annotated=false tagger=0001-01-01T00:00:00Z",
		"v1-outer": c1[:7] + " annotated=true tagger=2024-01-03T00:00:00Z",
		"v-tree":   "0000000 annotated=false tagger=0001-01-01T00:00:00Z",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("tags\n got %v\nwant %v", got, want)
	}
	if names := fmt.Sprint(tagNames(tags)); names != "[v-tree v1 v1-light v1-outer]" || fmt.Sprint(list.Names) != names {
		t.Errorf("order %s, names %v, want both sorted by name", names, list.Names)
	}
	if len(list.Warnings) != 0 {
		t.Errorf("warnings %v", list.Warnings)
	}
}

func short(h Hash) string { return h.String()[:7] }

func tagNames(tags []Tag) []string {
	var n []string
	for _, t := range tags {
		n = append(n, t.Name)
	}
	return n
}

// Load must see what git sees, whichever way the objects are stored:
// loose, packed whole, packed as deltas, with a commit-graph file, and
// with commits newer than the commit-graph file.
func TestLoadMatchesGit(t *testing.T) {
	defer func(n int) { parallelMin = n }(parallelMin)
	parallelMin = 2 // several workers even for this small history
	r := newRepo(t)
	body := strings.Repeat("a long body line that repeats, so that pack-objects stores deltas\n", 40)
	r.commit("one\n\n"+body, "2024-01-01T10:00:00+05:30")
	r.run("", "checkout", "-q", "-b", "topic")
	for k := 0; k < 5; k++ {
		r.commit(fmt.Sprintf("topic %d\n\n%s", k, body), fmt.Sprintf("2024-01-02T%02d:00:00-08:00", k))
	}
	r.run("", "checkout", "-q", "main")
	r.commit("two", "2024-01-03T00:00:00Z")
	r.run("2024-01-04T00:00:00Z", "merge", "-q", "--no-ff", "-m", "Merge topic\n\nHotfix: true", "topic")
	check := func(stage string) {
		t.Helper()
		assertSameAsGit(t, r, stage)
	}
	check("loose")
	r.run("", "repack", "-adfq", "--window=50", "--depth=10")
	if out := r.run("", "verify-pack", "-v", packIdx(t, r)); !strings.Contains(out, "commit") || !deltaCommit(out) {
		t.Fatalf("the repack stored no commit as a delta, so the delta path is untested:\n%s", out)
	}
	check("packed with deltas")
	r.run("", "commit-graph", "write", "--reachable")
	check("commit-graph")
	r.commit("after the graph", "2024-01-05T00:00:00Z")
	check("commit-graph and newer loose commits")
}

func packIdx(t testing.TB, r *repo) string {
	m, _ := filepath.Glob(r.dir + "/.git/objects/pack/*.idx")
	if len(m) != 1 {
		t.Fatalf("packs %v, want one", m)
	}
	return m[0]
}

func deltaCommit(verify string) bool {
	for _, l := range strings.Split(verify, "\n") {
		if f := strings.Fields(l); len(f) == 7 && f[1] == "commit" {
			return true // hash type size packed offset depth base
		}
	}
	return false
}

// assertSameAsGit compares Load from HEAD with git log --all and each
// message with git cat-file.
func assertSameAsGit(t *testing.T, r *repo, stage string) {
	t.Helper()
	h, err := Open(r.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	head, branch, err := h.Head()
	if err != nil || branch != "main" {
		t.Fatalf("%s: head %s %q %v", stage, head, branch, err)
	}
	g, err := h.Load(context.Background(), []Hash{head}, nil)
	if err != nil {
		t.Fatalf("%s: %v", stage, err)
	}
	var got []string
	for _, c := range g.Commits {
		var ps []string
		for _, p := range c.Parents {
			ps = append(ps, g.Commits[p].Hash.String())
		}
		got = append(got, fmt.Sprintf("%s %s %d %d", c.Hash, strings.Join(ps, " "), c.AuthorTime, c.CommitterTime))
		raw := r.run("", "cat-file", "commit", c.Hash.String())
		if _, msg, _ := strings.Cut(raw, "\n\n"); strings.TrimSpace(msg) != strings.TrimSpace(c.Message) {
			t.Errorf("%s: message of %s\n got %q\nwant %q", stage, c.Hash, c.Message, msg)
		}
	}
	want := strings.Split(r.run("", "log", "--all", "--format=%H %P %at %ct"), "\n")
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got %s\nwant %s", stage, strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
	if stage == "commit-graph" && !h.HasCommitGraph() {
		t.Errorf("commit-graph file not found")
	}
}

func TestShallowList(t *testing.T) {
	src := newRepo(t)
	for k := 0; k < 4; k++ {
		src.commit(fmt.Sprint(k), fmt.Sprintf("2024-01-0%dT00:00:00Z", k+1))
	}
	clone := &repo{t: t, git: src.git, dir: t.TempDir()}
	clone.run("", "clone", "-q", "--depth", "2", "file://"+src.dir, clone.dir)
	h, err := Open(clone.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	cut, err := h.Shallow()
	if err != nil || len(cut) != 1 {
		t.Fatalf("shallow %v %v, want one boundary commit", cut, err)
	}
	head, _, _ := h.Head()
	g, err := h.Load(context.Background(), []Hash{head}, cut)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Commits) != 2 || len(g.FirstParents(0)) != 2 {
		t.Fatalf("%d commits, first-parent chain %v; want 2 and 2", len(g.Commits), g.FirstParents(0))
	}
}
