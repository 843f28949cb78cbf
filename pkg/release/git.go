package release

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// GitError is a git command that failed, with what git said.
type GitError struct {
	Args   []string
	Stderr string
	Err    error
}

func (e *GitError) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if msg == "" {
		msg = e.Err.Error()
	}
	return fmt.Sprintf("git %s: %s", strings.Join(e.Args, " "), msg)
}

func (e *GitError) Unwrap() error { return e.Err }

// git runs the real git in one work tree.
type git struct {
	dir string
	env []string // nil: the process's
}

// run returns git's standard output. Extra environment entries in env
// are added for this command only.
func (g git) run(ctx context.Context, env []string, args ...string) (string, error) {
	return g.runInput(ctx, env, nil, args...)
}

func (g git) runInput(ctx context.Context, env []string, stdin []byte, args ...string) (string, error) {
	// Paths as they are, whatever their bytes: the notes group by them.
	full := append([]string{"-c", "core.quotePath=false"}, args...)
	cmd := exec.CommandContext(ctx, "git", full...)
	cmd.Dir = g.dir
	cmd.Env = g.env
	// Never wait for a password nobody will type.
	cmd.Env = append(append(cmd.Environ(), "GIT_TERMINAL_PROMPT=0"), env...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), &GitError{Args: args, Stderr: stderr.String(), Err: err}
	}
	return stdout.String(), nil
}

// line returns git's output without the trailing newline.
func (g git) line(ctx context.Context, args ...string) (string, error) {
	out, err := g.run(ctx, nil, args...)
	return strings.TrimSpace(out), err
}

// hasRef reports whether ref (refs/tags/v1.2.3) exists: rev-parse -q
// --verify exits 1 for no, anything else is an error.
func (g git) hasRef(ctx context.Context, ref string) (bool, error) {
	_, err := g.run(ctx, nil, "rev-parse", "-q", "--verify", ref)
	var exit *exec.ExitError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		return false, nil
	}
	return false, err
}

// show returns the file at path in commit, ok false when it has none.
func (g git) show(ctx context.Context, commit, path string) (content []byte, ok bool, err error) {
	listed, err := g.line(ctx, "ls-tree", "--name-only", commit, "--", path)
	if err != nil || listed == "" {
		return nil, false, err
	}
	out, err := g.run(ctx, nil, "cat-file", "blob", commit+":"+path)
	return []byte(out), err == nil, err
}

// tags lists the tag names of the repository.
func (g git) tags(ctx context.Context) ([]string, error) {
	out, err := g.run(ctx, nil, "tag", "--list")
	if err != nil {
		return nil, err
	}
	return strings.Fields(out), nil
}
