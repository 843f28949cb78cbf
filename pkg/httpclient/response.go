package httpclient

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Limits of what is read from a response that is not the answer itself.
const (
	// MaxMessage bounds the part of an error answer kept as its message.
	MaxMessage = 2048
	// MaxDrain bounds what is read and thrown away so the connection can
	// be reused; a longer body costs a new connection, not memory.
	MaxDrain = 64 << 10
)

// StatusError is an answer other than 2xx.
type StatusError struct {
	Method, URL string // URL redacted
	Code        int
	Status      string // "503 Service Unavailable"
	Message     string // the start of the body, trimmed: the server's reason
	// RetryAfterHeader is the raw Retry-After header; see RetryAfter.
	RetryAfterHeader string
}

func (e *StatusError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "(no message)"
	}
	return fmt.Sprintf("%s %s: %s: %s", e.Method, e.URL, e.Status, msg)
}

// Temporary reports whether the answer may change on retry: a 5xx or 429.
func (e *StatusError) Temporary() bool {
	return e.Code >= 500 || e.Code == http.StatusTooManyRequests
}

// RetryAfter is how long the server asked to wait: ParseRetryAfter of
// its Retry-After header.
func (e *StatusError) RetryAfter(now time.Time) (d time.Duration, ok bool) {
	return ParseRetryAfter(e.RetryAfterHeader, now)
}

// ParseRetryAfter reads a Retry-After value, in seconds or as an HTTP
// date (relative to now); ok is false when it is empty, unreadable, more
// than a day or in the past.
func ParseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 || s > int64(24*time.Hour/time.Second) {
			return 0, false
		}
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now), true
	}
	return 0, false
}

// CheckResponse returns nil for a 2xx answer, leaving its body to the
// caller. Otherwise it reads the start of the body as the message, drains
// and closes it, and returns a *StatusError.
func CheckResponse(resp *http.Response) error {
	if resp.StatusCode/100 == 2 {
		return nil
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, MaxMessage))
	Discard(resp)
	e := &StatusError{
		Code:             resp.StatusCode,
		Status:           resp.Status,
		Message:          strings.TrimSpace(string(msg)),
		RetryAfterHeader: resp.Header.Get("Retry-After"),
	}
	if resp.Request != nil {
		e.Method, e.URL = resp.Request.Method, resp.Request.URL.Redacted()
	}
	return e
}

// Discard reads at most MaxDrain more bytes of the body and closes it.
func Discard(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxDrain))
	_ = resp.Body.Close()
}

// BodyTooLargeError is a body longer than the limit its reader was given.
type BodyTooLargeError struct{ Limit int64 }

func (e *BodyTooLargeError) Error() string {
	return fmt.Sprintf("response body over the limit of %d bytes", e.Limit)
}

// LimitBody returns r limited to n bytes: reading beyond fails with a
// *BodyTooLargeError instead of silently stopping, so a decoder never
// takes a truncated document for a whole one.
func LimitBody(r io.Reader, n int64) io.Reader { return &limitedBody{r: r, left: n, limit: n} }

type limitedBody struct {
	r           io.Reader
	left, limit int64
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// One byte more tells a body of exactly the limit from a longer one.
		var one [1]byte
		if n, err := l.r.Read(one[:]); n > 0 {
			return 0, &BodyTooLargeError{Limit: l.limit}
		} else if err != nil {
			return 0, err
		}
		return 0, nil
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// URLPassword returns the password in a URL's user info, even from a URL
// url.Parse refuses, so the caller can mask it before any message can
// print it.
func URLPassword(raw string) (string, bool) {
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return "", false
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	i := strings.LastIndexByte(rest, '@')
	if i < 0 {
		return "", false
	}
	_, pass, ok := strings.Cut(rest[:i], ":")
	return pass, ok && pass != ""
}
