package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/deploy"
	"github.com/voidnxsec/nixops-actions/pkg/githubapi"
	"github.com/voidnxsec/nixops-actions/pkg/markdown"
)

// envName is what a tag name may carry of the environment.
var envName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

func deployStep(ctx context.Context, a *action.Action, cfg config) error {
	if !envName.MatchString(cfg.environment) {
		return &action.InputError{Input: "environment", Err: fmt.Errorf("%q cannot be part of a tag name", cfg.environment),
			Accepted: "letters, digits, '.', '_' and '-', starting with a letter or digit"}
	}
	if cfg.attempts < 1 {
		return &action.InputError{Input: "verify-attempts", Err: fmt.Errorf("%d is not a positive number", cfg.attempts), Accepted: "1 or more"}
	}
	rc, err := a.Context()
	if err != nil {
		return err
	}
	o := deploy.Options{Deploy: cfg.deploy, Verify: cfg.verify, Rollback: cfg.rollback, Dir: rc.Workspace,
		Env: tagger(os.Environ()), Attempts: cfg.attempts, Interval: cfg.interval, Timeout: cfg.timeout,
		Environment: cfg.environment, TagPrefix: cfg.prefix, Stdout: a.Stdout(), Stderr: a.Stdout()}
	if cfg.push {
		o.Remote = "origin"
		if rc.Repository != "" && rc.ServerURL != "" && cfg.token != "" {
			o.Remote = rc.ServerURL + "/" + rc.Repository + ".git"
			var secret string
			o.PushEnv, secret = githubapi.GitPushConfig(o.Env, rc.ServerURL, cfg.token)
			a.AddMask(secret)
		}
	}
	res, err := deploy.Run(ctx, o)
	result := "deployed"
	switch {
	case errors.Is(err, deploy.ErrRolledBack):
		result = "rolled-back"
	case err != nil:
		result = "failed"
	}
	if oerr := a.SetOutputs(
		action.Output{Name: "deployment", Value: res.Deployment},
		action.Output{Name: "rollback", Value: res.Rollback},
		action.Output{Name: "result", Value: result},
		action.Output{Name: "attempts", Value: strconv.Itoa(res.Attempts)},
	); oerr != nil {
		return errors.Join(err, oerr)
	}
	return errors.Join(err, a.AddSummary(summary(cfg, res, result)))
}

// tagger names the bot as the tags' tagger unless the job set one.
func tagger(env []string) []string {
	has := func(k string) bool { _, ok := os.LookupEnv(k); return ok }
	if !has("GIT_COMMITTER_NAME") {
		env = append(env, "GIT_COMMITTER_NAME=github-actions[bot]")
	}
	if !has("GIT_COMMITTER_EMAIL") {
		env = append(env, "GIT_COMMITTER_EMAIL=41898282+github-actions[bot]@users.noreply.github.com")
	}
	return env
}

func summary(cfg config, res *deploy.Result, result string) string {
	tb := markdown.NewTable(markdown.Column{Name: "Step"}, markdown.Column{Name: "Record"})
	tag := func(name string) string {
		if name == "" {
			return "none"
		}
		return markdown.Code(name)
	}
	tb.Row("deploy", tag(res.Deployment))
	tb.Row(fmt.Sprintf("verify (%d runs)", res.Attempts), strconv.FormatBool(res.Verified))
	tb.Row("rollback", tag(res.Rollback))
	return fmt.Sprintf("### Deploy to %s: %s\n\n%s", markdown.Text(cfg.environment), result, tb.String())
}
