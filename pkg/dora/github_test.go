package dora

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/schematest"
)

func atHour(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }

func statuses(kv ...any) []GitHubStatus {
	var out []GitHubStatus
	for k := 0; k < len(kv); k += 2 {
		out = append(out, GitHubStatus{State: kv[k].(string), Time: atHour(kv[k+1].(float64))})
	}
	return out
}

// TestGitHubSource computes a report from git history and GitHub's data.
// Hours after t0:
//
//	c1@0 c2@1         deployment-101 of c2: success@2
//	c3@10 (a squash   deployment-102 of c3: success@11, failure@12;
//	 of a pull request  its pull request's commits were authored @5 and @6
//	 authored @6, @5)
//	c4@20             deployment-103 of c4: pending@20.5, success@21
//	                  deployment-104 of c4: failure@21.5 (never succeeded)
//	                  deployment-105 of a commit not in the history: success@22
//	c5@30             deployment-106 of c5: success@31
//	incident #8 opened @10.5 (after 101, before 102), still open
//	incident #7 opened @22 (after 103), closed @25
//	incident #9 opened @1 (before any deployment): no deployment's
//
// Failures: 101 by incident #8, open, so recovered by 102 (11-2 = 9h,
// 102 rework); 102 by its failure status, recovered by 103 (21-11 = 10h,
// 103 rework); 103 by incident #7, recovered at its close (25-21 = 4h, no
// fixing deployment); 106 did not fail. Fail rate 3/4, rework 2/4,
// recovery median of 9h, 10h, 4h = 9h.
// Lead times: 101: c1 2h, c2 1h; 102: c3 from the pull request's earliest
// commit @5: 6h (1h without the pull request); 103: c4 1h; 106: c5 1h.
// The window ends at 106's success @31, after HEAD's commit @30.
func TestGitHubSource(t *testing.T) {
	r := newGitRepo(t)
	r.commit("one", 0)
	c2 := r.commit("two", 1)
	c3 := r.commit("squashed pull request (#5)", 10)
	c4 := r.commit("four", 20)
	c5 := r.commit("five", 30)
	data := &GitHubData{
		Deployments: []GitHubDeployment{
			{ID: 106, SHA: c5, Statuses: statuses("success", 31.0)},
			{ID: 101, SHA: c2, Statuses: statuses("success", 2.0)},
			{ID: 102, SHA: c3, Statuses: statuses("success", 11.0, "failure", 12.0)},
			{ID: 103, SHA: c4, Statuses: statuses("pending", 20.5, "success", 21.0)},
			{ID: 104, SHA: c4, Statuses: statuses("failure", 21.5)},
			{ID: 105, SHA: strings.Repeat("ab", 20), Statuses: statuses("success", 22.0)},
		},
		Incidents: []Incident{
			{Number: 9, Created: atHour(1)},
			{Number: 8, Created: atHour(10.5)},
			{Number: 7, Created: atHour(22), Closed: atHour(25)},
		},
		Pulls: map[string][]CommitTimes{
			c3: {{Author: atHour(6), Committer: atHour(9)}, {Author: atHour(5), Committer: atHour(9)}},
		},
	}
	cfg := DefaultConfig()
	cfg.Source, cfg.IncidentLabel = "github", "incident"
	ctx := context.Background()

	cands, err := SquashCandidates(ctx, r.dir, cfg, &GitHubData{Deployments: data.Deployments})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{c2, c3, c4, c5}; !slices.Equal(cands, want) {
		t.Errorf("squash candidates %v, want %v", cands, want)
	}

	rep, err := ComputeWith(ctx, r.dir, cfg, data)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Window.End.Equal(atHour(31)) {
		t.Errorf("window ends %v, want 106's success at %v", rep.Window.End, atHour(31))
	}
	type dep struct {
		name, cause, fixedBy string
		incident             int
		rework               bool
		recovery             float64 // hours; -1 for none
		leadMedian           float64 // hours
	}
	want := []dep{
		{"deployment-101", "incident", "deployment-102", 8, false, 9, 1.5},
		{"deployment-102", "deployment-status", "deployment-103", 0, true, 10, 6},
		{"deployment-103", "incident", "", 7, true, 4, 1},
		{"deployment-106", "", "", 0, false, -1, 1},
	}
	if len(rep.Deployments) != len(want) {
		t.Fatalf("%d deployments: %+v", len(rep.Deployments), rep.Deployments)
	}
	for k, w := range want {
		d := rep.Deployments[k]
		rec := -1.0
		if d.RecoverySeconds != nil {
			rec = *d.RecoverySeconds / 3600
		}
		got := dep{d.Name, d.Cause, d.FixedBy, d.Incident, d.Rework, rec, *d.LeadTime.Median / 3600}
		if got != w {
			t.Errorf("deployment %d: %+v, want %+v", k, got, w)
		}
	}
	m := rep.Metrics
	if *m.ChangeFailRate.Value != 0.75 || *m.ReworkRate.Value != 0.5 || *m.RecoveryTime.Value != 9*3600 {
		t.Errorf("fail rate %v, rework rate %v, recovery %v", *m.ChangeFailRate.Value, *m.ReworkRate.Value, *m.RecoveryTime.Value)
	}
	var ignored []string
	for _, ig := range rep.IgnoredDeps {
		ignored = append(ignored, ig.Name+": "+ig.Reason)
	}
	if len(ignored) != 2 || !strings.Contains(ignored[0], "deployment-104: no success") || !strings.Contains(ignored[1], "deployment-105: commit not in the history") {
		t.Errorf("ignored deployments: %q", ignored)
	}
	joined := strings.Join(rep.Rules, "\n")
	for _, s := range []string{"environment production", `labelled "incident"`, "squash-merged"} {
		if !strings.Contains(joined, s) {
			t.Errorf("the rules do not say %q:\n%s", s, joined)
		}
	}
	data2, err := EncodeReport(rep)
	if err != nil {
		t.Fatal(err)
	}
	schematest.Validate(t, schematest.File(t, "../../dora/report.schema.json"), data2)
}

// TestGitHubSourceNeedsData: source github without GitHub's data, and
// without an environment, are errors naming the field.
func TestGitHubSourceNeedsData(t *testing.T) {
	r := newGitRepo(t)
	r.commit("one", 0)
	cfg := DefaultConfig()
	cfg.Source = "github"
	if _, err := Compute(context.Background(), r.dir, cfg); err == nil || !strings.HasPrefix(err.Error(), "Source: ") {
		t.Errorf("no data: %v", err)
	}
	cfg.Environment = ""
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "Environment: empty") {
		t.Errorf("no environment: %v", err)
	}
	cfg.Source = "gitlab"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "accepted: git, github") {
		t.Errorf("unknown source: %v", err)
	}
}
