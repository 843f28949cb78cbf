// Package deploy runs a deployment as the pipeline's deploy stage does:
// the deploy command, then the verify command with retries under a
// deadline, and when verification fails the rollback command. Each
// deployment and each rollback is recorded as an annotated tag, where the
// dora package reads deployments: a rollback adds no commit, so its tag's
// message carries "Fixes-deployment: <the failed deployment>", which makes
// the failed one count in change failure rate and recovery time.
package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"
)

// Options say what to run and where to record it.
type Options struct {
	// Deploy, Verify and Rollback are bash scripts; Verify and Rollback
	// may be empty. They run in Dir with Env.
	Deploy, Verify, Rollback string
	Dir                      string
	Env                      []string
	// Attempts, Interval and Timeout bound verification: at most Attempts
	// runs, Interval apart, all within Timeout of the first.
	Attempts int
	Interval time.Duration
	Timeout  time.Duration
	// Environment names the target; tags are <TagPrefix><Environment>/<time>.
	Environment, TagPrefix string
	// Remote, when set, is where the tags are pushed, with PushEnv added
	// to that git command's environment (credentials).
	Remote  string
	PushEnv []string
	// Now is the clock (time.Now when nil); Stdout and Stderr get the
	// scripts' output.
	Now            func() time.Time
	Stdout, Stderr io.Writer
}

// Result is what happened.
type Result struct {
	// Deployment and Rollback are the tags made; empty when none was.
	Deployment, Rollback string
	// Attempts is how many times verification ran.
	Attempts int
	Verified bool
}

// ScriptError is a script that failed.
type ScriptError struct {
	Stage string // deploy, verify or rollback
	Err   error
}

func (e *ScriptError) Error() string { return e.Stage + " failed: " + e.Err.Error() }
func (e *ScriptError) Unwrap() error { return e.Err }

// ErrRolledBack: verification failed and the rollback ran.
var ErrRolledBack = errors.New("verification failed; rolled back")

// Run deploys. It returns ErrRolledBack (wrapping the verification's
// error) when it rolled back, a *ScriptError when a script failed
// otherwise.
func Run(ctx context.Context, o Options) (*Result, error) {
	o = o.withDefaults()
	r := &Result{}
	if err := o.script(ctx, "deploy", o.Deploy); err != nil {
		return r, errors.Join(err, o.rollback(ctx, r, ""))
	}
	var err error
	if r.Deployment, err = o.tag(ctx, "", "Deploy to "+o.Environment); err != nil {
		return r, err
	}
	verr := o.verify(ctx, r)
	if verr == nil {
		return r, o.push(ctx, r)
	}
	if err := o.rollback(ctx, r, r.Deployment); err != nil {
		return r, errors.Join(verr, err, o.push(ctx, r))
	}
	return r, errors.Join(fmt.Errorf("%w: %w", ErrRolledBack, verr), o.push(ctx, r))
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	if o.Env == nil {
		o.Env = os.Environ()
	}
	o.Attempts = max(o.Attempts, 1)
	return o
}

// verify runs the verify script until it passes, Attempts runs or
// Timeout, whichever comes first.
func (o Options) verify(ctx context.Context, r *Result) error {
	if o.Verify == "" {
		r.Verified = true
		return nil
	}
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	var err error
	for r.Attempts < o.Attempts {
		r.Attempts++
		if err = o.script(ctx, "verify", o.Verify); err == nil {
			r.Verified = true
			return nil
		}
		if r.Attempts == o.Attempts {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (deadline of %s reached after %d attempts)", err, o.Timeout, r.Attempts)
		case <-time.After(o.Interval):
		}
	}
	return err
}

// rollback runs the rollback script and, when failed names a recorded
// deployment, tags the rollback as the deployment that fixes it.
func (o Options) rollback(ctx context.Context, r *Result, failed string) error {
	if o.Rollback == "" {
		return nil
	}
	// The job's own context may be over (a deadline): a rollback still runs.
	if err := o.script(context.WithoutCancel(ctx), "rollback", o.Rollback); err != nil {
		return err
	}
	if failed == "" {
		return nil
	}
	var err error
	r.Rollback, err = o.tag(ctx, "-rollback", fmt.Sprintf("Roll back %s\n\nFixes-deployment: %s", failed, failed))
	return err
}

func (o Options) script(ctx context.Context, stage, script string) error {
	cmd := exec.CommandContext(ctx, "bash", "-eo", "pipefail", "-c", script)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = o.Dir, o.Env, o.Stdout, o.Stderr
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		return &ScriptError{Stage: stage, Err: err}
	}
	return nil
}
