package githubapi

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// MaxRateLimitWait is the longest the client waits for a rate limit to
// reset; a later reset fails the request with a *RateLimitError naming it.
// A job that would sleep for most of an hour holds a runner for nothing.
const MaxRateLimitWait = time.Minute

// rateLimitTransport waits out GitHub's rate limits when they end soon
// (docs: "Rate limits for the REST API", "Exceeding the rate limit"):
//   - the primary limit, a 403 or 429 with x-ratelimit-remaining: 0,
//     lasts until x-ratelimit-reset (epoch seconds);
//   - a secondary limit, a 403 or 429 with retry-after, lasts that many
//     seconds.
//
// Longer limits pass through, and become a *RateLimitError.
type rateLimitTransport struct {
	next    http.RoundTripper
	sleep   func(context.Context, time.Duration) error
	now     func() time.Time
	onRetry func(Retry)
}

// rateLimitWaits bounds how many times one request waits, so that a
// server that keeps answering "reset in 10 s" cannot hold the job.
const rateLimitWaits = 3

func newRateLimitTransport(next http.RoundTripper, sleep func(context.Context, time.Duration) error, now func() time.Time, onRetry func(Retry)) http.RoundTripper {
	return &rateLimitTransport{next: next, sleep: sleep, now: now, onRetry: onRetry}
}

func (t *rateLimitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	for attempt := 1; ; attempt++ {
		resp, err := t.next.RoundTrip(req)
		if err != nil {
			return resp, err
		}
		wait, reason := rateLimitWait(resp, t.now())
		if reason == "" || wait > MaxRateLimitWait || attempt > rateLimitWaits || !fitsDeadline(ctx, wait) {
			return resp, nil
		}
		again, ok := resend(req)
		if !ok {
			return resp, nil
		}
		discard(resp)
		t.onRetry(Retry{Attempt: attempt, Method: req.Method, Path: req.URL.Path, Status: resp.StatusCode, Reason: reason, Wait: wait})
		if err := t.sleep(ctx, wait); err != nil {
			return nil, err
		}
		req = again
	}
}

// rateLimitWait says which rate limit resp reports and how long until it
// ends; no reason means it reports none.
func rateLimitWait(resp *http.Response, now time.Time) (time.Duration, string) {
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		return 0, ""
	}
	if d, ok := retryAfter(resp, now); ok {
		return d, "secondary rate limit"
	}
	if resp.Header.Get("X-Ratelimit-Remaining") != "0" {
		return 0, ""
	}
	reset, ok := resetTime(resp)
	if !ok {
		return 0, ""
	}
	// One second more: the reset is rounded down to a second.
	return max(reset.Sub(now), 0) + time.Second, "rate limit"
}

func resetTime(resp *http.Response) (time.Time, bool) {
	s, err := strconv.ParseInt(resp.Header.Get("X-Ratelimit-Reset"), 10, 64)
	if err != nil || s <= 0 {
		return time.Time{}, false
	}
	return time.Unix(s, 0).UTC(), true
}
