// Package worktree checks out one commit of a git repository beside it, in
// a temporary directory, to evaluate what the repository was at that
// commit without touching the checkout the user works in.
package worktree

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

var (
	// ErrNotRepo: the directory is not inside a git work tree.
	ErrNotRepo = errors.New("not inside a git repository")
	// ErrUnknownRef: git cannot resolve the ref to a commit, for example
	// because it was never fetched.
	ErrUnknownRef = errors.New("no such commit")
)

// GitError is a git command that failed, with what git printed.
type GitError struct {
	Args   []string
	Stderr string
	Err    error
}

func (e *GitError) Error() string {
	msg := fmt.Sprintf("git %s: %v", strings.Join(e.Args, " "), e.Err)
	if e.Stderr != "" {
		msg += ": " + e.Stderr
	}
	return msg
}

func (e *GitError) Unwrap() error { return e.Err }

// git runs git in dir and returns its standard output without the last
// newline.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", &GitError{Args: args, Stderr: strings.TrimSpace(stderr.String()), Err: err}
	}
	return strings.TrimSuffix(stdout.String(), "\n"), nil
}

// TopLevel is the root of the work tree that holds dir.
func TopLevel(ctx context.Context, dir string) (string, error) {
	top, err := git(ctx, dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return "", fmt.Errorf("%s: %w (%w)", dir, ErrNotRepo, err)
	}
	return top, nil
}

// Commit resolves ref in the repository at dir to a full commit hash.
// A ref that does not name a commit is ErrUnknownRef.
func Commit(ctx context.Context, dir, ref string) (string, error) {
	// "--" would end the options; a ref starting with "-" is no ref.
	if ref == "" || strings.HasPrefix(ref, "-") {
		return "", fmt.Errorf("%q: %w", ref, ErrUnknownRef)
	}
	sha, err := git(ctx, dir, "rev-parse", "--verify", "--quiet", "--end-of-options", ref+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("%q: %w", ref, ErrUnknownRef)
	}
	return sha, nil
}

// Tree is a detached checkout of one commit in a temporary directory.
type Tree struct {
	Dir    string // the checkout
	Commit string
	repo   string
	tmp    string // the directory that holds Dir, removed with it
}

// Add checks out commit of the repository at repo into a new temporary
// directory. The caller must Remove it.
func Add(ctx context.Context, repo, commit string) (*Tree, error) {
	tmp, err := os.MkdirTemp("", "nixops-worktree-*")
	if err != nil {
		return nil, err
	}
	t := &Tree{Dir: filepath.Join(tmp, "tree"), Commit: commit, repo: repo, tmp: tmp}
	// Absolute paths even where git 2.48+ is set to write relative ones:
	// Nix's libgit2 cannot open a repository with relative worktrees
	// (NixOS/nix#14987).
	if _, err := git(ctx, repo, "-c", "worktree.useRelativePaths=false", "worktree", "add", "--detach", "--quiet", t.Dir, commit); err != nil {
		// git may have registered it before failing.
		return nil, errors.Join(err, t.Remove())
	}
	return t, nil
}

// Remove deletes the checkout and git's record of it, whether or not git
// finished adding it. It runs without the caller's context, which may be
// what ended the work.
func (t *Tree) Remove() error {
	// Its error is moot: what is left, the directory and the record, goes next.
	_, _ = git(context.Background(), t.repo, "worktree", "remove", "--force", t.Dir)
	if err := os.RemoveAll(t.tmp); err != nil {
		return err
	}
	_, err := git(context.Background(), t.repo, "worktree", "prune")
	return err
}
