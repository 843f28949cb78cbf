package action_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/voidnxsec/nixops-actions/pkg/action"
)

// runnerEnv is what a hosted runner sets for a pull request job (values
// of the kind GitHub documents; the payload is a fixture that
// event_fixtures_test.go checks against GitHub's webhook schema).
func runnerEnv(event, payload string) env {
	return env{
		"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "nixops-demo/hosts", "GITHUB_REPOSITORY_OWNER": "nixops-demo",
		"GITHUB_SHA": "b21d7d664dc78add7482bcbd4da6247011a57bba", "GITHUB_REF": "refs/pull/42/merge",
		"GITHUB_REF_NAME": "42/merge", "GITHUB_REF_TYPE": "branch", "GITHUB_HEAD_REF": "feature/nix-2.26",
		"GITHUB_BASE_REF": "main", "GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": payload,
		"GITHUB_WORKSPACE": "/home/runner/work/hosts/hosts", "GITHUB_ACTOR": "octocat",
		"GITHUB_API_URL": "https://ghe.example.com/api/v3/", "GITHUB_SERVER_URL": "https://ghe.example.com",
		"GITHUB_GRAPHQL_URL": "https://ghe.example.com/api/graphql",
		"GITHUB_WORKFLOW":    "ci", "GITHUB_WORKFLOW_REF": "nixops-demo/hosts/.github/workflows/ci.yml@refs/pull/42/merge",
		"GITHUB_JOB": "build", "GITHUB_RUN_ID": "11813456789", "GITHUB_RUN_NUMBER": "118", "GITHUB_RUN_ATTEMPT": "2",
		"RUNNER_OS": "Linux", "RUNNER_ARCH": "X64", "RUNNER_TEMP": "/home/runner/work/_temp", "RUNNER_TOOL_CACHE": "/opt/hostedtoolcache",
	}
}

func TestContext(t *testing.T) {
	t.Parallel()
	e := runnerEnv("pull_request", "testdata/events/pull_request-synchronize.json")
	c, err := action.New(action.WithGetenv(e.get)).Context()
	if err != nil {
		t.Fatal(err)
	}
	want := &action.Context{
		Repository: "nixops-demo/hosts", Owner: "nixops-demo", SHA: "b21d7d664dc78add7482bcbd4da6247011a57bba",
		Ref: "refs/pull/42/merge", RefName: "42/merge", RefType: "branch", HeadRef: "feature/nix-2.26", BaseRef: "main",
		EventName: "pull_request", EventPath: "testdata/events/pull_request-synchronize.json",
		Workspace: "/home/runner/work/hosts/hosts", Actor: "octocat",
		APIURL: "https://ghe.example.com/api/v3", ServerURL: "https://ghe.example.com", GraphQLURL: "https://ghe.example.com/api/graphql",
		Workflow: "ci", WorkflowRef: "nixops-demo/hosts/.github/workflows/ci.yml@refs/pull/42/merge", Job: "build",
		RunID: 11813456789, RunNumber: 118, RunAttempt: 2,
		RunnerOS: "Linux", RunnerArch: "X64", RunnerTemp: "/home/runner/work/_temp", RunnerToolCache: "/opt/hostedtoolcache",
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Context\n got %+v\nwant %+v", c, want)
	}
	if c.Name() != "hosts" {
		t.Errorf("Name() = %q", c.Name())
	}
	if u := c.RunURL(); u != "https://ghe.example.com/nixops-demo/hosts/actions/runs/11813456789" {
		t.Errorf("RunURL() = %q", u)
	}
	pr, err := c.PullRequest()
	if err != nil {
		t.Fatal(err)
	}
	wantPR := &action.PullRequest{Number: 42, BaseSHA: "6552fe41f692364c46b7ff1fa7fb1a3232812fa2", HeadSHA: "b21d7d664dc78add7482bcbd4da6247011a57bba",
		BaseRef: "main", HeadRef: "feature/nix-2.26", Commits: 2}
	if !reflect.DeepEqual(pr, wantPR) {
		t.Errorf("PullRequest\n got %+v\nwant %+v", pr, wantPR)
	}
	if p, err := c.Push(); p != nil || err != nil {
		t.Errorf("Push() of a pull_request event = %v, %v; want nil, nil", p, err)
	}
}

func TestContextFork(t *testing.T) {
	t.Parallel()
	e := runnerEnv("pull_request", "testdata/events/pull_request-fork.json")
	c, _ := action.New(action.WithGetenv(e.get)).Context()
	pr, err := c.PullRequest()
	if err != nil || pr == nil || !pr.Fork || pr.Number != 43 {
		t.Errorf("PullRequest() = %+v, %v; want #43 from a fork", pr, err)
	}
}

func TestContextPush(t *testing.T) {
	t.Parallel()
	e := runnerEnv("push", "testdata/events/push-main.json")
	c, _ := action.New(action.WithGetenv(e.get)).Context()
	p, err := c.Push()
	want := &action.Push{Before: "6552fe41f692364c46b7ff1fa7fb1a3232812fa2", After: "e6327c39d19ad99eb65e73eecd7591ecebb0f7cc"}
	if err != nil || !reflect.DeepEqual(p, want) {
		t.Errorf("Push() = %+v, %v; want %+v", p, err, want)
	}
	if pr, err := c.PullRequest(); pr != nil || err != nil {
		t.Errorf("PullRequest() of a push = %v, %v", pr, err)
	}
}

func TestContextLaptop(t *testing.T) {
	t.Parallel()
	c, err := action.New(action.WithGetenv(env{}.get)).Context()
	if err != nil {
		t.Fatal(err)
	}
	if c.APIURL != "https://api.github.com" || c.ServerURL != "https://github.com" || c.Repository != "" || c.RunURL() != "" {
		t.Errorf("laptop context %+v", c)
	}
	var v map[string]any
	if err := c.Event(&v); !errors.Is(err, action.ErrNoEvent) {
		t.Errorf("Event() = %v, want ErrNoEvent", err)
	}
}

func TestContextBadValues(t *testing.T) {
	t.Parallel()
	e := env{"GITHUB_RUN_ID": "12x", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": "testdata/events/missing.json"}
	c, err := action.New(action.WithGetenv(e.get)).Context()
	if err == nil || err.Error() != `GITHUB_RUN_ID="12x" is not a run number: the runner sets it to a whole number` {
		t.Errorf("Context() error %v", err)
	}
	if _, err := c.PullRequest(); err == nil {
		t.Error("PullRequest() with a missing payload: no error")
	}
}

// TestReadOnlyToken: only a pull_request event from a fork has the
// read-only token; pull_request_target has the base repository's.
func TestReadOnlyToken(t *testing.T) {
	fork := &action.PullRequest{Number: 43, Fork: true}
	for _, tt := range []struct {
		event string
		pr    *action.PullRequest
		want  bool
	}{
		{"pull_request", fork, true},
		{"pull_request_target", fork, false},
		{"pull_request", &action.PullRequest{Number: 42}, false},
		{"push", nil, false},
	} {
		c := &action.Context{EventName: tt.event}
		if got := c.ReadOnlyToken(tt.pr); got != tt.want {
			t.Errorf("ReadOnlyToken on %s of %+v = %v, want %v", tt.event, tt.pr, got, tt.want)
		}
	}
}
