// Package actiontest is the runner around one step, for tests: the
// environment a step sees, its GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files,
// and its output streams. Nothing is global, so tests run in parallel.
package actiontest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/pkg/action"
)

// Runner holds one step's environment and what it printed.
type Runner struct {
	Env    map[string]string
	Stdout bytes.Buffer
	Stderr bytes.Buffer
}

// New returns a runner environment with the given inputs set the way the
// action.yml env: blocks set them (INPUT_<NAME>).
func New(t testing.TB, inputs map[string]string) *Runner {
	t.Helper()
	dir := t.TempDir()
	r := &Runner{Env: map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
	}}
	// The runner creates both files before the step starts.
	for _, f := range []string{"output", "summary"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range inputs {
		r.Env[action.EnvName(k)] = v
	}
	return r
}

// Getenv is the step's os.Getenv.
func (r *Runner) Getenv(k string) string { return r.Env[k] }

// Log is everything the step printed.
func (r *Runner) Log() string { return r.Stdout.String() + r.Stderr.String() }

// File reads the file a variable names (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY).
func (r *Runner) File(t testing.TB, variable string) string {
	t.Helper()
	data, err := os.ReadFile(r.Env[variable])
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// Outputs reads GITHUB_OUTPUT back as the runner does, in both the
// name=value and the name<<delimiter forms.
func (r *Runner) Outputs(t testing.TB) map[string]string {
	t.Helper()
	out := map[string]string{}
	lines := strings.Split(r.File(t, "GITHUB_OUTPUT"), "\n")
	for i := 0; i < len(lines); i++ {
		if name, delim, ok := strings.Cut(lines[i], "<<"); ok {
			var value []string
			for i++; i < len(lines) && lines[i] != delim; i++ {
				value = append(value, lines[i])
			}
			out[name] = strings.Join(value, "\n")
		} else if name, value, ok := strings.Cut(lines[i], "="); ok {
			out[name] = value
		}
	}
	return out
}

// Run runs step as action.Main would, with this runner's environment and
// streams and args as the command line, and returns the exit code.
func (r *Runner) Run(ctx context.Context, step action.Step, args ...string) int {
	return action.Run(ctx, step, action.WithGetenv(r.Getenv), action.WithStdout(&r.Stdout), action.WithStderr(&r.Stderr), action.WithArgs(args))
}
