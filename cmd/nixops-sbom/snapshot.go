package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/githubapi"
	"github.com/voidnxsec/nixops-actions/pkg/markdown"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
	"github.com/voidnxsec/nixops-actions/pkg/sbom/snapshot"
)

// matrixDefault is the matrix default as action.yml writes it. The runner
// expands it; anywhere else (a laptop, a test) it arrives as this
// literal, which means no matrix.
const matrixDefault = "${{ toJSON(matrix) }}"

// detectorURL is where GitHub's dependency graph links the detector.
const detectorURL = "https://github.com/voidnxsec/nixops-actions"

// snapshotInputs are the inputs of the dependency submission, declared
// before Parse and read after it.
type snapshotInputs struct {
	enabled *bool
	token   func() string // "" for none
	matrix  *string
}

func declareSnapshotInputs(in *action.Inputs) snapshotInputs {
	return snapshotInputs{
		enabled: in.Bool("dependency-snapshot", false, "submit the SBOM to the repository's dependency graph, so Dependabot alerts on the packages embedded in store paths (needs contents: write)"),
		token:   in.GitHubToken("token for GitHub's API, used with dependency-snapshot, release-assets and the pull-request comment of compare-to"),
		matrix:  in.String("matrix", matrixDefault, "the job's matrix as JSON (toJSON(matrix)), so each matrix job keeps its own snapshot"),
	}
}

// matrixValue is the matrix given, "" for none (the unexpanded default).
func (si snapshotInputs) matrixValue() string {
	if *si.matrix == matrixDefault {
		return ""
	}
	return *si.matrix
}

// snapshotPlan is a checked request to submit a snapshot: everything
// GitHub needs but the BOM.
type snapshotPlan struct {
	repo githubapi.Repo
	run  snapshot.Run
	opts githubapi.Options
}

// plan checks the inputs and the runner's context before any Nix work,
// so a missing token or a run outside GitHub Actions fails in seconds.
// It returns nil when no snapshot was asked for.
func (si snapshotInputs) plan(a *action.Action) (*snapshotPlan, error) {
	if !*si.enabled {
		return nil, nil
	}
	token := si.token()
	if token == "" {
		return nil, &action.InputError{Input: "github-token", Err: errors.New("is empty, and dependency-snapshot: true submits through GitHub's API"),
			Accepted: "${{ github.token }} (the default) or a token with contents: write"}
	}
	matrix := si.matrixValue()
	rc, err := a.Context()
	if err != nil {
		return nil, err
	}
	corr, err := githubapi.Correlator(rc.Workflow, rc.Job, matrix)
	if err != nil {
		return nil, &action.InputError{Input: "matrix", Err: err, Accepted: "${{ toJSON(matrix) }} (the default) or a JSON object"}
	}
	repo, err := githubapi.ParseRepo(rc.Repository)
	if err != nil || rc.SHA == "" || rc.Ref == "" || rc.RunID == 0 || rc.Workflow == "" || rc.Job == "" {
		return nil, fmt.Errorf("dependency-snapshot: true needs the run GitHub Actions describes in GITHUB_REPOSITORY, GITHUB_SHA, GITHUB_REF, GITHUB_RUN_ID, GITHUB_WORKFLOW and GITHUB_JOB; some are unset or wrong (repository %q, sha %q, ref %q, run id %d, workflow %q, job %q)",
			rc.Repository, rc.SHA, rc.Ref, rc.RunID, rc.Workflow, rc.Job)
	}
	pr, err := rc.PullRequest()
	if err != nil {
		return nil, err
	}
	runID := strconv.FormatInt(rc.RunID, 10)
	p := &snapshotPlan{
		repo: repo,
		run: snapshot.Run{Correlator: corr, ID: runID, HTMLURL: rc.RunURL(),
			SHA: rc.SHA, Ref: rc.Ref, DetectorURL: detectorURL},
		opts: clientOptions(a, rc.APIURL, token, rc.ReadOnlyToken(pr)),
	}
	if err := p.run.Validate(); err != nil {
		return nil, fmt.Errorf("dependency-snapshot: true: the runner's %w", err)
	}
	return p, nil
}

// clientOptions are the API client's settings in this step.
func clientOptions(a *action.Action, apiURL, token string, fork bool) githubapi.Options {
	return githubapi.StepOptions(apiURL, token, "nixops-sbom/"+version, fork, a.Getenv, a.Infof)
}

// submit sends b's snapshot and reports the outcome in the log and the
// step summary. A pull request from a fork gets a read-only token: that
// is a warning, not a failure, since no workflow setting can change it.
func (p *snapshotPlan) submit(ctx context.Context, a *action.Action, b *sbom.BOM) error {
	s, err := snapshot.FromBOM(b, p.run)
	if err != nil {
		return err
	}
	c, err := githubapi.New(p.opts)
	if err != nil {
		return err
	}
	end := a.Group("Submit the dependency snapshot to " + p.repo.String())
	res, err := c.SubmitSnapshot(ctx, p.repo, s)
	end()
	if errors.Is(err, githubapi.ErrReadOnlyFork) {
		a.Warningf("the dependency snapshot was not submitted: a pull request from a fork gets a read-only token, and submitting needs `%s`: %v", githubapi.ContentsWrite, err)
		return a.AddSummary("### Dependency snapshot\n\nNot submitted: this pull request comes from a fork, whose token is read-only; submitting needs `" + string(githubapi.ContentsWrite) + "`. The snapshot of the base branch's runs stays in the dependency graph.\n")
	}
	if err != nil {
		return err
	}
	if res.Result == "INVALID" {
		return fmt.Errorf("GitHub refused the dependency snapshot as invalid: %s", res.Message)
	}
	a.Infof("dependency snapshot %d submitted: %s (correlator %q)", res.ID, res.Result, p.run.Correlator)
	return a.AddSummary(snapshotSummary(s, res))
}

// snapshotSummary counts what was submitted by purl type, so a reader sees
// how many packages GitHub's advisory database can match (pkg:nix it
// cannot).
func snapshotSummary(s githubapi.Snapshot, res *githubapi.SnapshotResult) string {
	types := map[string]int{}
	total := 0
	for _, m := range s.Manifests {
		for k := range m.Resolved {
			total++
			t := "unknown"
			if p, err := packageurl.FromString(k); err == nil {
				t = p.Type
			}
			types[t]++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### Dependency snapshot\n\nSubmitted %d packages to the dependency graph (snapshot %d, %s), correlator %s.\n\n",
		total, res.ID, markdown.Text(res.Result), markdown.Code(s.Job.Correlator))
	t := markdown.NewTable(markdown.Column{Name: "purl type"}, markdown.Column{Name: "packages", Align: markdown.Right})
	for _, k := range slices.Sorted(maps.Keys(types)) {
		t.Row(markdown.Code("pkg:"+k), strconv.Itoa(types[k]))
	}
	b.WriteString(t.String())
	return b.String()
}
