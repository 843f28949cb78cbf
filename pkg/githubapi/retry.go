package githubapi

// This file is the generic part of the transport: retries with backoff on
// connection errors and 5xx, and Retry-After on 429 and 503. It knows
// nothing of GitHub (ratelimit.go does) and is meant to be replaced by the
// suite's shared HTTP transport once that exists; New is its only caller.

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// RetryPolicy bounds the retries of one request.
type RetryPolicy struct {
	// Retries after the first attempt; 0 means 4, negative means none.
	Retries int
	// Backoff is the wait before the first retry, doubled for each next
	// one up to MaxBackoff; 0 means 1s and 30s.
	Backoff, MaxBackoff time.Duration
	// MaxRetryAfter is the longest Retry-After that is waited out; a
	// longer one ends the retries. 0 means a minute.
	MaxRetryAfter time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.Retries == 0 {
		p.Retries = 4
	}
	if p.Retries < 0 {
		p.Retries = 0
	}
	if p.Backoff <= 0 {
		p.Backoff = time.Second
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = 30 * time.Second
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = time.Minute
	}
	return p
}

type retryTransport struct {
	next    http.RoundTripper
	policy  RetryPolicy
	sleep   func(context.Context, time.Duration) error
	now     func() time.Time
	onRetry func(Retry)
}

func newRetryTransport(next http.RoundTripper, p RetryPolicy, sleep func(context.Context, time.Duration) error, now func() time.Time, onRetry func(Retry)) http.RoundTripper {
	return &retryTransport{next: next, policy: p.withDefaults(), sleep: sleep, now: now, onRetry: onRetry}
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	for attempt := 1; ; attempt++ {
		resp, err := t.next.RoundTrip(req)
		wait, reason := t.backoff(ctx, attempt, resp, err)
		if reason == "" || attempt > t.policy.Retries || !fitsDeadline(ctx, wait) {
			return resp, err
		}
		again, ok := resend(req)
		if !ok {
			return resp, err
		}
		r := Retry{Attempt: attempt, Method: req.Method, Path: req.URL.Path, Err: err, Reason: reason, Wait: wait}
		if resp != nil {
			r.Status = resp.StatusCode
			discard(resp)
		}
		t.onRetry(r)
		if err := t.sleep(ctx, wait); err != nil {
			return nil, err
		}
		req = again
	}
}

// backoff says why the outcome of an attempt is worth retrying and how
// long to wait first; no reason means it is final.
func (t *retryTransport) backoff(ctx context.Context, attempt int, resp *http.Response, err error) (time.Duration, string) {
	exp := min(t.policy.Backoff<<(attempt-1), t.policy.MaxBackoff)
	// Half fixed, half random: jobs of a matrix that failed together do
	// not all come back at the same instant.
	exp = exp/2 + rand.N(exp/2+1)
	switch {
	case err != nil:
		if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return 0, ""
		}
		return exp, "connection error"
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
		if d, ok := retryAfter(resp, t.now()); ok {
			if d > t.policy.MaxRetryAfter {
				return 0, ""
			}
			return d, "Retry-After"
		}
		if resp.StatusCode == http.StatusServiceUnavailable {
			return exp, "server error"
		}
		return 0, ""
	case resp.StatusCode == http.StatusInternalServerError, resp.StatusCode == http.StatusBadGateway,
		resp.StatusCode == http.StatusGatewayTimeout:
		return exp, "server error"
	}
	return 0, ""
}

// retryAfter reads a Retry-After header, in seconds or as an HTTP date.
func retryAfter(resp *http.Response, now time.Time) (time.Duration, bool) {
	v := resp.Header.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// fitsDeadline says whether waiting d leaves time before the context's
// deadline: a wait that cannot end in time fails now, with the answer
// that caused it, rather than at the deadline with nothing to show. A
// context's deadline is on the wall clock, so this reads it, not the
// injected clock.
func fitsDeadline(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return !ok || time.Until(deadline) > d
}
