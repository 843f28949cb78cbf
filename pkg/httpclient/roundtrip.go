package httpclient

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"syscall"
	"time"
)

// RetryTransport is an http.RoundTripper that retries a round trip under
// Retry, for clients that take an *http.Client (go-github). Retry.Timeout
// bounds the attempts, the waits and the reading of the answer returned,
// so a download wants a Timeout long enough for its body, or none and a
// deadline on its request's context. A request
// that succeeds or fails permanently is returned as Base returned it;
// when the retries or the deadline run out on a 5xx or 429, the last
// answer is returned with the start of its body (MaxDrain bytes), so the
// caller reads the server's reason as usual.
//
// Like net/http's own retries, only requests that can be sent again
// safely are retried after a 5xx or a broken connection: GET, HEAD,
// OPTIONS, TRACE, PUT and DELETE, and any request with an Idempotency-Key
// header. A 429 or a refused connection means the request was not acted
// on, so every method is retried then. A request whose body cannot be
// rewound (no GetBody) is sent once.
type RetryTransport struct {
	Base  http.RoundTripper // nil: http.DefaultTransport
	Retry Retry
	// Resend, when set, replaces the rule above on which requests may be
	// sent again after a 5xx or a broken connection, for an API whose
	// writes the caller knows to be safe to repeat.
	Resend func(req *http.Request) bool
	// RetryAfter, when set, reads the wait an answer asks for in its
	// server's own terms (GitHub's rate limits: a 403 with
	// x-ratelimit-reset), from its status and header only. An answer it
	// gives a wait for is retried after that wait, like a 429 with
	// Retry-After, within Retry's limits; others are judged as usual.
	RetryAfter func(resp *http.Response, now time.Time) (wait time.Duration, ok bool)
}

func (t *RetryTransport) base() http.RoundTripper {
	if t.Base == nil {
		return http.DefaultTransport
	}
	return t.Base
}

// RoundTrip implements http.RoundTripper.
func (t *RetryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return t.base().RoundTrip(req)
	}
	// The deadline also bounds reading the answer returned, which happens
	// after RoundTrip: it is released when the caller closes the body.
	ctx, cancel := req.Context(), context.CancelFunc(func() {})
	if t.Retry.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, t.Retry.Timeout)
	}
	retry := t.Retry
	if on := retry.OnRetry; on != nil {
		retry.OnRetry = func(n RetryNote) { n.Request = req; on(n) }
	}
	var last *http.Response
	err := retry.loop(ctx, func(ctx context.Context) error {
		resp, err := t.once(ctx, req)
		if err != nil {
			return err
		}
		last = resp
		return t.check(req, peek(resp))
	})
	var se *StatusError
	var p permanent
	switch {
	case err == nil || last != nil && errors.As(err, &se):
		last.Body = &cancelOnClose{ReadCloser: last.Body, cancel: cancel}
		return last, nil
	case errors.As(err, &p):
		err = p.error
	}
	cancel()
	return nil, err
}

// check is the error that retries an answer (a copy whose body it may
// read), nil for one returned as it is.
func (t *RetryTransport) check(req *http.Request, resp *http.Response) error {
	if resp.StatusCode/100 != 2 && t.RetryAfter != nil {
		if d, ok := t.RetryAfter(resp, t.Retry.clock().Now()); ok {
			return &askedWait{err: CheckResponse(resp), wait: d}
		}
	}
	if err := CheckResponse(resp); err != nil && t.retrySafe(req, err) {
		return err
	}
	return nil
}

// askedWait is an answer RetryTransport.RetryAfter gives a wait for.
type askedWait struct {
	err  error // the answer's *StatusError
	wait time.Duration
}

func (a *askedWait) Error() string { return a.err.Error() }
func (a *askedWait) Unwrap() error { return a.err }

// cancelOnClose releases an answer's context when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// once sends a copy of req with a fresh body.
func (t *RetryTransport) once(ctx context.Context, req *http.Request) (*http.Response, error) {
	r := req.Clone(ctx)
	if req.GetBody != nil && req.Body != nil && req.Body != http.NoBody {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = body
	}
	resp, err := t.base().RoundTrip(r)
	if err != nil && !t.retrySafe(req, err) {
		return nil, permanent{err}
	}
	return resp, err
}

// peek replaces the body of an answer that is not 2xx by its first
// MaxDrain bytes, read into memory, and returns a copy of resp whose body
// CheckResponse may consume, so resp itself can still be returned whole.
func peek(resp *http.Response) *http.Response {
	if resp.StatusCode/100 == 2 {
		return resp
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, MaxDrain))
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	c := *resp
	c.Body = io.NopCloser(bytes.NewReader(data))
	return &c
}

// retrySafe reports whether req may be sent again after err.
func (t *RetryTransport) retrySafe(req *http.Request, err error) bool {
	var se *StatusError
	switch {
	case errors.As(err, &se) && se.Code == http.StatusTooManyRequests || errors.Is(err, syscall.ECONNREFUSED):
		return true
	case t.Resend != nil:
		return t.Resend(req)
	}
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	_, key := req.Header["Idempotency-Key"]
	_, xkey := req.Header["X-Idempotency-Key"]
	return key || xkey
}

// permanent stops Retry.Do: an error Retryable would pass, on a request
// that must not be sent twice.
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }
