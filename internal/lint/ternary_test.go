package lint_test

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// falsyTernary is the "cond && x || y" idiom with an x that GitHub's
// expressions take as false (0, false, null, ”): it gives y whatever
// cond says. actionlint does not catch it.
var falsyTernary = regexp.MustCompile(`&&\s*(0|false|null|'')\s*\|\|`)

func falsyTernaries(t *testing.T, root string, files []string) []string {
	t.Helper()
	var problems []string
	for _, f := range files {
		for i, l := range fileLines(t, root, f) {
			if strings.HasPrefix(strings.TrimSpace(l), "#") {
				continue // a comment may quote the idiom
			}
			if m := falsyTernary.FindStringSubmatchIndex(l); m != nil {
				x := l[m[2]:m[3]]
				problems = append(problems, fmt.Sprintf("%s:%d:%d: \"&& %s ||\" always gives the value after ||, as %s is false in an expression: quote it ('0', 'false') or turn the condition around",
					f, i+1, m[0]+1, x, x))
			}
		}
	}
	return problems
}

func TestNoFalsyTernary(t *testing.T) {
	root := testenv.RepoRoot(t)
	var files []string
	for _, f := range repoFiles(t, root) {
		if isYAML(f) && filepath.Base(filepath.Dir(f)) != "testdata" {
			files = append(files, f)
		}
	}
	if !slices.Contains(files, filepath.Join(".github", "workflows", "nix-pipeline.yml")) {
		t.Fatalf("the pipeline is not among the files checked: %v", files)
	}
	for _, p := range falsyTernaries(t, root, files) {
		t.Error(p)
	}
}

func TestFalsyTernaryReports(t *testing.T) {
	got := falsyTernaries(t, "testdata", []string{"falsy-ternary.yml"})
	want := []string{
		`falsy-ternary.yml:10:64: "&& 0 ||" always gives the value after ||`,
		`falsy-ternary.yml:11:64: "&& false ||" always gives the value after ||`,
		`falsy-ternary.yml:12:48: "&& '' ||" always gives the value after ||`,
	}
	if len(got) != len(want) {
		t.Fatalf("got %d reports, want %d:\n%q", len(got), len(want), got)
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("report %d: %q, want it to start with %q", i, got[i], w)
		}
	}
}
