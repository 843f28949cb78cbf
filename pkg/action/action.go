// Package action lets one binary be both a GitHub Actions step and a laptop
// CLI. In a runner (GITHUB_ACTIONS=true) it speaks the runner's protocol:
// workflow commands on stdout, outputs and the job summary in the files the
// runner names. On a laptop the same calls print plain text: outputs and the
// summary on stdout (so they can be piped), logs and diagnostics on stderr.
package action

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"

	gha "github.com/sethvargo/go-githubactions"
)

// Action is the runner: outputs, summary, annotations, groups, masks. Its
// methods are safe for concurrent use.
type Action struct {
	getenv         func(string) string
	args           []string
	stdout, stderr io.Writer
	cmd            *gha.Action // formats and escapes workflow commands

	mu       sync.Mutex
	secrets  []string // redacted from laptop diagnostics, longest first
	declared *Inputs  // the step's declarations, once Inputs was called
}

// Option configures New.
type Option func(*Action)

// WithGetenv replaces os.Getenv.
func WithGetenv(getenv func(string) string) Option { return func(a *Action) { a.getenv = getenv } }

// WithArgs sets the command-line arguments (without the program name)
// that Inputs reads as flags; none by default.
func WithArgs(args []string) Option { return func(a *Action) { a.args = args } }

// WithStdout replaces os.Stdout.
func WithStdout(w io.Writer) Option { return func(a *Action) { a.stdout = w } }

// WithStderr replaces os.Stderr.
func WithStderr(w io.Writer) Option { return func(a *Action) { a.stderr = w } }

// New returns an Action reading the process environment and writing to the
// standard streams unless options say otherwise.
func New(opts ...Option) *Action {
	a := &Action{getenv: os.Getenv, stdout: os.Stdout, stderr: os.Stderr}
	for _, o := range opts {
		o(a)
	}
	// go-githubactions panics when a write fails; a step whose log is gone
	// should still finish and report through its exit code.
	a.cmd = gha.New(gha.WithGetenv(a.getenv), gha.WithWriter(lenient{a.stdout}))
	return a
}

type lenient struct{ w io.Writer }

func (l lenient) Write(p []byte) (int, error) {
	_, _ = l.w.Write(p)
	return len(p), nil
}

// Inputs returns the inputs of this step, reading flags from the
// arguments WithArgs gave, masking secrets through a and printing usage on
// a's stderr. Outputs the step declares on them are the only ones
// SetOutput accepts.
func (a *Action) Inputs() *Inputs {
	in := NewInputs(a.args, a.getenv, WithMasker(a.AddMask), WithUsageOutput(a.stderr))
	a.mu.Lock()
	a.declared = in
	a.mu.Unlock()
	return in
}

// Getenv reads the step's environment through the injected getenv: what
// a binary reads beyond its inputs (SOURCE_DATE_EPOCH, NIX_REMOTE) comes
// through here, so tests stay hermetic.
func (a *Action) Getenv(key string) string { return a.getenv(key) }

// Stdout is where the step's own data goes (a dry run's body, a laptop's
// outputs): the runner's log, or the terminal's pipe.
func (a *Action) Stdout() io.Writer { return lenient{a.stdout} }

// InRunner reports whether the process runs as a GitHub Actions step.
func (a *Action) InRunner() bool { return a.getenv("GITHUB_ACTIONS") == "true" }

// AddMask makes the runner print *** instead of secret from now on. A
// multi-line secret is also masked line by line, since the runner matches
// masks within single log lines. On a laptop there is no runner, so the
// Action itself redacts the secret from the diagnostics it prints.
func (a *Action) AddMask(secret string) {
	if strings.TrimSpace(secret) == "" {
		return
	}
	parts := []string{secret}
	if strings.ContainsAny(secret, "\r\n") {
		for _, l := range strings.FieldsFunc(secret, func(r rune) bool { return r == '\n' || r == '\r' }) {
			if strings.TrimSpace(l) != "" {
				parts = append(parts, l)
			}
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.secrets = append(a.secrets, parts...)
	sort.SliceStable(a.secrets, func(i, j int) bool { return len(a.secrets[i]) > len(a.secrets[j]) })
	if a.InRunner() {
		for _, p := range parts {
			a.cmd.AddMask(p)
		}
	}
}

func (a *Action) redact(s string) string {
	for _, sec := range a.secrets {
		s = strings.ReplaceAll(s, sec, "***")
	}
	return s
}

// Infof logs a line: stdout in a runner, stderr on a laptop. A message
// may carry outside text (a server's answer, a file's content); where a
// line of it could be read by the runner as a workflow command, the message
// is printed between ::stop-commands:: and its random resume token, so it
// shows unchanged and commands nothing. (Annotations need no such care:
// their message is escaped as command data.)
func (a *Action) Infof(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.InRunner() {
		fmt.Fprintln(a.stderr, a.redact(msg))
		return
	}
	if !mayCommand(msg) {
		a.cmd.Infof("%s", msg)
		return
	}
	token := stopToken()
	fmt.Fprintf(lenient{a.stdout}, "::stop-commands::%s\n%s\n::%s::\n", token, msg, token)
}

// mayCommand reports whether the runner could take a line of msg for a
// command: "::name::" at the start of a line (the runner trims it first),
// or the older "##[name]" form.
func mayCommand(msg string) bool {
	for _, line := range strings.FieldsFunc(msg, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if strings.HasPrefix(strings.TrimSpace(line), "::") || strings.Contains(line, "##[") {
			return true
		}
	}
	return false
}

func stopToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux or macOS
	return hex.EncodeToString(b)
}

// Errorf reports an error annotation.
func (a *Action) Errorf(format string, args ...any) { a.annotate("error", "", 0, 0, format, args) }

// Warningf reports a warning annotation.
func (a *Action) Warningf(format string, args ...any) { a.annotate("warning", "", 0, 0, format, args) }

// Noticef reports a notice annotation.
func (a *Action) Noticef(format string, args ...any) { a.annotate("notice", "", 0, 0, format, args) }

// ErrorAt reports an error annotation on a file position; line or col 0
// means unknown.
func (a *Action) ErrorAt(file string, line, col int, format string, args ...any) {
	a.annotate("error", file, line, col, format, args)
}

// WarningAt reports a warning annotation on a file position.
func (a *Action) WarningAt(file string, line, col int, format string, args ...any) {
	a.annotate("warning", file, line, col, format, args)
}

func (a *Action) annotate(level, file string, line, col int, format string, args []any) {
	msg := fmt.Sprintf(format, args...)
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.InRunner() {
		fmt.Fprintf(a.stderr, "%s: %s%s\n", level, position(file, line, col), a.redact(msg))
		return
	}
	c := a.cmd
	if file != "" {
		fields := map[string]string{"file": file}
		if line > 0 {
			fields["line"] = strconv.Itoa(line)
			if col > 0 {
				fields["col"] = strconv.Itoa(col)
			}
		}
		c = c.WithFieldsMap(fields)
	}
	switch level {
	case "error":
		c.Errorf("%s", msg)
	case "warning":
		c.Warningf("%s", msg)
	default:
		c.Noticef("%s", msg)
	}
}

// position renders file:line:col: as compilers do, for a laptop terminal.
func position(file string, line, col int) string {
	if file == "" {
		return ""
	}
	switch {
	case line > 0 && col > 0:
		return fmt.Sprintf("%s:%d:%d: ", file, line, col)
	case line > 0:
		return fmt.Sprintf("%s:%d: ", file, line)
	}
	return file + ": "
}

// Group starts a collapsible log section and returns the func that ends it
// (safe to call more than once). On a laptop both are no-ops.
func (a *Action) Group(title string) func() {
	if !a.InRunner() {
		return func() {}
	}
	a.mu.Lock()
	a.cmd.Group(title)
	a.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			a.mu.Lock()
			a.cmd.EndGroup()
			a.mu.Unlock()
		})
	}
}

// Positioned is implemented by errors that know where in a file the problem
// is; Fail annotates that position.
type Positioned interface {
	Position() (file string, line, col int)
}

// Fail reports err, one annotation per joined error, and returns the exit
// code: 0 for nil or flag.ErrHelp (the user asked for -h), 1 otherwise.
// Use as os.Exit(a.Fail(err)).
func (a *Action) Fail(err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	for _, e := range flatten(err) {
		var p Positioned
		if errors.As(e, &p) {
			file, line, col := p.Position()
			a.ErrorAt(file, line, col, "%s", e.Error())
			continue
		}
		a.Errorf("%s", e.Error())
	}
	return 1
}

// flatten splits errors.Join results (also nested ones) into their parts.
// An error with several wrapped errors but its own wording (fmt.Errorf with
// two %w) stays whole, so no context is lost.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	kids := j.Unwrap()
	msgs := make([]string, len(kids))
	for i, k := range kids {
		msgs[i] = k.Error()
	}
	if strings.Join(msgs, "\n") != err.Error() {
		return []error{err}
	}
	var out []error
	for _, k := range kids {
		out = append(out, flatten(k)...)
	}
	return out
}

// Spec is what the step declared through Inputs: empty before it did.
func (a *Action) Spec() Spec {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.declared == nil {
		return Spec{}
	}
	return a.declared.Spec()
}
