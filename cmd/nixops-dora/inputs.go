package main

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/dora"
	"github.com/voidnxsec/nixops-actions/pkg/dora/reportdir"
)

// parseInputs declares the inputs and outputs and checks every input
// before the repository is opened, so a typo fails at once and writes
// nothing.
func parseInputs(a *action.Action) (dora.Config, string, error) {
	def := dora.DefaultConfig()
	in := a.Inputs()
	repo := in.String("repo", def.Repo, "path of the git work tree to measure")
	deployments := in.Enum("deployments", def.Deployments, []string{"tags", "branch"}, "tags: each tag matching tag-pattern is a deployment; branch: each first-parent commit of the production branch is")
	tagPattern := in.String("tag-pattern", def.TagPattern, "glob (Go path.Match) selecting the deployment tags")
	branch := in.String("branch", def.Branch, "production branch; tags mode: only tags reachable from it count (empty: every tag); branch mode: default the branch HEAD is on")
	window := in.String("window", def.Window, "how far back from until deployments count, such as 90d, 12w or 36h")
	until := in.String("until", def.Until, "RFC 3339 end of the window; empty: the committer time of HEAD, so a given repository state always gives the same report")
	commitTime := in.Enum("commit-time", def.CommitTime, []string{"author", "committer"}, "which commit date starts the lead time; author by default, since a rebase rewrites committer dates")
	excludeMerges := in.Bool("exclude-merges", def.ExcludeMerges, "leave merge commits out of lead time")
	hotfixPattern := in.String("hotfix-pattern", def.HotfixPattern, "glob on tag names marking a hotfix deployment (a Hotfix: true trailer also does)")
	allowShallow := in.Bool("allow-shallow", def.AllowShallow, "measure a shallow clone's partial history instead of failing")
	outDir := in.String("output-dir", def.OutputDir, "directory for dora.json and dora.prom")
	source := in.Enum("source", def.Source, []string{"git", "github"}, "git: deployments from tags or the branch; github: deployments from GitHub's Deployments API, incidents from labelled issues, pull requests for squash merges")
	environment := in.String("environment", def.Environment, "source github: the deployment environment whose deployments count")
	incidentLabel := in.String("incident-label", def.IncidentLabel, "source github: issues with this label are incidents (empty: none are read)")
	token := in.GitHubToken("source github: token for GitHub's API (deployments: read, issues: read, pull-requests: read)")
	for _, o := range outputs {
		in.Output(o.name, o.description)
	}
	if err := in.Parse(); err != nil {
		return dora.Config{}, "", err
	}
	cfg := dora.Config{
		Repo: *repo, Deployments: *deployments, TagPattern: *tagPattern, Branch: *branch,
		Window: *window, Until: *until, CommitTime: *commitTime, ExcludeMerges: *excludeMerges,
		HotfixPattern: *hotfixPattern, AllowShallow: *allowShallow, OutputDir: *outDir,
		Source: *source, Environment: *environment, IncidentLabel: *incidentLabel,
		Repository: a.Getenv("GITHUB_REPOSITORY"),
	}
	if cfg.Source != "github" {
		// Echoed in the report only where they were used.
		cfg.Environment, cfg.IncidentLabel = "", ""
	}
	return cfg, token(), explain(cfg.Validate())
}

// outputs are the step outputs: the files, then the headline numbers as
// plain decimals ("" for no data).
var outputs = []struct {
	name, description string
	value             func(*dora.Report, reportdir.Files) string
}{
	{"report", "path of dora.json", func(_ *dora.Report, f reportdir.Files) string { return f.Report }},
	{"metrics-file", "path of dora.prom", func(_ *dora.Report, f reportdir.Files) string { return f.Metrics }},
	{"deployments", "deployments in the window", func(r *dora.Report, _ reportdir.Files) string { return strconv.Itoa(r.Metrics.Deployments) }},
	{"deployment-frequency", "deployments per day", func(r *dora.Report, _ reportdir.Files) string { return number(r.Metrics.DeploymentFrequency.Value) }},
	{"lead-time-median-seconds", "median change lead time", func(r *dora.Report, _ reportdir.Files) string { return number(r.Metrics.ChangeLeadTime.Value) }},
	{"change-fail-rate", "failed deployments over deployments", func(r *dora.Report, _ reportdir.Files) string { return number(r.Metrics.ChangeFailRate.Value) }},
	{"recovery-time-median-seconds", "median failed deployment recovery time", func(r *dora.Report, _ reportdir.Files) string { return number(r.Metrics.RecoveryTime.Value) }},
	{"rework-rate", "unplanned deployments over deployments", func(r *dora.Report, _ reportdir.Files) string { return number(r.Metrics.ReworkRate.Value) }},
	{"bands-source", "the DORA report the bands come from", func(r *dora.Report, _ reportdir.Files) string { return r.BandsSource }},
}

func number(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// explain words pkg/dora's errors for the action: a ConfigError becomes
// an InputError of the input its Config field comes from (Config's JSON
// names are the inputs' names: the report echoes the inputs under them),
// and a shallow clone gets the checkout step that fixes it.
func explain(err error) error {
	if errors.Is(err, dora.ErrShallow) {
		return fmt.Errorf("%w: set fetch-depth: 0 on actions/checkout (or allow-shallow: true to measure the partial history)\n"+
			"Fetch the whole history:\n  - uses: actions/checkout@v4\n    with:\n      fetch-depth: 0\n(on a laptop: git fetch --unshallow)", err)
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var parts []error
		for _, e := range j.Unwrap() {
			parts = append(parts, explain(e))
		}
		return errors.Join(parts...)
	}
	var ce *dora.ConfigError
	if !errors.As(err, &ce) {
		return err
	}
	f, ok := reflect.TypeFor[dora.Config]().FieldByName(ce.Field)
	if !ok {
		return err
	}
	input, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return &action.InputError{Input: input, Err: ce.Err}
}
