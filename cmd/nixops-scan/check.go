package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/githubapi"
	"github.com/voidnxsec/nixops-actions/pkg/markdown"
	"github.com/voidnxsec/nixops-actions/pkg/scan"
)

// maxCheckAnnotations bounds the annotations of a check run (50 a
// request): the SARIF and the report hold every finding.
const maxCheckAnnotations = 500

// checkInputs are the inputs of the check run, declared before Parse.
type checkInputs struct {
	enabled *bool
	name    *string
	token   func() string
	timeout *time.Duration
}

func declareCheckInputs(in *action.Inputs) checkInputs {
	return checkInputs{
		enabled: in.Bool("check-run", false, "report the gate as a check run on the commit, with an annotation per finding (needs checks: write; a commit status where check runs are refused, statuses: write)"),
		name:    in.String("check-name", "nixops-scan", "name of the check run, distinct per matrix job"),
		token:   in.GitHubToken("token for GitHub's API, used by check-run"),
		timeout: in.Duration("github-timeout", 2*time.Minute, "one deadline for the check run's GitHub API calls, retries included"),
	}
}

// checkPlan is a checked request for a check run: everything but the
// report.
type checkPlan struct {
	repo    githubapi.Repo
	sha     string
	name    string
	runURL  string
	timeout time.Duration
	opts    githubapi.Options
}

// plan checks the inputs and the runner's context before any scan; nil
// when no check run was asked for.
func (ci checkInputs) plan(a *action.Action) (*checkPlan, error) {
	if !*ci.enabled {
		return nil, nil
	}
	token := ci.token()
	if token == "" {
		return nil, &action.InputError{Input: "github-token", Err: errors.New("is empty, and check-run: true reports through GitHub's API"),
			Accepted: "${{ github.token }} (the default) with checks: write, or a token that may set commit statuses"}
	}
	// A deadline already passed would fail every call, and read as GitHub
	// not answering.
	if *ci.timeout <= 0 {
		return nil, &action.InputError{Input: "github-timeout", Err: fmt.Errorf("%v is not a positive duration", *ci.timeout), Accepted: "a duration such as 2m or 90s"}
	}
	if strings.TrimSpace(*ci.name) == "" {
		return nil, &action.InputError{Input: "check-name", Err: errors.New("is empty"), Accepted: "a name such as nixops-scan"}
	}
	rc, err := a.Context()
	if err != nil {
		return nil, err
	}
	repo, err := githubapi.ParseRepo(rc.Repository)
	if err != nil || rc.SHA == "" {
		return nil, fmt.Errorf("check-run: true needs the run GitHub Actions describes in GITHUB_REPOSITORY and GITHUB_SHA (repository %q, sha %q)", rc.Repository, rc.SHA)
	}
	pr, err := rc.PullRequest()
	if err != nil {
		return nil, err
	}
	p := &checkPlan{repo: repo, sha: rc.SHA, name: *ci.name, runURL: rc.RunURL(), timeout: *ci.timeout,
		opts: githubapi.StepOptions(rc.APIURL, token, "nixops-scan/"+version, rc.ReadOnlyToken(pr), a.Getenv, a.Infof)}
	// On a pull request GITHUB_SHA is the test merge commit; the pull
	// request shows checks of its head.
	if pr != nil && pr.HeadSHA != "" {
		p.sha = pr.HeadSHA
	}
	return p, nil
}

// publish reports run as a check run, or a commit status where check
// runs are refused. A fork's read-only token can write neither: that is a
// warning, since no workflow setting can change it.
func (p *checkPlan) publish(ctx context.Context, a *action.Action, run githubapi.CheckRun) error {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	c, err := githubapi.New(p.opts)
	if err != nil {
		return err
	}
	end := a.Group("Check run " + p.name + " on " + p.sha)
	pub, err := c.ReportCheck(ctx, p.repo, run)
	end()
	switch {
	case errors.Is(err, githubapi.ErrReadOnlyFork):
		a.Warningf("the gate was not reported as a check run: a pull request from a fork gets a read-only token, and check runs need `%s`: %v", githubapi.ChecksWrite, err)
		return a.AddSummary("\nNot reported as a check run: this pull request comes from a fork, whose token is read-only.\n")
	case err != nil:
		return fmt.Errorf("check-run: %w", err)
	case pub.Status:
		a.Noticef("check runs were refused to this token: the gate was reported as the commit status %q instead", p.name)
	default:
		a.Infof("check run %d: %s", pub.CheckRunID, p.name)
	}
	return nil
}

// checkRun is rep as GitHub shows it: the verdict, the step summary's
// Markdown, and an annotation per finding (gating ones as failures).
func (p *checkPlan) checkRun(rep *scan.Report) githubapi.CheckRun {
	run := githubapi.CheckRun{Name: p.name, HeadSHA: p.sha, DetailsURL: p.runURL, Conclusion: "success",
		Title:   fmt.Sprintf("gate passed: %d findings", rep.Counts.Total),
		Summary: summary(rep)}
	if rep.Result == scan.ResultFail {
		run.Conclusion = "failure"
		run.Title = fmt.Sprintf("gate failed: %d of %d findings fail it", rep.Counts.Gating, rep.Counts.Total)
	}
	for i, f := range rep.Findings {
		if i == maxCheckAnnotations {
			run.Text = fmt.Sprintf("%d of %d findings are annotated here; the SARIF file and scan.json hold them all.", maxCheckAnnotations, len(rep.Findings))
			break
		}
		run.Annotations = append(run.Annotations, annotation(f))
	}
	return run
}

// failedRun is the check run of a scan that could not run: a failure
// saying why, so that a required check does not stay pending.
func (p *checkPlan) failedRun(err error) githubapi.CheckRun {
	return githubapi.CheckRun{Name: p.name, HeadSHA: p.sha, DetailsURL: p.runURL, Conclusion: "failure",
		Title:   "the scan could not run",
		Summary: "## nixops-scan: the scan could not run\n\n" + markdown.Text(err.Error()) + "\n"}
}

// annotation places f at its file and line. It never holds a secret's
// value: a finding has none.
func annotation(f scan.Finding) githubapi.Annotation {
	level := "notice"
	switch {
	case f.Gating:
		level = "failure"
	case f.Severity >= scan.SeverityHigh:
		level = "warning"
	}
	msg := f.Title
	switch {
	case f.Kind == scan.KindSecret && f.Commit != "":
		msg = fmt.Sprintf("Secret (gitleaks rule %s) in commit %s: %s Fingerprint %s.", f.RuleID, f.Commit, f.Title, f.Fingerprint)
	case f.Kind == scan.KindSecret:
		msg = fmt.Sprintf("Secret (gitleaks rule %s) in the working tree: %s Fingerprint %s.", f.RuleID, f.Title, f.Fingerprint)
	case f.FixedIn != "":
		msg += " Fixed in " + f.FixedIn + "."
	}
	return githubapi.Annotation{Path: f.File, StartLine: max(f.Line, 1), StartColumn: f.Column, Level: level,
		Title: f.Severity.String() + " " + string(f.Kind) + ": " + f.RuleID, Message: msg}
}
