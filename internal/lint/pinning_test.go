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

// ownRepository's actions are this project's: a README tells users to take
// them by release tag, and the workflows use them as ./x.
const ownRepository = "voidnxsec/nixops-actions"

var (
	usesLine = regexp.MustCompile(`^(\s*)(?:-\s+)?uses:\s*(['"]?)([^'"\s#]+)['"]?\s*(#.*)?$`)
	// A version comment after the SHA: "# v4.2.2", "# 1.7.1".
	versionComment = regexp.MustCompile(`^#\s*v?\d+(\.\d+)*\b`)
	fullSHA        = regexp.MustCompile(`^[0-9a-f]{40}$`)
	persistFalse   = regexp.MustCompile(`persist-credentials:\s*['"]?false\b`)
	// A step that does push says so: true, with the reason in a comment.
	persistWhy = regexp.MustCompile(`persist-credentials:\s*['"]?true['"]?\s*#\s*\S`)
	fence      = regexp.MustCompile("^\\s*(```|~~~)")
)

// usesRef is one `uses:` of a workflow, action or README example.
type usesRef struct {
	file string
	line int
	ref  string
	// step is the text of the step the uses: belongs to.
	step string
	note string // the comment after the reference
}

// pinningProblems lists, for every third-party action used in files (paths
// relative to root), what keeps it from being pinned: a full commit SHA
// with the version in a comment, and persist-credentials: false on
// actions/checkout unless the step says, in a comment beside true, what
// pushes with the checkout's token.
func pinningProblems(t *testing.T, root string, files []string) []string {
	t.Helper()
	var problems []string
	for _, u := range usesRefs(t, root, files) {
		where := fmt.Sprintf("%s:%d: %s", u.file, u.line, u.ref)
		action, ref, found := strings.Cut(u.ref, "@")
		switch {
		case strings.HasPrefix(u.ref, "./"), strings.HasPrefix(u.ref, "../"):
			continue // this repository's own files
		case strings.HasPrefix(u.ref, "docker://"):
			if !strings.Contains(u.ref, "@sha256:") {
				problems = append(problems, where+": a Docker image must be pinned by digest (@sha256:...)")
			}
			continue
		case !found:
			problems = append(problems, where+": no @ref at all")
			continue
		case action == ownRepository || strings.HasPrefix(action, ownRepository+"/"):
			continue
		}
		if !fullSHA.MatchString(ref) {
			problems = append(problems, where+": pin by full 40-hex commit SHA, with the version in a comment (tags and branches move)")
		} else if !versionComment.MatchString(u.note) {
			problems = append(problems, where+": the SHA needs its version in a comment (# vX.Y.Z)")
		}
		if strings.EqualFold(action, "actions/checkout") && !persistFalse.MatchString(u.step) && !persistWhy.MatchString(u.step) {
			problems = append(problems, where+": set persist-credentials: false, or true with a comment saying what pushes with the token")
		}
	}
	return problems
}

// pinnedFiles are the files whose `uses:` are checked: workflows anywhere
// (the project's and the test workflows), action metadata, and Markdown,
// whose code blocks are what users copy.
func pinnedFiles(files []string) []string {
	var out []string
	for _, f := range files {
		slash := filepath.ToSlash(f)
		base := filepath.Base(f)
		switch {
		case strings.HasPrefix(f, brokenFixtures):
		case isYAML(f) && strings.Contains(slash, "workflows/"),
			base == "action.yml", base == "action.yaml",
			strings.HasSuffix(f, ".md"):
			out = append(out, f)
		}
	}
	return out
}

// usesRefs reads every `uses:` of files: all lines of YAML files, the
// fenced code blocks of Markdown files.
func usesRefs(t *testing.T, root string, files []string) []usesRef {
	t.Helper()
	var out []usesRef
	for _, f := range files {
		lines := fileLines(t, root, f)
		inCode := !strings.HasSuffix(f, ".md")
		for i, l := range lines {
			if strings.HasSuffix(f, ".md") && fence.MatchString(l) {
				inCode = !inCode
				continue
			}
			m := usesLine.FindStringSubmatch(l)
			if !inCode || m == nil {
				continue
			}
			out = append(out, usesRef{file: f, line: i + 1, ref: m[3], note: strings.TrimSpace(m[4]), step: stepText(lines, i, len(m[1]))})
		}
	}
	return out
}

// stepText is the YAML step holding the uses: key at line i, whose key is
// indented by indent: the lines around it indented at least as deep, back
// to the step's "- " and on to the next step or the end of the block.
func stepText(lines []string, i, indent int) string {
	start := i
	if !strings.HasPrefix(strings.TrimSpace(lines[i]), "-") {
		for start > 0 {
			prev := lines[start-1]
			if strings.TrimSpace(prev) == "" || indentOf(prev) < indent-2 {
				break
			}
			start--
			if strings.HasPrefix(strings.TrimSpace(prev), "-") {
				break
			}
		}
	}
	keyIndent := indent
	if strings.HasPrefix(strings.TrimSpace(lines[i]), "-") {
		keyIndent = indent + 2
	}
	end := i + 1
	for end < len(lines) {
		l := lines[end]
		if strings.TrimSpace(l) != "" && (indentOf(l) < keyIndent || fence.MatchString(l)) {
			break
		}
		end++
	}
	return strings.Join(lines[start:end], "\n")
}

func indentOf(l string) int {
	return len(l) - len(strings.TrimLeft(l, " "))
}

// Every third-party action the repository uses or shows is pinned by a
// full commit SHA with its version beside it (issue 8), and checkout keeps
// no credentials.
func TestActionsPinned(t *testing.T) {
	root := testenv.RepoRoot(t)
	files := pinnedFiles(repoFiles(t, root))
	for _, must := range []string{filepath.Join(".github", "workflows", "ci.yml"), "README.md", filepath.Join("sbom", "action.yml")} {
		if !slices.Contains(files, must) {
			t.Fatalf("%s is not among the files checked: %v", must, files)
		}
	}
	refs := usesRefs(t, root, files)
	if len(refs) == 0 {
		t.Fatal("found no uses: at all")
	}
	for _, p := range pinningProblems(t, root, files) {
		t.Error(p)
	}
	t.Logf("checked %d uses: in %d files", len(refs), len(files))
}

// The check finds each kind of unpinned use in testdata/pinning: a tag, a
// short SHA, a SHA without its version, a Docker tag, a checkout keeping
// its credentials, in a workflow, an action and a README's code block, and
// accepts the pinned ones and the prose outside code blocks.
func TestActionsPinnedReports(t *testing.T) {
	dir := filepath.Join("testdata", "pinning")
	files := []string{"workflow.yml", "action.yml", "README.md"}
	got := pinningProblems(t, dir, files)
	want := []string{
		"workflow.yml:8: actions/checkout@v4: pin by full 40-hex commit SHA",
		"workflow.yml:8: actions/checkout@v4: set persist-credentials: false, or true with a comment saying what pushes with the token",
		"workflow.yml:9: actions/setup-go@b7ad1da: pin by full 40-hex commit SHA",
		"workflow.yml:12: actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f: the SHA needs its version",
		"workflow.yml:13: docker://alpine:3.20: a Docker image must be pinned by digest",
		"workflow.yml:14: example/action: no @ref at all",
		"workflow.yml:22: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1: set persist-credentials: false, or true with a comment",
		"action.yml:7: cachix/install-nix-action@v31: pin by full 40-hex commit SHA",
		"README.md:12: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1: set persist-credentials: false, or true with a comment saying what pushes with the token",
		"README.md:14: actions/upload-artifact@main: pin by full 40-hex commit SHA",
	}
	for _, w := range want {
		if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, w) }) {
			t.Errorf("no problem reported starting %q", w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d problems reported, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
}
