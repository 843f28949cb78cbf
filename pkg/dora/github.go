package dora

import (
	"encoding/hex"
	"fmt"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/history"
)

// GitHubData is what the github source adds to the history: the caller
// reads it from GitHub's API (this package calls no service) and passes it
// to ComputeWith. The same history and the same data give the same report.
type GitHubData struct {
	// Deployments to the environment, each with its statuses oldest first.
	Deployments []GitHubDeployment
	// Incidents are the issues carrying the incident label, open or closed.
	Incidents []Incident
	// Pulls maps a commit a pull request was merged as (40 hex digits) to
	// the times of the pull request's commits (SquashCandidates says which
	// commits to look up).
	Pulls map[string][]CommitTimes
}

// GitHubDeployment is a deployment of the Deployments API.
type GitHubDeployment struct {
	ID       int64
	SHA      string
	Statuses []GitHubStatus // oldest first
}

// GitHubStatus is one status of a deployment.
type GitHubStatus struct {
	State string // success, failure, error, inactive, pending, queued, in_progress
	Time  time.Time
}

// Incident is an issue with the incident label; Closed is zero while open.
type Incident struct {
	Number          int
	Created, Closed time.Time
}

// CommitTimes are the dates of a commit of a pull request.
type CommitTimes struct{ Author, Committer time.Time }

// IgnoredDeployment is a GitHub deployment that is not counted.
type IgnoredDeployment struct {
	Name   string `json:"name"`
	Commit string `json:"commit"`
	Reason string `json:"reason"`
}

// Causes of a failed deployment that the github source adds.
const (
	causeStatus   = "deployment-status"
	causeIncident = "incident"
)

// githubDeploys turns the GitHub deployments that reached success into
// deployments, at that status's time, ordered by (time, name). A
// deployment whose commit is not in the history read (from HEAD and the
// branch) is ignored with the reason: its commits cannot be attributed.
func githubDeploys(g *history.Graph, data *GitHubData) ([]*deploy, []IgnoredDeployment) {
	var ds []*deploy
	var ignored []IgnoredDeployment
	for _, gd := range data.Deployments {
		name := fmt.Sprintf("deployment-%d", gd.ID)
		ok := -1
		for k, st := range gd.Statuses {
			if st.State == "success" {
				ok = k
				break
			}
		}
		if ok < 0 {
			ignored = append(ignored, IgnoredDeployment{Name: name, Commit: gd.SHA, Reason: "no success status"})
			continue
		}
		i, found := indexOf(g, gd.SHA)
		if !found {
			ignored = append(ignored, IgnoredDeployment{Name: name, Commit: gd.SHA,
				Reason: "commit not in the history read from HEAD (fetch-depth: 0, and the deployed branch checked out)"})
			continue
		}
		d := &deploy{name: name, commit: i, time: gd.Statuses[ok].Time.Unix(), fixedBy: -1, statusFailed: failedAfter(gd.Statuses[ok+1:])}
		ds = append(ds, d)
	}
	sortDeploys(ds)
	return ds, ignored
}

// failedAfter says whether a status after the success says failure or
// error, and when (Unix seconds; 0 for none).
func failedAfter(later []GitHubStatus) int64 {
	for _, st := range later {
		if st.State == "failure" || st.State == "error" {
			return st.Time.Unix()
		}
	}
	return 0
}

func indexOf(g *history.Graph, sha string) (int32, bool) {
	var h history.Hash
	if len(sha) != 2*len(h) {
		return 0, false
	}
	if _, err := hex.Decode(h[:], []byte(sha)); err != nil {
		return 0, false
	}
	return g.Index(h)
}

// githubFailures applies the github source's failure rules to the
// deployments the git rules left standing: a failure or error status
// after the success, or an incident opened after the deployment and
// before the next one (both up to until), makes it failed. Recovery ends
// when the incident was closed (by until); else, or for a failed status,
// at the next deployment, which is then rework.
func githubFailures(ds []*deploy, incidents []Incident, until int64) {
	for k, d := range ds {
		if d.failed {
			continue
		}
		next := int64(-1)
		if k+1 < len(ds) {
			next = ds[k+1].time
		}
		switch {
		case d.statusFailed > 0 && d.statusFailed <= until:
			d.failed, d.cause = true, causeStatus
		default:
			for _, in := range incidents {
				t := in.Created.Unix()
				if t < d.time || t > until || next >= 0 && t >= next {
					continue
				}
				d.failed, d.cause, d.incident = true, causeIncident, in.Number
				if c := in.Closed.Unix(); !in.Closed.IsZero() && c <= until {
					d.recovered, d.recovery = true, c-d.time
				}
				break
			}
		}
		if d.failed && !d.recovered && next >= 0 {
			n := ds[k+1]
			d.fixedBy, d.recovered, d.recovery = k+1, true, n.time-d.time
			n.fixes, n.rework = append(n.fixes, k), true
		}
	}
}

// squashTimes maps the graph index of each commit a pull request was
// merged as to the earliest time (by commit-time) among the pull
// request's commits, which then stands for the commit's own in lead time.
func squashTimes(g *history.Graph, pulls map[string][]CommitTimes, s settings) map[int32]int64 {
	out := map[int32]int64{}
	for sha, commits := range pulls {
		i, ok := indexOf(g, sha)
		if !ok || len(commits) == 0 || len(g.Commits[i].Parents) > 1 {
			continue // a merge commit brings the pull request's commits along
		}
		first := int64(0)
		for k, c := range commits {
			t := c.Author
			if s.committerTime {
				t = c.Committer
			}
			if k == 0 || t.Unix() < first {
				first = t.Unix()
			}
		}
		out[i] = first
	}
	return out
}
