package githubapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-github/v60/github"
)

// AnnotationsPerRequest is the most annotations GitHub takes in one
// request creating or updating a check run; more take more requests.
const AnnotationsPerRequest = 50

// maxOutputLength bounds a check run's summary and text, in characters.
const maxOutputLength = 65535

// Annotation marks lines of a file in a check run.
type Annotation struct {
	Path               string // relative to the repository root
	StartLine, EndLine int
	// Columns only count when StartLine == EndLine (GitHub's rule).
	StartColumn, EndColumn int
	Level                  string // notice, warning or failure
	Title, Message         string
	RawDetails             string
}

// CheckRun is the result of a check on one commit.
type CheckRun struct {
	Name    string
	HeadSHA string
	// Conclusion is success, failure, neutral, cancelled, skipped,
	// timed_out or action_required.
	Conclusion             string
	Title, Summary, Text   string // Summary and Text are Markdown
	DetailsURL, ExternalID string
	Annotations            []Annotation
}

var (
	checkRunOp = operation{"create the check run", ChecksWrite}
	statusOp   = operation{"create the commit status", StatusesWrite}
)

// CreateCheckRun creates run on its commit and returns its id. The first
// AnnotationsPerRequest annotations go with the creation, the rest in
// updates of as many each; the conclusion comes with the last request, so
// that the run is not seen complete with part of its annotations.
func (c *Client) CreateCheckRun(ctx context.Context, repo Repo, run CheckRun) (int64, error) {
	batches := batch(run.Annotations, AnnotationsPerRequest)
	opts := github.CreateCheckRunOptions{
		Name: run.Name, HeadSHA: run.HeadSHA, Output: run.output(batches[0]),
		DetailsURL: optional(run.DetailsURL), ExternalID: optional(run.ExternalID),
	}
	if len(batches) == 1 {
		opts.Conclusion = optional(run.Conclusion)
	} else {
		opts.Status = github.String("in_progress")
	}
	created, _, err := c.gh.Checks.CreateCheckRun(ctx, repo.Owner, repo.Name, opts)
	if err != nil {
		return 0, c.wrap(checkRunOp, err)
	}
	id := created.GetID()
	for i, b := range batches[1:] {
		upd := github.UpdateCheckRunOptions{Name: run.Name, Output: run.output(b)}
		if i == len(batches)-2 {
			upd.Conclusion = optional(run.Conclusion)
		}
		if _, _, err := c.gh.Checks.UpdateCheckRun(ctx, repo.Owner, repo.Name, id, upd); err != nil {
			return id, c.wrap(operation{fmt.Sprintf("add annotations %d and on to check run %d", (i+1)*AnnotationsPerRequest+1, id), ChecksWrite}, err)
		}
	}
	return id, nil
}

func (run CheckRun) output(anns []Annotation) *github.CheckRunOutput {
	summary, _ := truncateComment(run.Summary, maxOutputLength)
	out := &github.CheckRunOutput{Title: github.String(run.Title), Summary: github.String(summary)}
	if run.Text != "" {
		text, _ := truncateComment(run.Text, maxOutputLength)
		out.Text = github.String(text)
	}
	for _, a := range anns {
		ga := &github.CheckRunAnnotation{
			Path: github.String(a.Path), StartLine: github.Int(a.StartLine), EndLine: github.Int(max(a.EndLine, a.StartLine)),
			AnnotationLevel: github.String(a.Level), Message: github.String(a.Message),
			Title: optional(a.Title), RawDetails: optional(a.RawDetails),
		}
		if a.StartColumn > 0 && a.EndLine <= a.StartLine {
			ga.StartColumn, ga.EndColumn = github.Int(a.StartColumn), github.Int(max(a.EndColumn, a.StartColumn))
		}
		out.Annotations = append(out.Annotations, ga)
	}
	return out
}

// batch cuts items into slices of at most n, and always returns at least
// one (maybe empty) slice.
func batch[T any](items []T, n int) [][]T {
	out := [][]T{items[:min(n, len(items))]}
	for i := n; i < len(items); i += n {
		out = append(out, items[i:min(i+n, len(items))])
	}
	return out
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// CommitStatus is the older, simpler way to mark a commit: a state and a
// line of text under a context name.
type CommitStatus struct {
	SHA         string
	State       string // error, failure, pending or success
	Context     string // the name shown, like the check run's
	Description string // cut to GitHub's 140 characters
	TargetURL   string
}

// maxStatusDescription is GitHub's limit on a status description.
const maxStatusDescription = 140

// CreateStatus sets a commit status.
func (c *Client) CreateStatus(ctx context.Context, repo Repo, st CommitStatus) error {
	desc := st.Description
	if len([]rune(desc)) > maxStatusDescription {
		desc = cutRunes(desc, maxStatusDescription-1) + "…"
	}
	_, _, err := c.gh.Repositories.CreateStatus(ctx, repo.Owner, repo.Name, st.SHA, &github.RepoStatus{
		State: github.String(st.State), Context: optional(st.Context),
		Description: optional(desc), TargetURL: optional(st.TargetURL),
	})
	return c.wrap(statusOp, err)
}

// Published says where ReportCheck put a result.
type Published struct {
	CheckRunID int64 // 0 when it became a commit status
	Status     bool
}

// ReportCheck creates run as a check run or, where GitHub refuses check
// runs to this token (check runs are for GitHub Apps and the workflow's
// token with `checks: write`; a personal access token cannot create them),
// as a commit status: the conclusion as its state, the title as its
// description. A refusal on a fork's read-only token is returned as is:
// nothing can be written there.
func (c *Client) ReportCheck(ctx context.Context, repo Repo, run CheckRun) (Published, error) {
	id, err := c.CreateCheckRun(ctx, repo, run)
	if err == nil || id != 0 || errors.Is(err, ErrReadOnlyFork) || !refused(err) {
		return Published{CheckRunID: id}, err
	}
	if serr := c.CreateStatus(ctx, repo, CommitStatus{
		SHA: run.HeadSHA, State: statusState(run.Conclusion), Context: run.Name,
		Description: run.Title, TargetURL: run.DetailsURL,
	}); serr != nil {
		return Published{}, errors.Join(err, serr)
	}
	return Published{Status: true}, nil
}

// refused: GitHub answered 403 for want of a permission or of an app.
func refused(err error) bool {
	var pe *PermissionError
	var ae *APIError
	return errors.As(err, &pe) || errors.As(err, &ae) && ae.Status == http.StatusForbidden
}

// statusState maps a check run's conclusion to a commit status state.
func statusState(conclusion string) string {
	switch conclusion {
	case "":
		return "pending"
	case "success", "neutral", "skipped":
		return "success"
	}
	return "failure"
}
