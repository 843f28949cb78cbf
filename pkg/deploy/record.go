package deploy

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// tagTime is the tag name's time format: sortable, and a valid ref.
const tagTime = "20060102T150405Z"

// tag makes an annotated tag of HEAD, dated now, named by environment and
// time (plus suffix), and returns its name.
func (o Options) tag(ctx context.Context, suffix, message string) (string, error) {
	now := o.Now().UTC()
	name := o.TagPrefix + o.Environment + "/" + now.Format(tagTime) + suffix
	date := fmt.Sprintf("@%d +0000", now.Unix())
	env := append(o.Env, "GIT_COMMITTER_DATE="+date)
	if _, err := o.git(ctx, env, "tag", "--annotate", "--cleanup=verbatim", "--message", message, name, "HEAD"); err != nil {
		return "", err
	}
	return name, nil
}

// push sends the tags made to Remote.
func (o Options) push(ctx context.Context, r *Result) error {
	if o.Remote == "" || r.Deployment == "" {
		return nil
	}
	refs := []string{"refs/tags/" + r.Deployment}
	if r.Rollback != "" {
		refs = append(refs, "refs/tags/"+r.Rollback)
	}
	_, err := o.git(context.WithoutCancel(ctx), append(o.Env, o.PushEnv...), append([]string{"push", "--quiet", o.Remote}, refs...)...)
	return err
}

// GitError is a git command that failed.
type GitError struct {
	Args   []string
	Stderr string
	Err    error
}

func (e *GitError) Error() string {
	return fmt.Sprintf("git %s: %v: %s", strings.Join(e.Args, " "), e.Err, e.Stderr)
}
func (e *GitError) Unwrap() error { return e.Err }

func (o Options) git(ctx context.Context, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir, cmd.Env = o.Dir, env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", &GitError{Args: args[:1], Stderr: strings.TrimSpace(stderr.String()), Err: err}
	}
	return stdout.String(), nil
}
