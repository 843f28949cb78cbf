package githubapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/httpclient"
)

// MaxRateLimitWait is the longest the client waits for a rate limit to
// reset; a later reset fails the request with a *RateLimitError naming it.
// A job that would sleep for most of an hour holds a runner for nothing.
const MaxRateLimitWait = time.Minute

// rateLimitWait reads GitHub's rate limits (docs: "Rate limits for the
// REST API", "Exceeding the rate limit") for httpclient's retry loop, as
// its RetryTransport.RetryAfter:
//   - the primary limit, a 403 or 429 with x-ratelimit-remaining: 0,
//     lasts until x-ratelimit-reset (epoch seconds);
//   - a secondary limit, a 403 or 429 with retry-after, lasts that many
//     seconds.
//
// A limit that ends within MaxRateLimitWait is waited out; a longer one,
// or none, is left to the usual rules, and a limit that reaches the
// caller becomes a *RateLimitError.
func rateLimitWait(resp *http.Response, now time.Time) (time.Duration, bool) {
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		return 0, false
	}
	if d, ok := httpclient.ParseRetryAfter(resp.Header.Get("Retry-After"), now); ok {
		return d, d <= MaxRateLimitWait
	}
	reset, ok := resetTime(resp)
	if !ok || resp.Header.Get("X-Ratelimit-Remaining") != "0" {
		return 0, false
	}
	// One second more: the reset is rounded down to a second.
	d := max(reset.Sub(now), 0) + time.Second
	return d, d <= MaxRateLimitWait
}

func resetTime(resp *http.Response) (time.Time, bool) {
	s, err := strconv.ParseInt(resp.Header.Get("X-Ratelimit-Reset"), 10, 64)
	if err != nil || s <= 0 {
		return time.Time{}, false
	}
	return time.Unix(s, 0).UTC(), true
}
