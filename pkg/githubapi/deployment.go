package githubapi

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/go-github/v60/github"
)

// Deployment is a deployment of the Deployments API with its statuses,
// what dora needs to tell when it went live and whether it failed.
type Deployment struct {
	ID          int64
	SHA         string
	Ref         string
	Environment string
	Created     time.Time
	Statuses    []DeploymentStatus // oldest first
}

// DeploymentStatus is one status posted on a deployment.
type DeploymentStatus struct {
	State   string // success, failure, error, inactive, pending, queued, in_progress
	Created time.Time
}

// Deployments reads every deployment to environment with all its
// statuses, oldest deployment first. GitHub lists both newest first; the
// order is turned here so that callers read history forwards.
func (c *Client) Deployments(ctx context.Context, repo Repo, environment string) ([]Deployment, error) {
	op := operation{fmt.Sprintf("list the deployments to environment %q", environment), DeploymentsRead}
	var out []Deployment
	err := eachPage(ctx, func(ctx context.Context, o github.ListOptions) ([]*github.Deployment, *github.Response, error) {
		return c.gh.Repositories.ListDeployments(ctx, repo.Owner, repo.Name, &github.DeploymentsListOptions{Environment: environment, ListOptions: o})
	}, func(d *github.Deployment) bool {
		out = append(out, Deployment{ID: d.GetID(), SHA: d.GetSHA(), Ref: d.GetRef(), Environment: d.GetEnvironment(), Created: d.GetCreatedAt().Time.UTC()})
		return true
	})
	if err != nil {
		return nil, c.wrap(op, err)
	}
	slices.Reverse(out)
	for k := range out {
		if out[k].Statuses, err = c.deploymentStatuses(ctx, repo, out[k].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c *Client) deploymentStatuses(ctx context.Context, repo Repo, id int64) ([]DeploymentStatus, error) {
	op := operation{fmt.Sprintf("list the statuses of deployment %d", id), DeploymentsRead}
	var out []DeploymentStatus
	err := eachPage(ctx, func(ctx context.Context, o github.ListOptions) ([]*github.DeploymentStatus, *github.Response, error) {
		return c.gh.Repositories.ListDeploymentStatuses(ctx, repo.Owner, repo.Name, id, &o)
	}, func(s *github.DeploymentStatus) bool {
		out = append(out, DeploymentStatus{State: s.GetState(), Created: s.GetCreatedAt().Time.UTC()})
		return true
	})
	if err != nil {
		return nil, c.wrap(op, err)
	}
	slices.Reverse(out)
	return out, nil
}

// Issue is an issue, as an incident: when it was opened and closed.
type Issue struct {
	Number  int
	Title   string
	Created time.Time
	Closed  time.Time // zero while open
}

// IssuesWithLabel reads every issue, open or closed, carrying label,
// oldest first. Pull requests, which GitHub lists among the issues, are
// left out.
func (c *Client) IssuesWithLabel(ctx context.Context, repo Repo, label string) ([]Issue, error) {
	op := operation{fmt.Sprintf("list the issues labelled %q", label), IssuesRead}
	var out []Issue
	err := eachPage(ctx, func(ctx context.Context, o github.ListOptions) ([]*github.Issue, *github.Response, error) {
		return c.gh.Issues.ListByRepo(ctx, repo.Owner, repo.Name, &github.IssueListByRepoOptions{
			Labels: []string{label}, State: "all", Sort: "created", Direction: "asc", ListOptions: o})
	}, func(is *github.Issue) bool {
		if !is.IsPullRequest() {
			out = append(out, Issue{Number: is.GetNumber(), Title: is.GetTitle(), Created: is.GetCreatedAt().Time.UTC(), Closed: is.GetClosedAt().Time.UTC()})
		}
		return true
	})
	if err != nil {
		return nil, c.wrap(op, err)
	}
	// Sorted here too: GitHub sorts as asked, but issues opened while the
	// pages are read would shift them.
	slices.SortStableFunc(out, func(a, b Issue) int { return a.Created.Compare(b.Created) })
	return out, nil
}

// PullCommit is a commit of a pull request.
type PullCommit struct {
	SHA           string
	AuthorDate    time.Time
	CommitterDate time.Time
}

// MergedPullCommits finds the pull request that was merged as commit sha
// (a squash or a merge commit) and returns its number and commits, oldest
// first. A commit no pull request was merged as gives 0 and no commits.
// GitHub lists at most 250 commits of a pull request; the first of them
// is still the oldest, which is what lead time needs.
func (c *Client) MergedPullCommits(ctx context.Context, repo Repo, sha string) (int, []PullCommit, error) {
	var number int
	err := eachPage(ctx, func(ctx context.Context, o github.ListOptions) ([]*github.PullRequest, *github.Response, error) {
		return c.gh.PullRequests.ListPullRequestsWithCommit(ctx, repo.Owner, repo.Name, sha, &o)
	}, func(pr *github.PullRequest) bool {
		// The list also holds open pull requests that contain the commit.
		if pr.GetMergeCommitSHA() == sha && pr.MergedAt != nil {
			number = pr.GetNumber()
			return false
		}
		return true
	})
	if err != nil {
		return 0, nil, c.wrap(operation{fmt.Sprintf("find the pull request merged as %s", sha), PullRequestsRead}, err)
	}
	if number == 0 {
		return 0, nil, nil
	}
	var out []PullCommit
	err = eachPage(ctx, func(ctx context.Context, o github.ListOptions) ([]*github.RepositoryCommit, *github.Response, error) {
		return c.gh.PullRequests.ListCommits(ctx, repo.Owner, repo.Name, number, &o)
	}, func(rc *github.RepositoryCommit) bool {
		cm := rc.GetCommit()
		out = append(out, PullCommit{SHA: rc.GetSHA(), AuthorDate: cm.GetAuthor().GetDate().Time.UTC(), CommitterDate: cm.GetCommitter().GetDate().Time.UTC()})
		return true
	})
	if err != nil {
		return 0, nil, c.wrap(operation{fmt.Sprintf("list the commits of pull request #%d", number), PullRequestsRead}, err)
	}
	return number, out, nil
}
