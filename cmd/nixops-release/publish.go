package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/githubapi"
	"github.com/voidnxsec/nixops-actions/pkg/httpclient"
	"github.com/voidnxsec/nixops-actions/pkg/release"
)

// publish makes the release cut in o.Dir public in the run's repository.
func publish(ctx context.Context, a *action.Action, o release.PublishOptions, token string) error {
	if token == "" {
		return &action.InputError{Input: "github-token", Err: errors.New(`stage "publish" needs a token`),
			Accepted: "the job's ${{ github.token }} with `contents: write`"}
	}
	rc, err := a.Context()
	if err != nil {
		return err
	}
	repo, err := githubapi.ParseRepo(rc.Repository)
	if err != nil {
		return fmt.Errorf("GITHUB_REPOSITORY: %w (the runner sets it; outside one, set it to the repository to publish to)", err)
	}
	client, err := githubapi.New(githubapi.Options{APIURL: rc.APIURL, Token: token, UserAgent: "nixops-release",
		HTTP:    httpclient.Options{Proxy: httpclient.ProxyFromEnv(a.Getenv)},
		OnRetry: func(r githubapi.Retry) { a.Infof("retrying %s %s in %s: %s", r.Method, r.Path, r.Wait, r.Reason) }})
	if err != nil {
		return fmt.Errorf("GITHUB_API_URL: %w", err)
	}
	var basic string
	o.PushEnv, basic = githubapi.GitPushConfig(o.Env, rc.ServerURL, token)
	a.AddMask(basic)
	p, err := release.Publish(ctx, release.GitHub{Client: client, Repo: repo}, o)
	if err != nil {
		return explain(err)
	}
	a.Infof("published %s to %s: %s", o.Version, repo, p)
	return nil
}

// explain names the input at fault.
func explain(err error) error {
	var dirty *release.DirtyTreeError
	var denied *githubapi.PermissionError
	switch {
	case errors.As(err, &denied):
		return &action.InputError{Input: "github-token", Err: err}
	case errors.Is(err, release.ErrBadVersion):
		return &action.InputError{Input: "version", Err: err}
	case errors.Is(err, release.ErrReleased):
		return &action.InputError{Input: "version", Err: err, Accepted: "a version with no tag and no entry in actions/checksums.txt"}
	case errors.As(err, &dirty):
		return &action.InputError{Input: "repo", Err: fmt.Errorf("%w; commit or stash them (git stash --include-untracked), then run again", err)}
	}
	return err
}
