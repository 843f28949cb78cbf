package httpclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"
)

// Retry is how an operation's failed attempts are retried: after a
// connection error, a 5xx or a 429, waiting an exponentially growing,
// jittered time, or what Retry-After asks, all within one deadline.
type Retry struct {
	// Retries after the first attempt; 0 never retries.
	Retries int
	// First is the wait before the first retry, doubled after each one up
	// to Max; each wait is jittered to between half and all of it, so
	// many jobs failing together do not retry together. Zero: 500ms, 10s.
	First, Max time.Duration
	// Timeout bounds the whole operation, waits included; 0: the context's
	// own deadline only.
	Timeout time.Duration
	// MaxRetryAfter is the longest Retry-After waited out; a server asking
	// for more ends the retries (a rate limit reset an hour away). 0: any
	// wait that fits the deadline.
	MaxRetryAfter time.Duration
	// OnRetry is called before each wait.
	OnRetry func(RetryNote)
	// Clock tells the time and waits; nil is the real one. Tests inject
	// one that records the waits instead of sleeping.
	Clock Clock
	// Jitter picks the wait for a backoff step d; nil is uniform in [d/2, d].
	Jitter func(d time.Duration) time.Duration
}

// RetryNote describes a failed attempt that will be retried.
type RetryNote struct {
	Attempt int           // 1-based number of the attempt that failed
	Err     error         // why it failed
	Wait    time.Duration // how long until the next attempt
	// Request is the request RetryTransport sends again; nil under Do.
	Request *http.Request
}

// Clock is the time source of the retry loop.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx is done, returning ctx.Err() then.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// GaveUpError: every attempt failed with a retryable error, or the
// server asked for a wait longer than Retry.MaxRetryAfter.
type GaveUpError struct {
	Attempts   int
	Err        error         // the last attempt's
	RetryAfter time.Duration // the wait asked for, when it was too long
}

func (e *GaveUpError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("gave up after %d attempts, the server asking to wait %s: %v", e.Attempts, e.RetryAfter, e.Err)
	}
	return fmt.Sprintf("gave up after %d attempts: %v", e.Attempts, e.Err)
}
func (e *GaveUpError) Unwrap() error { return e.Err }

// DeadlineError: the deadline passed, or the next wait would pass it.
type DeadlineError struct {
	Attempts int
	Timeout  time.Duration // Retry.Timeout; 0 when the context set the deadline
	Next     time.Duration // the wait that would pass it; 0 when it passed
	Err      error         // the last attempt's
}

func (e *DeadlineError) Error() string {
	limit := "the deadline"
	if e.Timeout > 0 {
		limit = fmt.Sprintf("the %s deadline", e.Timeout)
	}
	if e.Next > 0 {
		return fmt.Sprintf("attempt %d failed and the next one (in %s) would pass %s: %v", e.Attempts, e.Next.Round(time.Millisecond), limit, e.Err)
	}
	if e.Timeout > 0 {
		return fmt.Sprintf("no success within the %s timeout (%d attempts): %v", e.Timeout, e.Attempts, e.Err)
	}
	return fmt.Sprintf("no success before the deadline (%d attempts): %v", e.Attempts, e.Err)
}
func (e *DeadlineError) Unwrap() error { return e.Err }

// CancelledError: the caller's context was cancelled.
type CancelledError struct {
	Attempts int
	Err      error
}

func (e *CancelledError) Error() string {
	return fmt.Sprintf("cancelled after %d attempts: %v", e.Attempts, e.Err)
}
func (e *CancelledError) Unwrap() error { return e.Err }

// Do runs attempt until it succeeds, fails with an error Retryable says
// will not pass, or the retries or the deadline run out. Each attempt
// gets the operation's context.
func (r Retry) Do(ctx context.Context, attempt func(ctx context.Context) error) error {
	if r.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.Timeout)
		defer cancel()
	}
	return r.loop(ctx, attempt)
}

func (r Retry) clock() Clock {
	if r.Clock == nil {
		return realClock{}
	}
	return r.Clock
}

// loop is Do under a context that already carries the deadline.
func (r Retry) loop(ctx context.Context, attempt func(ctx context.Context) error) error {
	clock := r.clock()
	wait, maxWait := or(r.First, 500*time.Millisecond), or(r.Max, 10*time.Second)
	// The context's deadline is on the wall clock, the waits on clock,
	// which a test may start at any date: the time left is read once and
	// counted down on clock.
	dl, hasDeadline := ctx.Deadline()
	if hasDeadline {
		dl = clock.Now().Add(time.Until(dl))
	}
	for n := 1; ; n++ {
		err := attempt(ctx)
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return r.stopped(ctx, n, err)
		case !Retryable(err):
			return err
		case n > r.Retries:
			return &GaveUpError{Attempts: n, Err: err}
		}
		d, asked := r.wait(wait, err, clock.Now())
		if asked && r.MaxRetryAfter > 0 && d > r.MaxRetryAfter {
			return &GaveUpError{Attempts: n, Err: err, RetryAfter: d}
		}
		if hasDeadline && dl.Sub(clock.Now()) < d {
			return &DeadlineError{Attempts: n, Timeout: r.Timeout, Next: d, Err: err}
		}
		if r.OnRetry != nil {
			r.OnRetry(RetryNote{Attempt: n, Err: err, Wait: d})
		}
		if serr := clock.Sleep(ctx, d); serr != nil {
			return r.stopped(ctx, n, err)
		}
		wait = min(wait*2, maxWait)
	}
}

// wait is the time before the next attempt: what Retry-After asks
// (asked), else the jittered backoff step.
func (r Retry) wait(step time.Duration, err error, now time.Time) (d time.Duration, asked bool) {
	var se *StatusError
	var aw *askedWait
	switch {
	case errors.As(err, &aw):
		return aw.wait, true
	case errors.As(err, &se):
		if d, ok := se.RetryAfter(now); ok {
			return d, true
		}
	}
	if r.Jitter != nil {
		return r.Jitter(step), false
	}
	if step <= 1 {
		return step, false
	}
	return step/2 + rand.N(step/2+1), false
}

func (r Retry) stopped(ctx context.Context, attempts int, last error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &DeadlineError{Attempts: attempts, Timeout: r.Timeout, Err: last}
	}
	return &CancelledError{Attempts: attempts, Err: last}
}

// Retryable reports whether another attempt may succeed where this one
// failed: a 5xx or 429 answer, or a connection that could not be made,
// was reset or closed early. TLS failures, refused redirects, other
// answers and anything else are permanent.
func Retryable(err error) bool {
	var se *StatusError
	var re *RedirectError
	var tl *BodyTooLargeError
	var p permanent
	var aw *askedWait
	switch {
	case errors.As(err, &p):
		return false
	case errors.As(err, &aw):
		return true
	case errors.As(err, &se):
		return se.Temporary()
	case IsTLSError(err), errors.As(err, &re), errors.As(err, &tl):
		return false
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true // the server closed the connection before answering
	}
	// A local file's error (ENOSPC writing a download) is no connection's,
	// though its syscall.Errno passes for a net.Error below.
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return false
	}
	// *url.Error is a net.Error itself: look at what it wraps.
	for {
		var ue *url.Error
		if !errors.As(err, &ue) {
			break
		}
		err = ue.Err
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true // dial, DNS, reset, timeouts awaiting headers
	}
	for _, errno := range []syscall.Errno{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE, syscall.ETIMEDOUT, syscall.EHOSTUNREACH, syscall.ENETUNREACH} {
		if errors.Is(err, errno) {
			return true
		}
	}
	return false
}

// IsTLSError reports whether err comes from TLS: a certificate that does
// not verify (unknown authority, expired or otherwise invalid, wrong host
// name), a peer that does not speak TLS, or a TLS alert. Retrying cannot
// fix any of them.
func IsTLSError(err error) bool {
	var (
		unknown  x509.UnknownAuthorityError
		invalid  x509.CertificateInvalidError
		hostname x509.HostnameError
		roots    x509.SystemRootsError
		verify   *tls.CertificateVerificationError
		header   tls.RecordHeaderError
		alert    tls.AlertError
		ech      *tls.ECHRejectionError
	)
	if errors.As(err, &unknown) || errors.As(err, &invalid) || errors.As(err, &hostname) ||
		errors.As(err, &roots) || errors.As(err, &verify) || errors.As(err, &header) ||
		errors.As(err, &alert) || errors.As(err, &ech) {
		return true
	}
	// An alert the server sends over TCP arrives as this net.OpError, its
	// alert type unexported.
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "remote error"
}
