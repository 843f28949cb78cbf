package action

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Context is the run a step belongs to, as the runner describes it in
// GITHUB_* and RUNNER_* variables (docs: "Store information in variables",
// default environment variables). Outside a runner most fields are empty.
type Context struct {
	Repository string // owner/name
	Owner      string // the part of Repository before the slash
	SHA        string
	Ref        string // refs/heads/main, refs/tags/v1, refs/pull/42/merge
	RefName    string
	RefType    string // branch or tag
	HeadRef    string // pull requests only: the head branch
	BaseRef    string // pull requests only: the base branch
	EventName  string
	EventPath  string // the event payload, read by Event and PullRequest
	Workspace  string
	Actor      string

	APIURL, ServerURL, GraphQLURL string // GitHub Enterprise Server sets all three

	Workflow    string
	WorkflowRef string
	Job         string
	RunID       int64
	RunNumber   int64
	RunAttempt  int64

	RunnerOS, RunnerArch, RunnerTemp, RunnerToolCache string
}

// Context reads the runner context through the injected getenv. The URLs
// default to github.com's, as actions/toolkit's do; a run id that is not a
// number is an error naming the variable.
func (a *Action) Context() (*Context, error) {
	env := func(k, def string) string {
		if v := a.getenv(k); v != "" {
			return v
		}
		return def
	}
	c := &Context{
		Repository: env("GITHUB_REPOSITORY", ""), Owner: env("GITHUB_REPOSITORY_OWNER", ""),
		SHA: env("GITHUB_SHA", ""), Ref: env("GITHUB_REF", ""), RefName: env("GITHUB_REF_NAME", ""),
		RefType: env("GITHUB_REF_TYPE", ""), HeadRef: env("GITHUB_HEAD_REF", ""), BaseRef: env("GITHUB_BASE_REF", ""),
		EventName: env("GITHUB_EVENT_NAME", ""), EventPath: env("GITHUB_EVENT_PATH", ""),
		Workspace: env("GITHUB_WORKSPACE", ""), Actor: env("GITHUB_ACTOR", ""),
		APIURL:     strings.TrimRight(env("GITHUB_API_URL", "https://api.github.com"), "/"),
		ServerURL:  strings.TrimRight(env("GITHUB_SERVER_URL", "https://github.com"), "/"),
		GraphQLURL: env("GITHUB_GRAPHQL_URL", "https://api.github.com/graphql"),
		Workflow:   env("GITHUB_WORKFLOW", ""), WorkflowRef: env("GITHUB_WORKFLOW_REF", ""), Job: env("GITHUB_JOB", ""),
		RunnerOS: env("RUNNER_OS", ""), RunnerArch: env("RUNNER_ARCH", ""),
		RunnerTemp: env("RUNNER_TEMP", ""), RunnerToolCache: env("RUNNER_TOOL_CACHE", ""),
	}
	if c.Owner == "" {
		c.Owner, _, _ = strings.Cut(c.Repository, "/")
	}
	var errs []error
	for _, n := range []struct {
		v   string
		dst *int64
	}{{"GITHUB_RUN_ID", &c.RunID}, {"GITHUB_RUN_NUMBER", &c.RunNumber}, {"GITHUB_RUN_ATTEMPT", &c.RunAttempt}} {
		if s := a.getenv(n.v); s != "" {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil || v < 0 {
				errs = append(errs, fmt.Errorf("%s=%q is not a run number: the runner sets it to a whole number", n.v, s))
			}
			*n.dst = v
		}
	}
	return c, errors.Join(errs...)
}

// Name is the repository's name without its owner.
func (c *Context) Name() string {
	_, name, _ := strings.Cut(c.Repository, "/")
	return name
}

// RunURL is the run's page on GitHub, where every job's summary and the
// artifacts are; empty outside a run (no repository or run id).
func (c *Context) RunURL() string {
	if c.Repository == "" || c.RunID == 0 {
		return ""
	}
	return c.ServerURL + "/" + c.Repository + "/actions/runs/" + strconv.FormatInt(c.RunID, 10)
}

// ErrNoEvent is returned by Event outside a runner, where no payload exists.
var ErrNoEvent = errors.New("no event payload: GITHUB_EVENT_PATH is not set (the runner sets it in every job)")

// Event decodes the event payload into v.
func (c *Context) Event(v any) error {
	if c.EventPath == "" {
		return ErrNoEvent
	}
	data, err := os.ReadFile(c.EventPath)
	if err != nil {
		return fmt.Errorf("reading the event payload: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("the event payload %s is not the JSON GitHub sends: %w", c.EventPath, err)
	}
	return nil
}

// PullRequest is what the suite needs of a pull request event: its range of
// commits and whether its head lives in a fork (whose token is read-only).
type PullRequest struct {
	Number  int
	BaseSHA string
	HeadSHA string
	BaseRef string
	HeadRef string
	// Commits in the pull request, as GitHub counted them.
	Commits int
	// Fork: the head repository differs from the base repository.
	Fork bool
}

// ReadOnlyToken says GitHub gave the run a read-only token because pr
// comes from a fork. pull_request_target runs in the base repository
// with its token, fork or not.
func (c *Context) ReadOnlyToken(pr *PullRequest) bool {
	return pr != nil && pr.Fork && c.EventName == "pull_request"
}

// PullRequest reads the pull request of a pull_request or
// pull_request_target event; for any other event it returns nil.
func (c *Context) PullRequest() (*PullRequest, error) {
	if c.EventName != "pull_request" && c.EventName != "pull_request_target" {
		return nil, nil
	}
	type side struct {
		SHA  string `json:"sha"`
		Ref  string `json:"ref"`
		Repo *struct {
			FullName string `json:"full_name"`
		} `json:"repo"`
	}
	var ev struct {
		Number      int `json:"number"`
		PullRequest *struct {
			Base    side `json:"base"`
			Head    side `json:"head"`
			Commits int  `json:"commits"`
		} `json:"pull_request"`
	}
	if err := c.Event(&ev); err != nil {
		return nil, err
	}
	if ev.PullRequest == nil {
		return nil, fmt.Errorf("the %s event payload %s has no pull_request object", c.EventName, c.EventPath)
	}
	pr := ev.PullRequest
	p := &PullRequest{Number: ev.Number, BaseSHA: pr.Base.SHA, HeadSHA: pr.Head.SHA, BaseRef: pr.Base.Ref, HeadRef: pr.Head.Ref, Commits: pr.Commits}
	// A fork whose repository was deleted has no head repo: still a fork.
	p.Fork = pr.Head.Repo == nil || pr.Base.Repo == nil || pr.Head.Repo.FullName != pr.Base.Repo.FullName
	return p, nil
}

// Push is what the suite needs of a push event: the range it pushed.
type Push struct {
	Before, After string
	Forced        bool
	Created       bool // a new branch or tag: Before is all zeros
}

// Push reads a push event; for any other event it returns nil.
func (c *Context) Push() (*Push, error) {
	if c.EventName != "push" {
		return nil, nil
	}
	var ev struct {
		Before  string `json:"before"`
		After   string `json:"after"`
		Forced  bool   `json:"forced"`
		Created bool   `json:"created"`
	}
	if err := c.Event(&ev); err != nil {
		return nil, err
	}
	return &Push{Before: ev.Before, After: ev.After, Forced: ev.Forced, Created: ev.Created}, nil
}
