package githubapi

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/go-github/v60/github"
)

// MaxCommentLength is the most characters GitHub takes in a comment body.
const MaxCommentLength = 65536

// Comment is a pull-request comment that an action keeps up to date: one
// per pull request and marker, edited in place on every run.
type Comment struct {
	// Marker tells this comment from every other: the action and what the
	// comment reports, like "sbom closure diff". It is written as a hidden
	// HTML comment on the body's first line. It must not depend on the
	// commit, or a run after a force-push would not find the comment.
	Marker string
	// Author, when set, is the only login whose comment is taken for ours
	// ("github-actions[bot]" for the workflow's token), so that another
	// bot's comment that happens to carry the marker is left alone.
	Author string
	Body   string
}

// CommentResult says what UpsertComment did.
type CommentResult struct {
	ID        int64
	URL       string
	Created   bool // no comment had the marker
	Unchanged bool // the comment already said exactly this
	Truncated bool // the body was cut to fit MaxCommentLength
}

var commentOp = operation{"write the pull request comment", PullRequestsWrite}

// UpsertComment writes c on pull request (or issue) number: it edits the
// first comment carrying c's marker, or creates one when there is none.
// It never creates a second one, and never touches comments it did not
// find by the marker.
func (cl *Client) UpsertComment(ctx context.Context, repo Repo, number int, c Comment) (*CommentResult, error) {
	marker, err := markerLine(c.Marker)
	if err != nil {
		return nil, err
	}
	body, truncated := truncateComment(c.Body, MaxCommentLength-utf8.RuneCountInString(marker)-1)
	body = marker + "\n" + body
	res := &CommentResult{Truncated: truncated}
	found, err := cl.findComment(ctx, repo, number, marker, c.Author)
	if err != nil {
		return nil, cl.wrap(commentOp, err)
	}
	var out *github.IssueComment
	switch {
	case found == nil:
		out, _, err = cl.gh.Issues.CreateComment(ctx, repo.Owner, repo.Name, number, &github.IssueComment{Body: &body})
		res.Created = true
	case found.GetBody() == body:
		out, res.Unchanged = found, true
	default:
		out, _, err = cl.gh.Issues.EditComment(ctx, repo.Owner, repo.Name, found.GetID(), &github.IssueComment{Body: &body})
	}
	if err != nil {
		return nil, cl.wrap(commentOp, err)
	}
	res.ID, res.URL = out.GetID(), out.GetHTMLURL()
	return res, nil
}

// findComment returns the first comment (the oldest: GitHub lists them in
// the order they were made) whose first line is marker, by author if
// given.
func (cl *Client) findComment(ctx context.Context, repo Repo, number int, marker, author string) (*github.IssueComment, error) {
	var found *github.IssueComment
	err := eachPage(ctx, func(ctx context.Context, o github.ListOptions) ([]*github.IssueComment, *github.Response, error) {
		return cl.gh.Issues.ListComments(ctx, repo.Owner, repo.Name, number, &github.IssueListCommentsOptions{ListOptions: o})
	}, func(cm *github.IssueComment) bool {
		first, _, _ := strings.Cut(cm.GetBody(), "\n")
		if strings.TrimSuffix(first, "\r") != marker || author != "" && cm.GetUser().GetLogin() != author {
			return true
		}
		found = cm
		return false
	})
	return found, err
}

// markerLine renders a marker as a hidden HTML comment. Characters that
// would end the HTML comment early are refused.
func markerLine(m string) (string, error) {
	if strings.TrimSpace(m) == "" || strings.Contains(m, "--") || strings.ContainsAny(m, ">\n\r") {
		return "", fmt.Errorf("comment marker %q must be non-empty, on one line, without \"--\" or \">\"", m)
	}
	return "<!-- nixops-actions: " + m + " -->", nil
}

// truncateComment cuts body to at most limit characters, at a line end
// where it can, ending with a line that says how much was left out.
func truncateComment(body string, limit int) (string, bool) {
	total := utf8.RuneCountInString(body)
	if total <= limit {
		return body, false
	}
	totalLines := strings.Count(body, "\n") + 1
	// The note is at most this long: its numbers have at most 20 digits.
	const noteRoom = 160
	keep := cutRunes(body, max(limit-noteRoom, 0))
	if i := strings.LastIndexByte(keep, '\n'); i > 0 {
		keep = keep[:i]
	}
	keptLines := strings.Count(keep, "\n") + 1
	note := fmt.Sprintf("\n\n**%d of %d lines (%d of %d characters) left out**: GitHub takes at most %d characters in a comment.",
		totalLines-keptLines, totalLines, total-utf8.RuneCountInString(keep), total, MaxCommentLength)
	return keep + note, true
}

// cutRunes returns the first n characters of s.
func cutRunes(s string, n int) string {
	i := 0
	for ; n > 0 && i < len(s); n-- {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}
