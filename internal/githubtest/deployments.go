package githubtest

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The objects dora reads: deployments and their statuses, incident
// issues, and the pull requests behind merge commits with their commits.
// Unlike the objects the actions write, these carry the times a test
// gives them, since what dora computes from them is times.

// Deployment is a deployment of one commit to an environment, with its
// statuses in the order they were posted.
type Deployment struct {
	ID            int64
	SHA, Ref, Env string
	Created       time.Time
	Statuses      []DeploymentStatus
}

// DeploymentStatus is one status posted on a deployment.
type DeploymentStatus struct {
	ID      int64
	State   string // success, failure, error, inactive, pending, queued, in_progress
	Created time.Time
}

// Issue is an issue with labels; Closed is zero while it is open.
type Issue struct {
	Number          int
	Title           string
	Labels          []string
	Created, Closed time.Time
	PullRequest     bool // GitHub lists pull requests among the issues
}

// PullRequest is a merged pull request: the commit it was merged as (the
// squash) and the commits it was made of, oldest first.
type PullRequest struct {
	Number      int
	MergeCommit string
	Merged      time.Time
	Commits     []PullCommit
}

// PullCommit is a commit of a pull request.
type PullCommit struct {
	SHA           string
	Message       string
	Author        string
	AuthorDate    time.Time
	CommitterDate time.Time
}

// AddDeployment records a deployment with its statuses (oldest first)
// and returns its id.
func (r *Repo) AddDeployment(d Deployment) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nextID++
	d.ID = r.nextID
	for i := range d.Statuses {
		r.nextID++
		d.Statuses[i].ID = r.nextID
	}
	r.Deployments = append(r.Deployments, &d)
	return d.ID
}

// AddIssue records an issue, numbered in the order issues are added.
func (r *Repo) AddIssue(is Issue) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	is.Number = len(r.Issues) + len(r.Pulls) + 1
	r.Issues = append(r.Issues, &is)
	return is.Number
}

// AddPullRequest records a merged pull request and returns its number.
func (r *Repo) AddPullRequest(pr PullRequest) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	pr.Number = len(r.Issues) + len(r.Pulls) + 1
	r.Pulls = append(r.Pulls, &pr)
	return pr.Number
}

// listDeployments answers newest first, as GitHub does, filtered by the
// query's sha, ref and environment.
func (r *Repo) listDeployments(login string, _ map[string]string, c *Call) Response {
	var match []*Deployment
	for _, d := range slices.Backward(r.Deployments) {
		q := c.Query
		if q.Has("environment") && q.Get("environment") != d.Env || q.Has("sha") && q.Get("sha") != d.SHA || q.Has("ref") && q.Get("ref") != d.Ref {
			continue
		}
		match = append(match, d)
	}
	items, h := page(r, c, match)
	out := []any{}
	for _, d := range items {
		out = append(out, r.deploymentJSON(login, d))
	}
	return Response{Status: http.StatusOK, Header: h, Body: out}
}

// listDeploymentStatuses answers newest first, as GitHub does.
func (r *Repo) listDeploymentStatuses(login string, p map[string]string, c *Call) Response {
	id, _ := strconv.ParseInt(p["deployment_id"], 10, 64)
	for _, d := range r.Deployments {
		if d.ID != id {
			continue
		}
		items, h := page(r, c, slices.Collect(func(yield func(DeploymentStatus) bool) {
			for _, st := range slices.Backward(d.Statuses) {
				if !yield(st) {
					return
				}
			}
		}))
		out := []any{}
		for _, st := range items {
			out = append(out, r.deploymentStatusJSON(login, d, st))
		}
		return Response{Status: http.StatusOK, Header: h, Body: out}
	}
	return Response{Status: http.StatusNotFound, Body: ErrorBody(404, "Not Found")}
}

// listIssues answers newest first (GitHub's default sort), filtered by
// the query's state (default open) and labels (all of them).
func (r *Repo) listIssues(login string, _ map[string]string, c *Call) Response {
	state := c.Query.Get("state")
	if state == "" {
		state = "open"
	}
	var labels []string
	if l := c.Query.Get("labels"); l != "" {
		labels = strings.Split(l, ",")
	}
	var match []*Issue
	for _, is := range slices.Backward(r.Issues) {
		open := is.Closed.IsZero()
		if state == "open" && !open || state == "closed" && open {
			continue
		}
		if !hasAll(is.Labels, labels) {
			continue
		}
		match = append(match, is)
	}
	items, h := page(r, c, match)
	out := []any{}
	for _, is := range items {
		out = append(out, r.issueJSON(login, is))
	}
	return Response{Status: http.StatusOK, Header: h, Body: out}
}

func hasAll(have, want []string) bool {
	for _, w := range want {
		if !slices.ContainsFunc(have, func(h string) bool { return strings.EqualFold(h, w) }) {
			return false
		}
	}
	return true
}

// pullsOfCommit lists the pull requests merged as the commit.
func (r *Repo) pullsOfCommit(login string, p map[string]string, c *Call) Response {
	var match []*PullRequest
	for _, pr := range r.Pulls {
		if pr.MergeCommit == p["commit_sha"] {
			match = append(match, pr)
		}
	}
	items, h := page(r, c, match)
	out := []any{}
	for _, pr := range items {
		out = append(out, r.pullJSON(login, pr))
	}
	return Response{Status: http.StatusOK, Header: h, Body: out}
}

func (r *Repo) pullCommits(login string, p map[string]string, c *Call) Response {
	n, _ := strconv.Atoi(p["pull_number"])
	for _, pr := range r.Pulls {
		if pr.Number != n {
			continue
		}
		items, h := page(r, c, pr.Commits)
		out := []any{}
		for k, pc := range items {
			parent := pr.MergeCommit // the base: any commit will do for the fake
			if k > 0 {
				parent = items[k-1].SHA
			}
			out = append(out, r.commitJSON(pc, parent))
		}
		return Response{Status: http.StatusOK, Header: h, Body: out}
	}
	return Response{Status: http.StatusNotFound, Body: ErrorBody(404, "Not Found")}
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (r *Repo) deploymentJSON(login string, d *Deployment) map[string]any {
	u := fmt.Sprintf("%s/deployments/%d", r.repoURL(), d.ID)
	return map[string]any{
		"id": d.ID, "node_id": nodeID("Deployment", d.ID), "sha": d.SHA, "ref": d.Ref, "task": "deploy",
		"environment": d.Env, "creator": r.user(login), "payload": map[string]any{}, "description": nil,
		"statuses_url": u + "/statuses", "repository_url": r.repoURL(), "url": u,
		"created_at": rfc3339(d.Created), "updated_at": rfc3339(d.Created),
	}
}

func (r *Repo) deploymentStatusJSON(login string, d *Deployment, st DeploymentStatus) map[string]any {
	du := fmt.Sprintf("%s/deployments/%d", r.repoURL(), d.ID)
	return map[string]any{
		"id": st.ID, "node_id": nodeID("DeploymentStatus", st.ID), "state": st.State, "creator": r.user(login),
		"description": "", "environment": d.Env, "deployment_url": du, "target_url": "", "repository_url": r.repoURL(),
		"url": fmt.Sprintf("%s/statuses/%d", du, st.ID), "created_at": rfc3339(st.Created), "updated_at": rfc3339(st.Created),
	}
}

func (r *Repo) issueJSON(login string, is *Issue) map[string]any {
	u := fmt.Sprintf("%s/issues/%d", r.repoURL(), is.Number)
	labels := []any{}
	for k, l := range is.Labels {
		labels = append(labels, map[string]any{"id": k + 1, "node_id": nodeID("Label", int64(k+1)), "url": r.repoURL() + "/labels/" + l,
			"name": l, "description": nil, "color": "d73a4a", "default": false})
	}
	state, closed := "open", any(nil)
	if !is.Closed.IsZero() {
		state, closed = "closed", rfc3339(is.Closed)
	}
	out := map[string]any{
		"id": int64(is.Number) + 5000, "node_id": nodeID("Issue", int64(is.Number)), "number": is.Number, "title": is.Title,
		"url": u, "html_url": fmt.Sprintf("%s/issues/%d", r.htmlURL(), is.Number), "repository_url": r.repoURL(),
		"labels_url": u + "/labels{/name}", "comments_url": u + "/comments", "events_url": u + "/events",
		"labels": labels, "state": state, "locked": false, "assignee": nil, "milestone": nil, "comments": 0,
		"user": r.user(login), "created_at": rfc3339(is.Created), "updated_at": rfc3339(is.Created), "closed_at": closed,
	}
	if is.PullRequest {
		out["pull_request"] = map[string]any{"url": r.repoURL() + "/pulls/" + strconv.Itoa(is.Number), "html_url": nil, "diff_url": nil, "patch_url": nil}
	}
	return out
}

// pullJSON is a merged pull request as the commit's pull request list
// gives it ("pull-request-simple"), from and into this repository's main.
func (r *Repo) pullJSON(login string, pr *PullRequest) map[string]any {
	u := fmt.Sprintf("%s/pulls/%d", r.repoURL(), pr.Number)
	iu := fmt.Sprintf("%s/issues/%d", r.repoURL(), pr.Number)
	html := fmt.Sprintf("%s/pull/%d", r.htmlURL(), pr.Number)
	link := func(h string) map[string]any { return map[string]any{"href": h} }
	side := func(ref, sha string) map[string]any {
		return map[string]any{"label": r.Owner + ":" + ref, "ref": ref, "sha": sha, "user": r.user(r.Owner), "repo": r.repositoryJSON()}
	}
	head := ""
	if n := len(pr.Commits); n > 0 {
		head = pr.Commits[n-1].SHA
	}
	merged := rfc3339(pr.Merged)
	return map[string]any{
		"id": int64(pr.Number) + 9000, "node_id": nodeID("PullRequest", int64(pr.Number)), "number": pr.Number,
		"url": u, "html_url": html, "diff_url": html + ".diff", "patch_url": html + ".patch", "issue_url": iu,
		"commits_url": u + "/commits", "review_comments_url": u + "/comments", "review_comment_url": r.repoURL() + "/pulls/comments{/number}",
		"comments_url": iu + "/comments", "statuses_url": r.repoURL() + "/statuses/" + head,
		"state": "closed", "locked": false, "title": fmt.Sprintf("pull request %d", pr.Number), "body": nil,
		"user": r.user(login), "assignee": nil, "labels": []any{}, "milestone": nil, "auto_merge": nil,
		"author_association": "MEMBER", "created_at": merged, "updated_at": merged, "closed_at": merged, "merged_at": merged,
		"merge_commit_sha": pr.MergeCommit, "head": side(fmt.Sprintf("pr-%d", pr.Number), head), "base": side("main", pr.MergeCommit),
		"_links": map[string]any{
			"self": link(u), "html": link(html), "issue": link(iu), "comments": link(iu + "/comments"),
			"review_comments": link(u + "/comments"), "review_comment": link(r.repoURL() + "/pulls/comments{/number}"),
			"commits": link(u + "/commits"), "statuses": link(r.repoURL() + "/statuses/" + head),
		},
	}
}

// repositoryJSON is the repository ("repository"), with the many fields
// GitHub's description requires of it.
func (r *Repo) repositoryJSON() map[string]any {
	u := r.repoURL()
	out := map[string]any{
		"id": 1296269, "node_id": nodeID("Repository", 1296269), "name": r.Name, "full_name": r.full(),
		"owner": r.user(r.Owner), "private": false, "fork": false, "description": nil, "homepage": nil,
		"language": nil, "mirror_url": nil, "license": nil, "pushed_at": timestamp, "created_at": timestamp, "updated_at": timestamp,
		"url": u, "html_url": r.htmlURL(), "clone_url": r.htmlURL() + ".git", "git_url": "git://github.com/" + r.full() + ".git",
		"ssh_url": "git@github.com:" + r.full() + ".git", "svn_url": r.htmlURL(), "default_branch": "main",
		"forks": 0, "forks_count": 0, "open_issues": 0, "open_issues_count": 0, "size": 1,
		"stargazers_count": 0, "watchers": 0, "watchers_count": 0,
		"has_downloads": true, "has_issues": true, "has_projects": false, "has_wiki": false, "has_pages": false,
		"archived": false, "disabled": false,
	}
	for _, name := range []string{"archive", "assignees", "blobs", "branches", "collaborators", "comments", "commits",
		"compare", "contents", "contributors", "deployments", "downloads", "events", "forks", "git_commits", "git_refs",
		"git_tags", "hooks", "issue_comment", "issue_events", "issues", "keys", "labels", "languages", "merges",
		"milestones", "notifications", "pulls", "releases", "stargazers", "statuses", "subscribers", "subscription",
		"tags", "teams", "trees"} {
		out[name+"_url"] = u + "/" + strings.ReplaceAll(name, "_", "/")
	}
	return out
}

// commitJSON is a commit of a pull request ("commit").
func (r *Repo) commitJSON(pc PullCommit, parent string) map[string]any {
	u := r.repoURL() + "/commits/" + pc.SHA
	person := func(t time.Time) map[string]any {
		return map[string]any{"name": pc.Author, "email": strings.ToLower(strings.ReplaceAll(pc.Author, " ", ".")) + "@example.com", "date": rfc3339(t)}
	}
	return map[string]any{
		"sha": pc.SHA, "node_id": nodeID("Commit", int64(len(pc.SHA))), "url": u,
		"html_url": r.htmlURL() + "/commit/" + pc.SHA, "comments_url": u + "/comments",
		"commit": map[string]any{
			"url": r.repoURL() + "/git/commits/" + pc.SHA, "message": pc.Message, "comment_count": 0,
			"author": person(pc.AuthorDate), "committer": person(pc.CommitterDate),
			"tree": map[string]any{"sha": strings.Repeat("4", 40), "url": r.repoURL() + "/git/trees/" + strings.Repeat("4", 40)},
		},
		"author": nil, "committer": nil,
		"parents": []any{map[string]any{"sha": parent, "url": r.repoURL() + "/commits/" + parent}},
	}
}
