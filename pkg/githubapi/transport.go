package githubapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/httpclient"
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

// Retry describes a request that will be sent again, for the log. It
// holds no header, so never the token.
type Retry struct {
	Attempt int           // 1-based number of the attempt that failed
	Method  string        // of the request
	Path    string        // of the request, without host or query
	Status  int           // the answer's status; 0 for a connection error
	Err     error         // the connection error, if any
	Reason  string        // "server error", "rate limit", ...
	Wait    time.Duration // until the next attempt
}

// transport is httpclient's RetryTransport with GitHub's rules: the
// policy's defaults, the rate limits rateLimitWait reads, and every
// method sent again after a 5xx or a broken connection, as this client
// always did: its writes are upserts or check runs, where a rare
// duplicate costs less than a job failed by one 502.
func (o Options) transport() (http.RoundTripper, error) {
	base := o.Transport
	if base == nil {
		tr, err := httpclient.NewTransport(o.HTTP)
		if err != nil {
			return nil, err
		}
		base = tr
	}
	p := o.Retry.withDefaults()
	retry := httpclient.Retry{Retries: p.Retries, First: p.Backoff, Max: p.MaxBackoff, MaxRetryAfter: p.MaxRetryAfter, Clock: o.Clock}
	if on := o.OnRetry; on != nil {
		retry.OnRetry = func(n httpclient.RetryNote) { on(retryOf(n)) }
	}
	return &httpclient.RetryTransport{
		Base: base, Retry: retry, RetryAfter: rateLimitWait,
		Resend: func(*http.Request) bool { return true },
	}, nil
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

// retryOf words httpclient's note for the log.
func retryOf(n httpclient.RetryNote) Retry {
	r := Retry{Attempt: n.Attempt, Err: n.Err, Reason: "connection error", Wait: n.Wait}
	if n.Request != nil {
		r.Method, r.Path = n.Request.Method, n.Request.URL.Path
	}
	var se *httpclient.StatusError
	if !errors.As(n.Err, &se) {
		return r
	}
	r.Status, r.Err = se.Code, nil
	switch {
	case se.Code != http.StatusForbidden && se.Code != http.StatusTooManyRequests:
		r.Reason = "server error"
	case se.RetryAfterHeader != "":
		r.Reason = "secondary rate limit"
	default:
		r.Reason = "rate limit"
	}
	return r
}
