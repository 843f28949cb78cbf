package githubapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/voidnxsec/nixops-actions/pkg/httpclient"
)

// Permission is an entry of a workflow's `permissions:` block, as the
// workflow file spells it.
type Permission string

// The permissions the operations of this package need.
const (
	ChecksWrite       Permission = "checks: write"
	StatusesWrite     Permission = "statuses: write"
	PullRequestsWrite Permission = "pull-requests: write"
	ContentsWrite     Permission = "contents: write"
	ContentsRead      Permission = "contents: read"
	DeploymentsRead   Permission = "deployments: read"
	IssuesRead        Permission = "issues: read"
	PullRequestsRead  Permission = "pull-requests: read"
)

// ErrReadOnlyFork matches a *PermissionError met on a pull request from a
// fork, where GitHub gives the workflow a read-only token whatever its
// `permissions:` say: the action should report through the step summary
// instead, and not fail for that alone.
var ErrReadOnlyFork = errors.New("the token of a pull request from a fork is read-only")

// ErrNotFound matches an *APIError with status 404.
var ErrNotFound = errors.New("not found")

// PermissionError is GitHub's 403 "Resource not accessible by
// integration": the token lacks a permission the operation needs.
type PermissionError struct {
	Operation  string     // what was attempted, like "create a check run"
	Permission Permission // what the workflow must grant
	// ReadOnlyFork: the run is a pull request from a fork, whose token no
	// permissions block can make writable.
	ReadOnlyFork bool
	Message      string // GitHub's message
}

func (e *PermissionError) Error() string {
	if e.ReadOnlyFork {
		return fmt.Sprintf("%s: GitHub refused (%s): %v; granting %q does not help there", e.Operation, e.Message, ErrReadOnlyFork, e.Permission)
	}
	return fmt.Sprintf("%s: GitHub refused (%s): the workflow or job must grant `%s` in its `permissions:`", e.Operation, e.Message, e.Permission)
}

// Is makes errors.Is(err, ErrReadOnlyFork) true on a fork's refusal.
func (e *PermissionError) Is(target error) bool {
	return target == ErrReadOnlyFork && e.ReadOnlyFork
}

// RateLimitError is a rate limit that lasts longer than the client waits
// (MaxRateLimitWait) or than the run's deadline allows.
type RateLimitError struct {
	Operation string
	// Reset is when the primary limit ends (zero for a secondary limit
	// without it); RetryAfter is what a secondary limit asked for.
	Reset      time.Time
	RetryAfter time.Duration
	Secondary  bool
	Message    string // GitHub's message
}

func (e *RateLimitError) Error() string {
	switch {
	case !e.Reset.IsZero():
		return fmt.Sprintf("%s: GitHub's API rate limit is used up until %s (%s)", e.Operation, e.Reset.UTC().Format(time.RFC3339), e.Message)
	case e.RetryAfter > 0:
		return fmt.Sprintf("%s: GitHub's secondary rate limit asks to wait %s (%s)", e.Operation, e.RetryAfter, e.Message)
	}
	return fmt.Sprintf("%s: GitHub's secondary rate limit (%s)", e.Operation, e.Message)
}

// APIError is any other refusal, with GitHub's message and the details
// of a 422's validation errors.
type APIError struct {
	Operation    string
	Method, Path string
	Status       int
	Message      string
	Details      []string // one per entry of GitHub's "errors" list
	DocURL       string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: GitHub answered %d to %s %s", e.Operation, e.Status, e.Method, e.Path)
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if len(e.Details) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(e.Details, "; "))
	}
	return b.String()
}

// Is makes errors.Is(err, ErrNotFound) true on a 404.
func (e *APIError) Is(target error) bool {
	return target == ErrNotFound && e.Status == http.StatusNotFound
}

// operation is one call of the API: what it does, in words for errors,
// and what permission it needs.
type operation struct {
	name string
	perm Permission
}

// wrap turns go-github's errors into this package's.
func (c *Client) wrap(op operation, err error) error {
	if err == nil {
		return nil
	}
	var (
		limit  *github.RateLimitError
		abuse  *github.AbuseRateLimitError
		apiErr *github.ErrorResponse
	)
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w", op.name, err)
	case errors.As(err, &limit):
		return &RateLimitError{Operation: op.name, Reset: limit.Rate.Reset.Time.UTC(), Message: limit.Message}
	case errors.As(err, &abuse):
		e := &RateLimitError{Operation: op.name, Secondary: true, Message: abuse.Message}
		if abuse.RetryAfter != nil {
			e.RetryAfter = *abuse.RetryAfter
		}
		return e
	case errors.As(err, &apiErr) && apiErr.Response != nil:
		return c.wrapResponse(op, apiErr)
	}
	return fmt.Errorf("%s: %w", op.name, err)
}

func (c *Client) wrapResponse(op operation, e *github.ErrorResponse) error {
	resp := e.Response
	status := resp.StatusCode
	if status == http.StatusForbidden && isPermissionMessage(e.Message) {
		return &PermissionError{Operation: op.name, Permission: op.perm, ReadOnlyFork: c.fork, Message: e.Message}
	}
	if status == http.StatusTooManyRequests || status == http.StatusForbidden && resp.Header.Get("Retry-After") != "" {
		rl := &RateLimitError{Operation: op.name, Secondary: true, Message: e.Message}
		if reset, ok := resetTime(resp); ok && resp.Header.Get("X-Ratelimit-Remaining") == "0" {
			rl.Reset, rl.Secondary = reset, false
		}
		if d, ok := httpclient.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Time{}); ok && d < 24*time.Hour {
			rl.RetryAfter = d
		}
		return rl
	}
	out := &APIError{Operation: op.name, Status: status, Message: e.Message, DocURL: e.DocumentationURL}
	if req := resp.Request; req != nil {
		out.Method, out.Path = req.Method, req.URL.Path
	}
	for _, d := range e.Errors {
		out.Details = append(out.Details, validationDetail(d))
	}
	return out
}

// isPermissionMessage recognises GitHub's wording for a token without the
// permission: "Resource not accessible by integration" for the
// workflow's token and apps, "... by personal access token" for
// fine-grained tokens.
func isPermissionMessage(m string) bool {
	return strings.HasPrefix(m, "Resource not accessible by ")
}

// validationDetail words one entry of a 422's errors list: GitHub's own
// message when it gave one ("custom" errors always do), else the code and
// the field it concerns.
func validationDetail(d github.Error) string {
	if d.Message != "" {
		if d.Field != "" && !strings.Contains(d.Message, d.Field) {
			return d.Field + ": " + d.Message
		}
		return d.Message
	}
	s := d.Code
	if d.Field != "" {
		s = d.Field + " " + s
	}
	if d.Resource != "" {
		s = d.Resource + " " + s
	}
	return s
}
