package dora

import (
	"bufio"
	"fmt"
	"io"
	"os/exec"
	"testing"
)

// genSpec shapes a generated history: a main line with a tag every
// tagEvery commits, a three-commit topic branch merged with --no-ff every
// mergeEvery commits, and failures: reverts of a commit 60 back, hotfix tags,
// Hotfix: true and Fixes-deployment trailers.
type genSpec struct {
	commits    int
	tagEvery   int
	mergeEvery int
	base       int64 // Unix time of the first commit; one commit an hour
}

// generate streams a git fast-import script into a new repository at dir.
// It asks fast-import for the ids of earlier commits (get-mark) to write
// real "This reverts commit <sha>" messages.
func generate(tb testing.TB, git, dir string, spec genSpec) {
	tb.Helper()
	run(tb, git, dir, "init", "-q", "-b", "main")
	cmd := exec.Command(git, "fast-import", "--quiet", "--cat-blob-fd=1")
	cmd.Dir = dir
	in, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	g := &generator{spec: spec, w: bufio.NewWriterSize(in, 1<<20), r: bufio.NewReader(out)}
	if err := g.stream(); err != nil {
		tb.Fatal(err)
	}
	in.Close()
	if err := cmd.Wait(); err != nil {
		tb.Fatalf("git fast-import: %v", err)
	}
}

type generator struct {
	spec genSpec
	w    *bufio.Writer
	r    *bufio.Reader
	mark int
	main int // mark of main's tip
	tags int
	t    int64
}

var subjects = []string{
	"feat(api): add pagination to %s listing",
	"fix(store): close %s handle on error",
	"refactor: split %s into smaller functions",
	"docs: explain %s configuration",
	"test: cover %s edge cases",
	"chore(deps): bump %s",
	"perf: cache %s lookups",
}

var nouns = []string{"user", "closure", "sbom", "pushgateway", "history", "deployment", "tag", "report"}

func (g *generator) stream() error {
	for n := 1; g.mark < g.spec.commits; n++ {
		if err := g.step(n); err != nil {
			return err
		}
	}
	return g.w.Flush()
}

func (g *generator) step(n int) error {
	g.t = g.spec.base + int64(n)*3600
	switch {
	case n%g.spec.mergeEvery == 0 && n > 10:
		g.topicAndMerge(n)
	case n%300 == 0:
		sha, err := g.getMark(g.main - 60)
		if err != nil {
			return err
		}
		g.commit("refs/heads/main", fmt.Sprintf("Revert \"change %d\"\n\nThis reverts commit %s.\n", n-60, sha), 0)
	default:
		g.commit("refs/heads/main", g.message(n), 0)
	}
	if g.mark/g.spec.tagEvery > g.tags {
		g.tag()
	}
	return nil
}

func (g *generator) message(n int) string {
	s := fmt.Sprintf(subjects[n%len(subjects)], nouns[n%len(nouns)]) + fmt.Sprintf(" (change %d)\n", n)
	switch {
	case n%1000 == 7:
		s += "\nUrgent fix for production.\n\nHotfix: true\n"
	case n%1500 == 11 && g.tags > 2:
		s += fmt.Sprintf("\nFixes-deployment: v1.%d.0\n", g.tags-2)
	case n%3 == 0:
		s += "\nThe previous behaviour surprised users; this keeps the old\ndefault and documents the new one.\n\nSigned-off-by: A U Thor <author@example.com>\n"
	}
	return s
}

// commit writes one commit on ref changing one file; merge is the mark of
// a second parent or 0. Authors wrote the change up to an hour before it
// was committed.
func (g *generator) commit(ref, msg string, merge int) {
	g.mark++
	from := g.main
	fmt.Fprintf(g.w, "commit %s\nmark :%d\n", ref, g.mark)
	fmt.Fprintf(g.w, "author A U Thor <author@example.com> %d +0530\n", g.t-int64(g.mark%60)*60)
	fmt.Fprintf(g.w, "committer C O Mitter <committer@example.com> %d -0800\n", g.t)
	fmt.Fprintf(g.w, "data %d\n%s\n", len(msg), msg)
	if from > 0 {
		fmt.Fprintf(g.w, "from :%d\n", from)
	}
	if merge > 0 {
		fmt.Fprintf(g.w, "merge :%d\n", merge)
	}
	content := fmt.Sprintf("line %d\n", g.mark)
	fmt.Fprintf(g.w, "M 644 inline src/file%d.txt\ndata %d\n%s\n", g.mark%97, len(content), content)
	if ref == "refs/heads/main" {
		g.main = g.mark
	}
}

// topicAndMerge forks a topic branch from main, commits three times and
// merges it back with a merge commit, as --no-ff does.
func (g *generator) topicAndMerge(n int) {
	mainTip := g.main
	for k := 0; k < 3; k++ {
		g.commit("refs/heads/topic", fmt.Sprintf("feat: topic %d part %d\n", n, k), 0)
		g.main = g.mark // the next topic commit's parent
	}
	tip := g.mark
	g.main = mainTip
	g.commit("refs/heads/main", fmt.Sprintf("Merge branch 'topic-%d'\n", n), tip)
}

func (g *generator) tag() {
	g.tags++
	name := fmt.Sprintf("v1.%d.0", g.tags)
	if g.tags%40 == 0 {
		name += "-hotfix"
	}
	msg := "release " + name + "\n"
	fmt.Fprintf(g.w, "tag %s\nfrom :%d\ntagger R E Leaser <release@example.com> %d +0000\ndata %d\n%s\n",
		name, g.main, g.t+1800, len(msg), msg)
}

// getMark asks fast-import for the id of a commit it has written.
func (g *generator) getMark(m int) (string, error) {
	fmt.Fprintf(g.w, "get-mark :%d\n", m)
	if err := g.w.Flush(); err != nil {
		return "", err
	}
	line, err := g.r.ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("get-mark: %w", err)
	}
	if len(line) < 40 {
		return "", fmt.Errorf("get-mark: unexpected answer %q", line)
	}
	return line[:40], nil
}

func run(tb testing.TB, prog, dir string, args ...string) string {
	tb.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("%s %v: %v\n%s", prog, args, err, out)
	}
	return string(out)
}
