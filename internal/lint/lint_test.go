// Package lint_test holds the repository-wide linters as tests: actionlint
// over every workflow (and, through them, every composite action's
// metadata) and shellcheck over every shell script, so `go test ./...`
// catches what a reviewer would.
package lint_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// repoFiles lists the repository's files relative to root: git's view
// (tracked plus untracked, not ignored) when root is a work tree, so build
// outputs never get linted; otherwise every file outside .git.
func repoFiles(t *testing.T, root string) []string {
	t.Helper()
	if git, err := exec.LookPath("git"); err == nil {
		cmd := exec.Command(git, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
		cmd.Dir = root
		if out, err := cmd.Output(); err == nil {
			var files []string
			for _, f := range strings.Split(string(out), "\x00") {
				if f == "" {
					continue
				}
				// ls-files still lists files deleted from the work tree.
				if _, err := os.Stat(filepath.Join(root, f)); err == nil {
					files = append(files, filepath.FromSlash(f))
				}
			}
			return files
		}
	}
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// tool finds a linter on PATH or where `go install` puts it (CI installs
// actionlint into ~/go/bin without adding that to PATH).
func tool(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	var dirs []string
	if out, err := exec.Command("go", "env", "GOBIN", "GOPATH").Output(); err == nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) == 2 {
			if lines[0] != "" {
				dirs = append(dirs, lines[0])
			}
			for _, gp := range filepath.SplitList(lines[1]) {
				dirs = append(dirs, filepath.Join(gp, "bin"))
			}
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return testenv.LookPath(t, name)
}

// fileLines reads the file f below root as lines.
func fileLines(t *testing.T, root, f string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, f))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(string(b), "\n")
}

func isYAML(f string) bool {
	return strings.HasSuffix(f, ".yml") || strings.HasSuffix(f, ".yaml")
}

// workflows returns the workflow files to lint: the repository's own and
// the test workflows under e2e/testdata/.
func workflows(files []string) []string {
	var out []string
	for _, f := range files {
		slash := filepath.ToSlash(f)
		own := filepath.ToSlash(filepath.Dir(f)) == ".github/workflows"
		test := strings.HasPrefix(slash, "e2e/testdata/") && strings.Contains(slash, "/workflows/")
		if isYAML(f) && (own || test) {
			out = append(out, f)
		}
	}
	return out
}

// actionDirs returns the directories of the composite actions
// (<dir>/action.yml at the top level).
func actionDirs(files []string) []string {
	var out []string
	for _, f := range files {
		dir, base := filepath.Split(f)
		dir = filepath.Clean(dir)
		if (base == "action.yml" || base == "action.yaml") && dir != "." && !strings.Contains(dir, string(filepath.Separator)) {
			out = append(out, dir)
		}
	}
	return out
}

type actionlintFinding struct {
	Message  string `json:"message"`
	Filepath string `json:"filepath"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Kind     string `json:"kind"`
}

func TestActionlint(t *testing.T) {
	actionlint := tool(t, "actionlint")
	root := testenv.RepoRoot(t)
	files := repoFiles(t, root)
	flows := workflows(files)
	if len(flows) == 0 {
		t.Fatal("no workflow found to lint")
	}
	// actionlint checks a composite action's metadata only through a
	// workflow step that uses it, so every action must have one.
	for _, dir := range actionDirs(files) {
		if !usedLocally(t, root, flows, dir) {
			t.Errorf("action %s/ is used by no linted workflow: add `uses: ./%s` to a workflow under e2e/testdata/ so actionlint checks its metadata", dir, filepath.ToSlash(dir))
		}
	}
	args := append([]string{"-format", "{{json .}}"}, flows...)
	// shellcheck, when found, also checks every run: script.
	if sc, err := exec.LookPath("shellcheck"); err == nil {
		args = append([]string{"-shellcheck", sc}, args...)
	}
	cmd := exec.Command(actionlint, args...)
	cmd.Dir = root // actionlint resolves `uses: ./x` from the project root
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var findings []actionlintFinding
	if s := bytes.TrimSpace(stdout.Bytes()); len(s) > 0 {
		if jerr := json.Unmarshal(s, &findings); jerr != nil {
			t.Fatalf("actionlint printed no JSON (%v): %s\n%s", jerr, s, stderr.String())
		}
	}
	for _, f := range findings {
		t.Errorf("%s:%d:%d: %s [%s]", f.Filepath, f.Line, f.Column, f.Message, f.Kind)
	}
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1 && len(findings) > 0) {
		t.Fatalf("actionlint failed: %v\n%s", err, stderr.String())
	}
	t.Logf("actionlint checked %d workflows: %s", len(flows), strings.Join(flows, ", "))
}

func usedLocally(t *testing.T, root string, flows []string, dir string) bool {
	t.Helper()
	re := regexp.MustCompile(`(?m)^\s*(-\s+)?uses:\s*["']?\./` + regexp.QuoteMeta(filepath.ToSlash(dir)) + `/?["']?\s*(#.*)?$`)
	for _, f := range flows {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		if re.Match(b) {
			return true
		}
	}
	return false
}

var shellShebang = regexp.MustCompile(`^#!\s*(/usr/bin/env\s+(-S\s+)?)?(/usr)?(/local)?(/bin/)?(ba|da|k|a)?sh(\s|$)`)

// brokenFixtures holds this package's deliberately bad inputs.
var brokenFixtures = filepath.Join("internal", "lint", "testdata") + string(filepath.Separator)

// shellScripts returns the files that are shell scripts by extension or by
// their #! line.
func shellScripts(t *testing.T, root string, files []string) []string {
	t.Helper()
	var out []string
	for _, f := range files {
		if strings.HasPrefix(f, brokenFixtures) {
			continue
		}
		if strings.HasSuffix(f, ".sh") || strings.HasSuffix(f, ".bash") {
			out = append(out, f)
			continue
		}
		fh, err := os.Open(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		line, _ := bufio.NewReader(fh).ReadString('\n')
		fh.Close()
		if shellShebang.MatchString(line) {
			out = append(out, f)
		}
	}
	return out
}

func TestShellcheck(t *testing.T) {
	shellcheck := testenv.LookPath(t, "shellcheck")
	root := testenv.RepoRoot(t)
	scripts := shellScripts(t, root, repoFiles(t, root))
	if !slices.Contains(scripts, filepath.Join("actions", "bootstrap.sh")) {
		t.Fatalf("actions/bootstrap.sh not among the shell scripts found: %v", scripts)
	}
	cmd := exec.Command(shellcheck, append([]string{"-f", "gcc", "-x"}, scripts...)...)
	cmd.Dir = root
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	findings := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(findings) == 1 && findings[0] == "" {
		findings = nil
	}
	for _, f := range findings {
		t.Error(f)
	}
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1 && len(findings) > 0) {
		t.Fatalf("shellcheck failed: %v\n%s", err, stderr.String())
	}
	t.Logf("shellcheck checked %d scripts: %s", len(scripts), strings.Join(scripts, ", "))
}

// The linters must really report: a broken workflow and a broken script in
// testdata/ each yield a finding naming the problem.
func TestLintersReport(t *testing.T) {
	cases := []struct {
		name string
		tool string
		args []string
		want string
	}{
		{"workflow-undefined-input", "actionlint", []string{"-no-color", "testdata/workflow-undefined-input.yml"}, `property "nope" is not defined`},
		{"script-unquoted", "shellcheck", []string{"-f", "gcc", "testdata/script-unquoted.sh"}, "SC2086"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(tool(t, tc.tool), tc.args...)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("%s accepted testdata for %s:\n%s", tc.tool, tc.name, out)
			}
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("%s output lacks %q:\n%s", tc.tool, tc.want, out)
			}
		})
	}
}
