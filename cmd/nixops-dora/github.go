package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/dora"
	"github.com/voidnxsec/nixops-actions/pkg/githubapi"
)

// githubSource reads what source github adds from GitHub's API: the
// deployments to the environment with their statuses, the incident
// issues, and the pull requests behind the commits that could be squash
// merges. It needs deployments: read, issues: read and pull-requests:
// read.
func githubSource(ctx context.Context, a *action.Action, cfg dora.Config, token string) (*dora.GitHubData, error) {
	if token == "" {
		return nil, &action.InputError{Input: "github-token", Err: errors.New("is empty, and source: github reads GitHub's API"),
			Accepted: "${{ github.token }} (the default) or a token with deployments: read, issues: read and pull-requests: read"}
	}
	rc, err := a.Context()
	if err != nil {
		return nil, err
	}
	repo, err := githubapi.ParseRepo(rc.Repository)
	if err != nil {
		return nil, fmt.Errorf("source: github needs the repository in GITHUB_REPOSITORY: %w", err)
	}
	c, err := githubapi.New(githubapi.StepOptions(rc.APIURL, token, "nixops-dora/"+version, false, a.Getenv, a.Infof))
	if err != nil {
		return nil, err
	}
	data, err := readDeployments(ctx, c, repo, cfg)
	if err != nil {
		return nil, err
	}
	a.Infof("GitHub: %d deployments to %s, %d incidents", len(data.Deployments), cfg.Environment, len(data.Incidents))
	cands, err := dora.SquashCandidates(ctx, cfg.Repo, cfg, data)
	if err != nil {
		return nil, explain(err)
	}
	data.Pulls = map[string][]dora.CommitTimes{}
	for _, sha := range cands {
		n, commits, err := c.MergedPullCommits(ctx, repo, sha)
		if err != nil {
			return nil, err
		}
		if n == 0 || len(commits) == 0 {
			continue
		}
		for _, pc := range commits {
			data.Pulls[sha] = append(data.Pulls[sha], dora.CommitTimes{Author: pc.AuthorDate, Committer: pc.CommitterDate})
		}
	}
	a.Infof("GitHub: %d of %d commits on the deployed first-parent chains were merged from a pull request", len(data.Pulls), len(cands))
	return data, nil
}

func readDeployments(ctx context.Context, c *githubapi.Client, repo githubapi.Repo, cfg dora.Config) (*dora.GitHubData, error) {
	deps, err := c.Deployments(ctx, repo, cfg.Environment)
	if err != nil {
		return nil, err
	}
	data := &dora.GitHubData{}
	for _, d := range deps {
		gd := dora.GitHubDeployment{ID: d.ID, SHA: d.SHA}
		for _, st := range d.Statuses {
			gd.Statuses = append(gd.Statuses, dora.GitHubStatus{State: st.State, Time: st.Created})
		}
		data.Deployments = append(data.Deployments, gd)
	}
	if cfg.IncidentLabel == "" {
		return data, nil
	}
	issues, err := c.IssuesWithLabel(ctx, repo, cfg.IncidentLabel)
	if err != nil {
		return nil, err
	}
	for _, is := range issues {
		data.Incidents = append(data.Incidents, dora.Incident{Number: is.Number, Created: is.Created, Closed: is.Closed})
	}
	return data, nil
}
