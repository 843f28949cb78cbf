package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/githubapi"
	"github.com/voidnxsec/nixops-actions/pkg/markdown"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
	"github.com/voidnxsec/nixops-actions/pkg/sbom/diff"
)

// The outputs of compare-to.
var compareOutputs = []struct{ name, help string }{
	{"packages-added", "with compare-to: packages in the new closure only"},
	{"packages-removed", "with compare-to: packages in the earlier closure only"},
	{"packages-changed", "with compare-to: packages whose version changed"},
	{"closure-bytes-delta", "with compare-to: closure-bytes now minus closure-bytes of the earlier SBOM"},
}

// comparePlan is a checked compare-to: the earlier closure, read before
// any Nix work, and where the pull-request comment goes, if anywhere.
type comparePlan struct {
	path    string
	old     []diff.Package // nil until read when base is set
	base    *baseRef       // compare-to is a git ref
	comment *commentPlan   // nil: not a pull request, or no token
}

type commentPlan struct {
	repo    githubapi.Repo
	number  int
	headSHA string
	runURL  string
	marker  string
	opts    githubapi.Options
}

// planCompare reads the compare-to file or resolves its git ref and, on a
// pull request with a token, plans the comment. It returns nil when
// compare-to is empty.
func planCompare(ctx context.Context, a *action.Action, path, target string, si snapshotInputs) (*comparePlan, error) {
	if path == "" {
		return nil, nil
	}
	old, base, err := compareInput(ctx, path, target)
	if err != nil {
		return nil, err
	}
	p := &comparePlan{path: path, old: old, base: base}
	rc, err := a.Context()
	if err != nil {
		return nil, err
	}
	pr, err := rc.PullRequest()
	if err != nil || pr == nil {
		return p, err
	}
	token := si.token()
	if token == "" {
		a.Infof("compare-to: no github-token, so the closure diff goes to the step summary only, not to pull request #%d", pr.Number)
		return p, nil
	}
	repo, err := githubapi.ParseRepo(rc.Repository)
	if err != nil || pr.Number <= 0 {
		return nil, fmt.Errorf("compare-to on a pull request needs GITHUB_REPOSITORY and the pull request's number in the event payload (repository %q, number %d)", rc.Repository, pr.Number)
	}
	corr, err := githubapi.Correlator(rc.Workflow, rc.Job, si.matrixValue())
	if err != nil {
		return nil, &action.InputError{Input: "matrix", Err: err, Accepted: "${{ toJSON(matrix) }} (the default) or a JSON object"}
	}
	p.comment = &commentPlan{repo: repo, number: pr.Number, headSHA: pr.HeadSHA, marker: commentMarker(corr),
		runURL: rc.RunURL(), opts: clientOptions(a, rc.APIURL, token, rc.ReadOnlyToken(pr))}
	return p, nil
}

// readCompareTo reads the earlier SBOM, naming the input on any problem.
func readCompareTo(path string) ([]diff.Package, error) {
	const accepted = compareAccepted
	f, err := os.Open(path)
	if err != nil {
		return nil, &action.InputError{Input: "compare-to", Err: fmt.Errorf("cannot read %q: %w", path, errors.Unwrap(err)), Accepted: accepted}
	}
	defer f.Close()
	old, err := diff.ReadCycloneDX(f)
	if err != nil {
		return nil, &action.InputError{Input: "compare-to", Err: fmt.Errorf("%q: %w", path, err), Accepted: accepted}
	}
	return old, nil
}

// commentMarker tells this job's comment from those of other jobs and
// matrix entries, and stays the same on every push. A correlator that
// could end the hidden HTML comment is replaced by its hash.
func commentMarker(correlator string) string {
	m := "sbom closure diff " + correlator
	if strings.Contains(m, "--") || strings.ContainsAny(m, ">\r\n") {
		sum := sha256.Sum256([]byte(correlator))
		m = "sbom closure diff " + hex.EncodeToString(sum[:8])
	}
	return m
}

// readBase reads the closure at the compare-to commit, when compare-to is
// a ref, before anything is written.
func (p *comparePlan) readBase(ctx context.Context, a *action.Action, cfg *config) error {
	if p == nil || p.base == nil {
		return nil
	}
	old, err := p.base.readBase(ctx, a, cfg)
	var be *baseError
	if errors.As(err, &be) {
		return explainBase(be)
	}
	p.old = old
	return err
}

// compare diffs b against the earlier closure.
func (p *comparePlan) compare(b *sbom.BOM) (*diff.Diff, []action.Output, error) {
	cur, err := diff.FromBOM(b)
	if err != nil {
		return nil, nil, err
	}
	d := diff.Compare(p.old, cur)
	outs := []action.Output{
		{Name: "packages-added", Value: strconv.Itoa(len(d.Added))},
		{Name: "packages-removed", Value: strconv.Itoa(len(d.Removed))},
		{Name: "packages-changed", Value: strconv.Itoa(len(d.Changed))},
		{Name: "closure-bytes-delta", Value: strconv.FormatInt(d.BytesDelta(), 10)},
	}
	return d, outs, nil
}

// diffMarkdown is the diff under a heading of level, for the summary and
// the comment alike.
func (p *comparePlan) diffMarkdown(d *diff.Diff, cfg *config, level int) string {
	h := strings.Repeat("#", level)
	against := "the SBOM " + markdown.Code(p.path)
	if p.base != nil {
		against = fmt.Sprintf("%s (commit %s), evaluated in a temporary worktree", markdown.Code(p.base.ref), markdown.Code(p.base.commit[:12]))
	}
	return fmt.Sprintf("%s Closure diff of %s (%s closure)\n\nAgainst %s.\n\n%s",
		h, markdown.Code(cfg.target), cfg.scope, against, diff.Markdown(d, level+1))
}

// report writes the diff to the step summary and, when planned, to the
// pull request's comment. A fork's read-only token is a warning.
func (p *comparePlan) report(ctx context.Context, a *action.Action, cfg *config, d *diff.Diff) error {
	if err := a.AddSummary(p.diffMarkdown(d, cfg, 3)); err != nil {
		return err
	}
	if p.comment == nil {
		return nil
	}
	c, err := githubapi.New(p.comment.opts)
	if err != nil {
		return err
	}
	end := a.Group(fmt.Sprintf("Comment the closure diff on pull request #%d", p.comment.number))
	res, err := c.UpsertComment(ctx, p.comment.repo, p.comment.number,
		// No Author: with a personal token the comments are its user's, and
		// filtering on github-actions[bot] would then add one every run.
		// The marker names this job and matrix entry on the first line,
		// which a quote or another tool's comment does not reproduce.
		githubapi.Comment{Marker: p.comment.marker, Body: p.commentBody(d, cfg)})
	end()
	if errors.Is(err, githubapi.ErrReadOnlyFork) {
		a.Warningf("the closure diff was not commented on the pull request: a pull request from a fork gets a read-only token, and commenting needs `%s`: %v", githubapi.PullRequestsWrite, err)
		return a.AddSummary("Not commented on the pull request: it comes from a fork, whose token is read-only; commenting needs `" + string(githubapi.PullRequestsWrite) + "`.\n")
	}
	if err != nil {
		return err
	}
	switch {
	case res.Created:
		a.Infof("commented the closure diff: %s", res.URL)
	case res.Unchanged:
		a.Infof("the closure diff comment already says this: %s", res.URL)
	default:
		a.Infof("updated the closure diff comment: %s", res.URL)
	}
	if res.Truncated {
		a.Warningf("the closure diff was cut to fit GitHub's %d characters a comment; the step summary has all of it", githubapi.MaxCommentLength)
	}
	return nil
}

// commentBody is the diff and the commit and run it is of.
func (p *comparePlan) commentBody(d *diff.Diff, cfg *config) string {
	var b strings.Builder
	b.WriteString(p.diffMarkdown(d, cfg, 2))
	b.WriteString("\n")
	if sha := p.comment.headSHA; sha != "" {
		fmt.Fprintf(&b, "Closure of commit %s", markdown.Code(sha[:min(12, len(sha))]))
	} else {
		b.WriteString("Closure of this pull request's head")
	}
	if p.comment.runURL != "" {
		fmt.Fprintf(&b, ", run %s", p.comment.runURL)
	}
	b.WriteString(". This comment is updated on every push.\n")
	return b.String()
}
