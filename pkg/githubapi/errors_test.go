package githubapi_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/githubtest"
	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/githubapi"
)

var scanRun = githubapi.CheckRun{Name: "nixops scan", HeadSHA: headSHA, Conclusion: "success", Title: "ok", Summary: "clean"}

func rateLimited(reset time.Time) githubtest.Response {
	return githubtest.Response{
		Status: http.StatusForbidden,
		Header: http.Header{
			"X-Ratelimit-Limit": {"1000"}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Used": {"1000"},
			"X-Ratelimit-Reset": {strconv.FormatInt(reset.Unix(), 10)}, "X-Ratelimit-Resource": {"core"},
		},
		Body: githubtest.ErrorBody(403, "API rate limit exceeded for installation ID 1."),
	}
}

// TestPrimaryRateLimitShortWait: a limit that resets in 30 s is waited
// out (on the fake clock) and the request then succeeds.
func TestPrimaryRateLimitShortWait(t *testing.T) {
	srv := githubtest.New(t)
	srv.Fail("checks/create", rateLimited(epoch.Add(30*time.Second)))
	c, ft := newClient(t, srv)
	if _, err := c.CreateCheckRun(context.Background(), repoOf(srv), scanRun); err != nil {
		t.Fatal(err)
	}
	if len(ft.Waits()) != 1 || ft.Waits()[0] != 31*time.Second {
		t.Errorf("slept %v, want 31s (to the reset and a second)", ft.Waits())
	}
	if n := len(srv.Calls("checks/create")); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
}

// TestPrimaryRateLimitLongWait: a limit that resets in two hours fails at
// once with the reset time, without sleeping.
func TestPrimaryRateLimitLongWait(t *testing.T) {
	srv := githubtest.New(t)
	reset := epoch.Add(2 * time.Hour)
	srv.Fail("checks/create", rateLimited(reset))
	c, ft := newClient(t, srv)
	_, err := c.CreateCheckRun(context.Background(), repoOf(srv), scanRun)
	var rl *githubapi.RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("error %v (%T), want a *RateLimitError", err, err)
	}
	if !rl.Reset.Equal(reset) || !strings.Contains(err.Error(), "2025-01-02T05:04:05Z") {
		t.Errorf("error %q does not name the reset %s", err, reset)
	}
	if len(ft.Waits()) != 0 {
		t.Errorf("slept %v", ft.Waits())
	}
}

// TestRateLimitBeyondDeadline: a wait that would outlast the run's
// deadline fails now rather than sleep into the deadline.
func TestRateLimitBeyondDeadline(t *testing.T) {
	srv := githubtest.New(t)
	srv.Fail("checks/create", rateLimited(epoch.Add(50*time.Second)))
	c, ft := newClient(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := c.CreateCheckRun(ctx, repoOf(srv), scanRun)
	var rl *githubapi.RateLimitError
	if !errors.As(err, &rl) || len(ft.Waits()) != 0 {
		t.Fatalf("error %v, slept %v; want a *RateLimitError at once", err, ft.Waits())
	}
}

// TestSecondaryRateLimit: a 403 with retry-after is honoured when short,
// and reported when long.
func TestSecondaryRateLimit(t *testing.T) {
	secondary := func(after string) githubtest.Response {
		return githubtest.Response{Status: http.StatusForbidden, Header: http.Header{"Retry-After": {after}},
			Body: githubtest.ErrorBody(403, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.")}
	}
	srv := githubtest.New(t)
	srv.Fail("checks/create", secondary("5"))
	c, ft := newClient(t, srv)
	if _, err := c.CreateCheckRun(context.Background(), repoOf(srv), scanRun); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ft.Waits()) != "[5s]" {
		t.Errorf("slept %v, want [5s]", ft.Waits())
	}
	if len(ft.retries) != 1 || ft.retries[0].Reason != "secondary rate limit" || ft.retries[0].Status != 403 {
		t.Errorf("retries %+v, want one for a secondary rate limit", ft.retries)
	}

	for _, status := range []int{http.StatusForbidden, http.StatusTooManyRequests} {
		long := secondary("600")
		long.Status = status
		srv.Fail("checks/create", long)
		_, err := c.CreateCheckRun(context.Background(), repoOf(srv), scanRun)
		var rl *githubapi.RateLimitError
		if !errors.As(err, &rl) || !rl.Secondary || rl.RetryAfter != 10*time.Minute {
			t.Fatalf("%d: error %v, want a secondary *RateLimitError asking for 10m", status, err)
		}
	}
	if fmt.Sprint(ft.Waits()) != "[5s]" {
		t.Errorf("slept %v in all, want [5s]", ft.Waits())
	}
}

// TestServerErrorRetried: a 502 and a 503 are retried with backoff, then
// the request succeeds; every retry is announced.
func TestServerErrorRetried(t *testing.T) {
	srv := githubtest.New(t)
	bad := func(code int) githubtest.Response {
		return githubtest.Response{Status: code, Body: githubtest.ErrorBody(code, "Server Error")}
	}
	srv.Fail("issues/create-comment", bad(502), bad(503))
	c, ft := newClient(t, srv)
	res, err := c.UpsertComment(context.Background(), repoOf(srv), 7, githubapi.Comment{Marker: "m", Body: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || len(srv.Calls("issues/create-comment")) != 3 {
		t.Fatalf("%+v after %d attempts, want created after 3", res, len(srv.Calls("issues/create-comment")))
	}
	if len(ft.retries) != 2 || ft.retries[0].Status != 502 || ft.retries[1].Status != 503 {
		t.Fatalf("retries %+v", ft.retries)
	}
	if r := ft.retries[0]; r.Method != http.MethodPost || !strings.HasSuffix(r.Path, "/issues/7/comments") || r.Reason != "server error" {
		t.Errorf("retry %+v does not name the request and the reason", r)
	}
	if w := ft.Waits(); len(w) != 2 || w[0] > time.Second || w[1] > 2*time.Second || w[0] < 500*time.Millisecond {
		t.Errorf("backoff %v, want about 1s then 2s, with jitter", w)
	}
	srv.Lock()
	defer srv.Unlock()
	if len(srv.Comments) != 1 {
		t.Errorf("%d comments", len(srv.Comments))
	}
}

// TestServerErrorGivesUp: after the retries, the last answer is the error.
func TestServerErrorGivesUp(t *testing.T) {
	srv := githubtest.New(t)
	for i := 0; i < 3; i++ {
		srv.Fail("checks/create", githubtest.Response{Status: 502, Body: githubtest.ErrorBody(502, "Server Error")})
	}
	c, _ := newClient(t, srv, func(o *githubapi.Options) { o.Retry.Retries = 2 })
	_, err := c.CreateCheckRun(context.Background(), repoOf(srv), scanRun)
	var ae *githubapi.APIError
	if !errors.As(err, &ae) || ae.Status != 502 {
		t.Fatalf("error %v, want a 502 *APIError", err)
	}
}

// flaky fails the first n connections with the error of a reset
// connection: "read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset
// by peer", a *net.OpError wrapping ECONNRESET.
type flaky struct {
	n    int
	next http.RoundTripper
}

func (f *flaky) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.n > 0 {
		f.n--
		return nil, &net.OpError{Op: "read", Net: "tcp", Source: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1},
			Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2}, Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	}
	return f.next.RoundTrip(r)
}

// TestConnectionErrorRetried: a POST whose body must be sent again.
func TestConnectionErrorRetried(t *testing.T) {
	srv := githubtest.New(t)
	c, ft := newClient(t, srv, func(o *githubapi.Options) { o.Transport = &flaky{n: 2, next: http.DefaultTransport} })
	if _, err := c.CreateCheckRun(context.Background(), repoOf(srv), scanRun); err != nil {
		t.Fatal(err)
	}
	if len(ft.retries) != 2 || ft.retries[0].Err == nil {
		t.Errorf("retries %+v", ft.retries)
	}
}

// TestValidationMessage: a 422 shows GitHub's own words.
func TestValidationMessage(t *testing.T) {
	srv := githubtest.New(t)
	srv.Fail("checks/create", githubtest.Response{Status: 422, Body: githubtest.ValidationBody("Validation Failed",
		map[string]any{"resource": "CheckRun", "field": "head_sha", "code": "invalid"},
		map[string]any{"resource": "CheckRun", "code": "custom", "field": "conclusion", "message": "conclusion must be one of: success, failure"})})
	c, _ := newClient(t, srv)
	_, err := c.CreateCheckRun(context.Background(), repoOf(srv), scanRun)
	var ae *githubapi.APIError
	if !errors.As(err, &ae) || ae.Status != 422 {
		t.Fatalf("error %v, want a 422 *APIError", err)
	}
	for _, want := range []string{"Validation Failed", "CheckRun head_sha invalid", "conclusion must be one of: success, failure", "create the check run"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// TestForkReadOnlyToken runs the comment on the pull_request event of a
// fork, read from a real payload through the runner context: GitHub
// refuses the read-only token, and the error says so in a way the action
// can test for. On the same refusal without a fork, the error names the
// permission to grant and is not taken for a fork's.
func TestForkReadOnlyToken(t *testing.T) {
	event, err := filepath.Abs("../action/testdata/events/pull_request-fork.json")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": event}
	rc, err := action.New(action.WithGetenv(func(k string) string { return env[k] })).Context()
	if err != nil {
		t.Fatal(err)
	}
	pr, err := rc.PullRequest()
	if err != nil || pr == nil || !pr.Fork {
		t.Fatalf("the fixture is not a fork's pull request: %+v, %v", pr, err)
	}
	for _, fork := range []bool{true, false} {
		srv := githubtest.New(t)
		srv.ReadOnly = true
		c, _ := newClient(t, srv, func(o *githubapi.Options) { o.ReadOnlyFork = fork && pr.Fork })
		_, err := c.UpsertComment(context.Background(), repoOf(srv), pr.Number, githubapi.Comment{Marker: "sbom closure diff", Body: "diff"})
		var pe *githubapi.PermissionError
		if !errors.As(err, &pe) || pe.Permission != githubapi.PullRequestsWrite {
			t.Fatalf("fork %v: error %v, want a *PermissionError for pull-requests: write", fork, err)
		}
		if errors.Is(err, githubapi.ErrReadOnlyFork) != fork {
			t.Errorf("fork %v: errors.Is(ErrReadOnlyFork) = %v: %v", fork, !fork, err)
		}
		if !fork && !strings.Contains(err.Error(), "grant `pull-requests: write`") {
			t.Errorf("error %q does not name the permission", err)
		}
	}
}

// TestTokenNeverShown goes through every way this package fails or logs
// (retries, rate limits, refusals, validation errors, a connection that
// keeps failing, a bad API URL) and looks for the token in all of it.
func TestTokenNeverShown(t *testing.T) {
	const token = "ghs_Secret0Token0That0Must0Never0Print0"
	srv := githubtest.New(t)
	srv.Token = token
	c, ft := newClient(t, srv)
	ctx := context.Background()
	var shown []string
	show := func(err error) {
		if err != nil {
			shown = append(shown, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		}
	}
	srv.Fail("checks/create", githubtest.Response{Status: 502, Body: githubtest.ErrorBody(502, "Server Error")})
	srv.Fail("checks/create", rateLimited(epoch.Add(10*time.Second)))
	_, err := c.CreateCheckRun(ctx, repoOf(srv), scanRun)
	show(err)
	srv.Fail("checks/create", rateLimited(epoch.Add(3*time.Hour)))
	_, err = c.CreateCheckRun(ctx, repoOf(srv), scanRun)
	show(err)
	srv.Fail("issues/create-comment", githubtest.Response{Status: 422, Body: githubtest.ValidationBody("Validation Failed")})
	_, err = c.UpsertComment(ctx, repoOf(srv), 1, githubapi.Comment{Marker: "m", Body: "b"})
	show(err)
	srv.ReadOnly = true
	_, err = c.SubmitSnapshot(ctx, repoOf(srv), snapshot("CI sbom", "1"))
	show(err)
	path := filepath.Join(t.TempDir(), "a.json")
	os.WriteFile(path, []byte("{}"), 0o644)
	_, err = c.ReplaceAsset(ctx, repoOf(srv), 99, path, "")
	show(err)

	down, dft := newClient(t, srv, func(o *githubapi.Options) {
		o.Transport = &flaky{n: 100}
		o.Retry.Retries = 1
	})
	_, err = down.CreateCheckRun(ctx, repoOf(srv), scanRun)
	show(err)
	_, err = githubapi.New(githubapi.Options{Token: token, APIURL: "https://x-access-token:" + token + "@ghe.example/api/v3"})
	show(err)
	_, err = githubapi.New(githubapi.Options{Token: token, APIURL: "https://x:" + token + "@ghe example/api/v3"})
	show(err)
	for _, r := range append(ft.retries, dft.retries...) {
		shown = append(shown, fmt.Sprintf("%+v", r))
	}
	if len(shown) < 20 || len(ft.retries) < 2 {
		t.Fatalf("only %d messages and %d retries: the scenario did not run", len(shown), len(ft.retries))
	}
	for _, s := range shown {
		if strings.Contains(s, token) || strings.Contains(s, "Secret0Token") {
			t.Errorf("the token is shown: %s", s)
		}
	}
	// The server saw it on every request: it was sent, only never shown.
	for _, call := range srv.Calls("") {
		if call.Header.Get("Authorization") != "Bearer "+token {
			t.Fatalf("%s sent without the token", call.Operation)
		}
	}
}
