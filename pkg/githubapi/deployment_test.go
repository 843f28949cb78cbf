package githubapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/githubtest"
	"github.com/voidnxsec/nixops-actions/pkg/githubapi"
)

var day0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// TestDeployments reads 230 deployments to production (three pages of
// 100) among deployments to staging, each with its statuses, and gets them
// oldest first with statuses oldest first, though GitHub lists both
// newest first.
func TestDeployments(t *testing.T) {
	srv := githubtest.New(t)
	c, _ := newClient(t, srv)
	for i := 0; i < 230; i++ {
		at := day0.Add(time.Duration(i) * time.Hour)
		sha := fmt.Sprintf("%040x", i+1)
		srv.AddDeployment(githubtest.Deployment{SHA: sha, Ref: "main", Env: "staging", Created: at})
		srv.AddDeployment(githubtest.Deployment{SHA: sha, Ref: "main", Env: "production", Created: at.Add(time.Minute),
			Statuses: []githubtest.DeploymentStatus{
				{State: "in_progress", Created: at.Add(2 * time.Minute)},
				{State: "success", Created: at.Add(5 * time.Minute)},
			}})
	}
	ds, err := c.Deployments(context.Background(), repoOf(srv), "production")
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 230 {
		t.Fatalf("%d deployments, want 230", len(ds))
	}
	for i, d := range ds {
		at := day0.Add(time.Duration(i) * time.Hour)
		if d.Environment != "production" || d.SHA != fmt.Sprintf("%040x", i+1) || !d.Created.Equal(at.Add(time.Minute)) {
			t.Fatalf("deployment %d: %+v", i, d)
		}
		if len(d.Statuses) != 2 || d.Statuses[0].State != "in_progress" || d.Statuses[1].State != "success" || !d.Statuses[1].Created.Equal(at.Add(5*time.Minute)) {
			t.Fatalf("deployment %d: statuses %+v", i, d.Statuses)
		}
	}
	lists := srv.Calls("repos/list-deployments")
	if len(lists) != 3 {
		t.Errorf("%d list requests, want 3 pages", len(lists))
	}
	for _, cl := range lists {
		if cl.Query.Get("environment") != "production" || cl.Query.Get("per_page") != "100" {
			t.Errorf("list query %v", cl.Query)
		}
	}
}

// TestIssuesWithLabel reads incidents, open and closed, over two pages,
// leaving out issues without the label and pull requests with it.
func TestIssuesWithLabel(t *testing.T) {
	srv := githubtest.New(t)
	c, _ := newClient(t, srv)
	var want []int
	for i := 0; i < 120; i++ {
		at := day0.Add(time.Duration(i) * time.Hour)
		is := githubtest.Issue{Title: fmt.Sprintf("outage %d", i), Labels: []string{"bug", "incident"}, Created: at}
		if i%2 == 0 {
			is.Closed = at.Add(30 * time.Minute)
		}
		want = append(want, srv.AddIssue(is))
		srv.AddIssue(githubtest.Issue{Title: "feature", Labels: []string{"enhancement"}, Created: at})
	}
	srv.AddIssue(githubtest.Issue{Title: "a pull request", Labels: []string{"incident"}, Created: day0, PullRequest: true})
	got, err := c.IssuesWithLabel(context.Background(), repoOf(srv), "incident")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d issues, want %d", len(got), len(want))
	}
	for i, is := range got {
		at := day0.Add(time.Duration(i) * time.Hour)
		if is.Number != want[i] || !is.Created.Equal(at) || (i%2 == 0) == is.Closed.IsZero() {
			t.Fatalf("issue %d: %+v", i, is)
		}
	}
	for _, cl := range srv.Calls("issues/list-for-repo") {
		if cl.Query.Get("labels") != "incident" || cl.Query.Get("state") != "all" {
			t.Errorf("list query %v", cl.Query)
		}
	}
	if n := len(srv.Calls("issues/list-for-repo")); n != 2 {
		t.Errorf("%d list requests, want 2 pages", n)
	}
}

// TestMergedPullCommits finds the pull request squashed into a commit
// and its 130 commits over two pages; a commit no pull request was merged
// as gives none.
func TestMergedPullCommits(t *testing.T) {
	srv := githubtest.New(t)
	c, _ := newClient(t, srv)
	squash := strings.Repeat("a", 40)
	var commits []githubtest.PullCommit
	for i := 0; i < 130; i++ {
		at := day0.Add(time.Duration(i) * time.Minute)
		commits = append(commits, githubtest.PullCommit{SHA: fmt.Sprintf("%040x", 1000+i), Message: "wip", Author: "A U Thor", AuthorDate: at, CommitterDate: at.Add(time.Hour)})
	}
	n := srv.AddPullRequest(githubtest.PullRequest{MergeCommit: squash, Merged: day0.Add(48 * time.Hour), Commits: commits})
	num, got, err := c.MergedPullCommits(context.Background(), repoOf(srv), squash)
	if err != nil {
		t.Fatal(err)
	}
	if num != n || len(got) != 130 || !got[0].AuthorDate.Equal(day0) || got[129].SHA != commits[129].SHA || !got[0].CommitterDate.Equal(day0.Add(time.Hour)) {
		t.Fatalf("#%d, %d commits, first %+v", num, len(got), got[0])
	}
	if k := len(srv.Calls("pulls/list-commits")); k != 2 {
		t.Errorf("%d commit list requests, want 2 pages", k)
	}
	num, got, err = c.MergedPullCommits(context.Background(), repoOf(srv), strings.Repeat("b", 40))
	if err != nil || num != 0 || got != nil {
		t.Fatalf("a commit without pull request: #%d %v %v", num, got, err)
	}
}

// TestReadPermissions: a token without the read permissions gets errors
// naming the one to grant.
func TestReadPermissions(t *testing.T) {
	srv := githubtest.New(t)
	c, _ := newClient(t, srv)
	refuse := githubtest.Response{Status: http.StatusForbidden, Body: githubtest.ErrorBody(403, "Resource not accessible by integration")}
	srv.Fail("repos/list-deployments", refuse)
	srv.Fail("issues/list-for-repo", refuse)
	srv.Fail("repos/list-pull-requests-associated-with-commit", refuse)
	ctx := context.Background()
	_, err1 := c.Deployments(ctx, repoOf(srv), "production")
	_, err2 := c.IssuesWithLabel(ctx, repoOf(srv), "incident")
	_, _, err3 := c.MergedPullCommits(ctx, repoOf(srv), strings.Repeat("c", 40))
	for _, tc := range []struct {
		err  error
		perm githubapi.Permission
	}{{err1, githubapi.DeploymentsRead}, {err2, githubapi.IssuesRead}, {err3, githubapi.PullRequestsRead}} {
		var pe *githubapi.PermissionError
		if !errors.As(tc.err, &pe) || pe.Permission != tc.perm || !strings.Contains(tc.err.Error(), string(tc.perm)) {
			t.Errorf("%v: want a permission error naming %q", tc.err, tc.perm)
		}
	}
}
