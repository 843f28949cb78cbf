package action_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/pkg/action"
)

// rig is an Action with captured streams and, for a runner, real
// GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files created the way the runner
// does (empty, before the step starts).
type rig struct {
	a              *action.Action
	env            env
	stdout, stderr *bytes.Buffer
}

func newRig(t *testing.T, runner bool, args ...string) *rig {
	t.Helper()
	r := &rig{env: env{}, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	if runner {
		dir := t.TempDir()
		r.env["GITHUB_ACTIONS"] = "true"
		r.env["GITHUB_OUTPUT"] = filepath.Join(dir, "set_output_1")
		r.env["GITHUB_STEP_SUMMARY"] = filepath.Join(dir, "step_summary_1")
		for _, k := range []string{"GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"} {
			if err := os.WriteFile(r.env[k], nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	r.a = action.New(action.WithGetenv(r.env.get), action.WithStdout(r.stdout), action.WithStderr(r.stderr), action.WithArgs(args))
	return r
}

func (r *rig) file(t *testing.T, key string) string {
	t.Helper()
	b, err := os.ReadFile(r.env[key])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// runnerOutputs parses a GITHUB_OUTPUT file as actions/runner does on Linux
// (src/Runner.Worker/FileCommandManager.cs): lines end at "\n" only; a line
// is NAME=VALUE, or NAME<<DELIM followed by value lines up to a line equal
// to DELIM, the value keeping inner newlines but not the one before DELIM.
func runnerOutputs(t *testing.T, text string) map[string]string {
	t.Helper()
	out := map[string]string{}
	index := 0
	readLine := func() (line string, ok bool) {
		if index >= len(text) {
			return "", false
		}
		start := index
		lf := strings.IndexByte(text[index:], '\n')
		if lf < 0 {
			index = len(text)
			return text[start:], true
		}
		index += lf + 1
		return text[start : index-1], true
	}
	for line, ok := readLine(); ok; line, ok = readLine() {
		if line == "" {
			continue
		}
		eq, hd := strings.Index(line, "="), strings.Index(line, "<<")
		switch {
		case eq >= 0 && (hd < 0 || eq < hd):
			out[line[:eq]] = line[eq+1:]
		case hd >= 0:
			name, delim := line[:hd], line[hd+2:]
			if name == "" || delim == "" {
				t.Fatalf("runner would reject %q: empty name or delimiter", line)
			}
			start, end := index, index
			for {
				l, ok := readLine()
				if !ok {
					t.Fatalf("runner would reject the file: delimiter %q not found", delim)
				}
				if l == delim {
					break
				}
				end = index - 1
			}
			out[name] = text[start:max(start, end)]
		default:
			t.Fatalf("runner would reject line %q", line)
		}
	}
	return out
}

// awkward values: each must reach the next step unchanged.
var awkward = map[string]string{
	"plain":      "sbom.cdx.json",
	"empty":      "",
	"multi-line": "line one\nline two\n\nline four",
	"trailing":   "ends with newline\n",
	"leading":    "\nstarts with newline",
	"percent":    "100% done %0A not a newline %25",
	"cr":         "carriage\rreturn\r\nwindows",
	"colons":     "::error::not a command :: still text",
	"equals":     "a=b<<c",
	// The fixed delimiter go-githubactions would use, on a line of its own:
	// with it a value could inject outputs.
	"injection": "x\n_GitHubActionsFileCommandDelimeter_\ninjected<<_GitHubActionsFileCommandDelimeter_\nevil",
	"eof-line":  "EOF\nEOF1\n",
	"unicode":   "naïve — 日本語 🚀",
}

func TestSetOutputRunner(t *testing.T) {
	t.Parallel()
	r := newRig(t, true)
	// Another step's process may have written first; we must only append.
	if err := os.WriteFile(r.env["GITHUB_OUTPUT"], []byte("earlier=kept\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"earlier": "kept"}
	for name, value := range awkward {
		if err := r.a.SetOutput(name, value); err != nil {
			t.Fatalf("SetOutput(%q): %v", name, err)
		}
		want[name] = value
	}
	if got := runnerOutputs(t, r.file(t, "GITHUB_OUTPUT")); !reflect.DeepEqual(got, want) {
		t.Errorf("runner would read\n%q\nwant\n%q", got, want)
	}
	if r.stdout.Len()+r.stderr.Len() != 0 {
		t.Errorf("printed %q / %q; outputs belong in GITHUB_OUTPUT only", r.stdout, r.stderr)
	}
}

func TestSetOutputLaptop(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, value, want string }{
		{"plain", "sbom.cdx.json", "plain=sbom.cdx.json\n"},
		{"empty", "", "empty=\n"},
		{"multi-line", "a\nb", "multi-line<<EOF\na\nb\nEOF\n"},
		{"eof-line", "EOF\nEOF1\n", "eof-line<<EOF2\nEOF\nEOF1\n\nEOF2\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, false)
			if err := r.a.SetOutput(tt.name, tt.value); err != nil {
				t.Fatal(err)
			}
			if r.stdout.String() != tt.want {
				t.Errorf("stdout %q, want %q", r.stdout, tt.want)
			}
			// Laptop output stays parseable the runner's way.
			if got := runnerOutputs(t, r.stdout.String())[tt.name]; got != tt.value {
				t.Errorf("parsed back %q, want %q", got, tt.value)
			}
		})
	}
}

func TestFileCommandErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  env // changes to a runner rig's environment
		call func(a *action.Action) error
		want string // %s is replaced by the rig's temporary directory
	}{
		{
			name: "output-unset",
			env:  env{"GITHUB_OUTPUT": ""},
			call: func(a *action.Action) error { return a.SetOutput("sbom", "x") },
			want: `cannot write output "sbom": GITHUB_OUTPUT is not set although GITHUB_ACTIONS=true; the runner sets it for every step, so run under a current runner (or act), or unset GITHUB_ACTIONS to print to stdout`,
		},
		{
			name: "output-file-missing",
			env:  env{"GITHUB_OUTPUT": "%s/gone/set_output"},
			call: func(a *action.Action) error { return a.SetOutput("sbom", "x") },
			want: `cannot write output "sbom" to GITHUB_OUTPUT file "%s/gone/set_output": open %s/gone/set_output: no such file or directory`,
		},
		{
			name: "output-is-directory",
			env:  env{"GITHUB_OUTPUT": "%s"},
			call: func(a *action.Action) error { return a.SetOutput("sbom", "x") },
			want: `cannot write output "sbom" to GITHUB_OUTPUT file "%s": open %s: is a directory`,
		},
		{
			name: "summary-unset",
			env:  env{"GITHUB_STEP_SUMMARY": ""},
			call: func(a *action.Action) error { return a.AddSummary("# x") },
			want: `cannot write the job summary: GITHUB_STEP_SUMMARY is not set although GITHUB_ACTIONS=true; the runner sets it for every step, so run under a current runner (or act), or unset GITHUB_ACTIONS to print to stdout`,
		},
		{
			name: "bad-output-name",
			call: func(a *action.Action) error { return a.SetOutput("x=y", "v") },
			want: `output name "x=y" is invalid: use letters, digits, '_' and '-', starting with a letter or '_'`,
		},
		{
			name: "heredoc-output-name",
			call: func(a *action.Action) error { return a.SetOutput("x<<EOF", "v") },
			want: `output name "x<<EOF" is invalid: use letters, digits, '_' and '-', starting with a letter or '_'`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, true)
			dir := filepath.Dir(r.env["GITHUB_OUTPUT"])
			for k, v := range tt.env {
				r.env[k] = strings.ReplaceAll(v, "%s", dir)
			}
			err := tt.call(r.a)
			if want := strings.ReplaceAll(tt.want, "%s", dir); err == nil || err.Error() != want {
				t.Errorf("error\n%v\nwant\n%s", err, want)
			}
		})
	}
}

func TestAddSummary(t *testing.T) {
	t.Parallel()
	md := []string{"# SBOM\n", "| a | b |\n|---|---|\n| 1 | 2 |", "100% of ::paths::"}
	want := "# SBOM\n| a | b |\n|---|---|\n| 1 | 2 |\n100% of ::paths::\n"

	runner := newRig(t, true)
	laptop := newRig(t, false)
	for _, m := range md {
		for _, r := range []*rig{runner, laptop} {
			if err := r.a.AddSummary(m); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := runner.file(t, "GITHUB_STEP_SUMMARY"); got != want {
		t.Errorf("runner summary file %q, want %q", got, want)
	}
	if runner.stdout.Len() != 0 {
		t.Errorf("runner stdout %q, want nothing", runner.stdout)
	}
	if got := laptop.stdout.String(); got != want {
		t.Errorf("laptop stdout %q, want %q", got, want)
	}
}

func TestAnnotations(t *testing.T) {
	t.Parallel()
	emit := func(a *action.Action) {
		a.Errorf("closure of %s failed", "/nix/store/abc-hello")
		a.Warningf("100%% of\nthe paths :: lack %s", "licenses")
		a.Noticef("wrote %d files", 2)
		a.ErrorAt("flake.nix", 12, 5, "unknown attribute %q", "pkgs")
		a.ErrorAt("dir:with,odd.nix", 3, 0, "line only")
		a.WarningAt("a.nix", 0, 7, "no line, so no column")
		a.Infof("plain %s", "log")
	}
	tests := []struct {
		runner         bool
		stdout, stderr string
	}{
		{
			runner: true,
			stdout: `::error::closure of /nix/store/abc-hello failed
::warning::100%25 of%0Athe paths :: lack licenses
::notice::wrote 2 files
::error col=5,file=flake.nix,line=12::unknown attribute "pkgs"
::error file=dir%3Awith%2Codd.nix,line=3::line only
::warning file=a.nix::no line, so no column
plain log
`,
		},
		{
			runner: false,
			stderr: `error: closure of /nix/store/abc-hello failed
warning: 100% of
the paths :: lack licenses
notice: wrote 2 files
error: flake.nix:12:5: unknown attribute "pkgs"
error: dir:with,odd.nix:3: line only
warning: a.nix: no line, so no column
plain log
`,
		},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint("runner=", tt.runner), func(t *testing.T) {
			t.Parallel()
			r := newRig(t, tt.runner)
			emit(r.a)
			if r.stdout.String() != tt.stdout {
				t.Errorf("stdout\n%s\nwant\n%s", r.stdout, tt.stdout)
			}
			if r.stderr.String() != tt.stderr {
				t.Errorf("stderr\n%s\nwant\n%s", r.stderr, tt.stderr)
			}
		})
	}
}

func TestGroup(t *testing.T) {
	t.Parallel()
	for _, runner := range []bool{true, false} {
		r := newRig(t, runner)
		end := r.a.Group("Resolve closure")
		r.a.Infof("inside")
		end()
		end() // a deferred end after an explicit one must not close an outer group
		want := "::group::Resolve closure\ninside\n::endgroup::\n"
		if !runner {
			want = ""
		}
		if r.stdout.String() != want {
			t.Errorf("runner=%v: stdout %q, want %q", runner, r.stdout, want)
		}
	}
}

func TestFail(t *testing.T) {
	t.Parallel()
	joined := errors.Join(errors.New("first"), errors.Join(errors.New("second"), errors.New("third\nline")))
	tests := []struct {
		name   string
		err    error
		code   int
		stdout string // runner
		stderr string // laptop
	}{
		{name: "nil", err: nil, code: 0},
		{name: "help", err: fmt.Errorf("parsing: %w", flag.ErrHelp), code: 0},
		{
			name: "single", err: errors.New("nix not found: install Nix"), code: 1,
			stdout: "::error::nix not found: install Nix\n",
			stderr: "error: nix not found: install Nix\n",
		},
		{
			name: "joined-each-own-annotation", err: joined, code: 1,
			stdout: "::error::first\n::error::second\n::error::third%0Aline\n",
			stderr: "error: first\nerror: second\nerror: third\nline\n",
		},
		{
			name: "wrapped-join-stays-whole", err: fmt.Errorf("reading inputs: %w", errors.Join(errors.New("a"), errors.New("b"))), code: 1,
			stdout: "::error::reading inputs: a%0Ab\n",
			stderr: "error: reading inputs: a\nb\n",
		},
		{
			name: "positioned", err: errors.Join(posError{"flake.lock", 4, 2}, errors.New("other")), code: 1,
			stdout: "::error col=2,file=flake.lock,line=4::bad node\n::error::other\n",
			stderr: "error: flake.lock:4:2: bad node\nerror: other\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			runner, laptop := newRig(t, true), newRig(t, false)
			if got := runner.a.Fail(tt.err); got != tt.code {
				t.Errorf("runner Fail = %d, want %d", got, tt.code)
			}
			if got := laptop.a.Fail(tt.err); got != tt.code {
				t.Errorf("laptop Fail = %d, want %d", got, tt.code)
			}
			if runner.stdout.String() != tt.stdout || runner.stderr.Len() != 0 {
				t.Errorf("runner stdout %q stderr %q, want stdout %q", runner.stdout, runner.stderr, tt.stdout)
			}
			if laptop.stderr.String() != tt.stderr || laptop.stdout.Len() != 0 {
				t.Errorf("laptop stderr %q stdout %q, want stderr %q", laptop.stderr, laptop.stdout, tt.stderr)
			}
		})
	}
}

type posError struct {
	file      string
	line, col int
}

var _ action.Positioned = posError{}

func (p posError) Error() string                { return "bad node" }
func (p posError) Position() (string, int, int) { return p.file, p.line, p.col }

func TestInRunner(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]bool{"true": true, "": false, "false": false, "1": false, "TRUE": false} {
		a := action.New(action.WithGetenv(env{"GITHUB_ACTIONS": v}.get))
		if got := a.InRunner(); got != want {
			t.Errorf("GITHUB_ACTIONS=%q: InRunner() = %v, want %v", v, got, want)
		}
	}
}

func TestActionInputsHelp(t *testing.T) {
	t.Parallel()
	r := newRig(t, true, "-help")
	in := r.a.Inputs()
	in.Bool("sign", false, "sign the documents")
	err := in.Parse()
	if code := r.a.Fail(err); code != 0 {
		t.Errorf("Fail(%v) = %d, want 0 for -help", err, code)
	}
	want := "Inputs: each is a -flag or, in a GitHub Actions runner, an INPUT_<NAME> variable; a flag wins.\n" +
		"  -sign[=true|false]\n    \tsign the documents\n    \tdefault \"false\"; env INPUT_SIGN\n"
	if r.stderr.String() != want || r.stdout.Len() != 0 {
		t.Errorf("stderr %q stdout %q, want usage %q on stderr only", r.stderr, r.stdout, want)
	}
}
