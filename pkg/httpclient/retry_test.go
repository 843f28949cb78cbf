package httpclient_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/httpclient"
	"github.com/voidnxsec/nixops-actions/pkg/httpclient/httpclienttest"
)

func newFakeClock() *httpclienttest.Clock {
	return httpclienttest.NewClock(time.Now().Truncate(time.Second))
}

// connRefused is the error of a dial nobody answers.
func connRefused(t *testing.T) error {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	resp, err := http.Get("http://" + addr)
	if err == nil {
		resp.Body.Close()
		t.Fatal("a closed port answered")
	}
	return err
}

// TestBackoff: every attempt fails to connect; the waits double from
// First up to Max, each jittered into [d/2, d], and the error says how
// many attempts were made and why the last failed.
func TestBackoff(t *testing.T) {
	refused := connRefused(t)
	clock := newFakeClock()
	var notes []httpclient.RetryNote
	attempts := 0
	err := httpclient.Retry{
		Retries: 4, First: 100 * time.Millisecond, Max: 300 * time.Millisecond, Clock: clock,
		OnRetry: func(n httpclient.RetryNote) { notes = append(notes, n) },
	}.Do(context.Background(), func(context.Context) error { attempts++; return refused })
	var gu *httpclient.GaveUpError
	if !errors.As(err, &gu) || gu.Attempts != 5 || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("error %v, want a GaveUpError after 5 attempts wrapping ECONNREFUSED", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "gave up after 5 attempts") || !strings.Contains(msg, "connection refused") {
		t.Errorf("message %q", msg)
	}
	waits := clock.Waits()
	if attempts != 5 || len(waits) != 4 || len(notes) != 4 {
		t.Fatalf("%d attempts, waits %v, notes %d", attempts, waits, len(notes))
	}
	for i, d := range []time.Duration{100, 200, 300, 300} {
		d *= time.Millisecond
		if waits[i] < d/2 || waits[i] > d {
			t.Errorf("wait %d = %s, want within [%s, %s]", i, waits[i], d/2, d)
		}
		if notes[i].Attempt != i+1 || notes[i].Wait != waits[i] || !errors.Is(notes[i].Err, syscall.ECONNREFUSED) {
			t.Errorf("note %d = %+v", i, notes[i])
		}
	}
}

// answers serves the codes in turn, each with its Retry-After header
// when given as "code retry-after", and counts requests.
func answers(t *testing.T, seq ...string) (*httptest.Server, *int) {
	t.Helper()
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		i := min(n, len(seq)-1)
		n++
		mu.Unlock()
		var code int
		var after string
		fmt.Sscan(seq[i], &code)
		if _, a, ok := strings.Cut(seq[i], " "); ok {
			after = a
			w.Header().Set("Retry-After", after)
		}
		w.WriteHeader(code)
		fmt.Fprintf(w, "answer %d\n", i+1)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func get(srv *httptest.Server) func(context.Context) error {
	return func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		resp, err := srv.Client().Do(req)
		if err != nil {
			return err
		}
		if err := httpclient.CheckResponse(resp); err != nil {
			return err
		}
		httpclient.Discard(resp)
		return nil
	}
}

// TestRetryAfter: a 429 or 503 with Retry-After in seconds or as an HTTP
// date is retried after exactly that wait, whatever the backoff says; an
// unreadable or past value falls back to the backoff.
func TestRetryAfter(t *testing.T) {
	base := time.Now().Truncate(time.Second)
	date := base.Add(7 * time.Second).UTC().Format(http.TimeFormat)
	past := base.Add(-time.Hour).UTC().Format(http.TimeFormat)
	cases := []struct {
		answer string
		want   time.Duration
	}{
		{"429 3", 3 * time.Second},
		{"503 1", time.Second},
		{"503 " + date, 7 * time.Second},
		{"429 " + past, time.Millisecond},
		{"503 soon", time.Millisecond},
		{"503", time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.answer, func(t *testing.T) {
			clock := httpclienttest.NewClock(base)
			srv, n := answers(t, c.answer, "200")
			err := httpclient.Retry{Retries: 3, First: time.Millisecond, Clock: clock, Jitter: func(d time.Duration) time.Duration { return d }}.
				Do(context.Background(), get(srv))
			if err != nil {
				t.Fatal(err)
			}
			if w := clock.Waits(); *n != 2 || len(w) != 1 || w[0] != c.want {
				t.Errorf("%d requests, waits %v, want one wait of %s", *n, w, c.want)
			}
		})
	}
}

// TestRetryAfterBeyondDeadline: a wait that would pass the deadline is
// not taken; the error says so and carries the server's message.
func TestRetryAfterBeyondDeadline(t *testing.T) {
	clock := newFakeClock()
	srv, n := answers(t, "429 60")
	retried := false
	err := httpclient.Retry{Retries: 5, Timeout: 2 * time.Second, Clock: clock, OnRetry: func(httpclient.RetryNote) { retried = true }}.
		Do(context.Background(), get(srv))
	var de *httpclient.DeadlineError
	if !errors.As(err, &de) || de.Next != time.Minute || !strings.Contains(err.Error(), "would pass the 2s deadline") || !strings.Contains(err.Error(), "answer 1") {
		t.Fatalf("error %v", err)
	}
	if *n != 1 || retried || len(clock.Waits()) != 0 {
		t.Errorf("%d requests, retried %v, waits %v: nothing should follow the first attempt", *n, retried, clock.Waits())
	}
}

// TestDeadlineOnAnyClock: the deadline holds on a clock started at any
// date, the past or the future, as it does on the real one: a wait that
// would pass it is not taken, a shorter one is.
func TestDeadlineOnAnyClock(t *testing.T) {
	for _, start := range []time.Time{time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC), time.Now().Add(100 * 365 * 24 * time.Hour)} {
		clock := httpclienttest.NewClock(start)
		srv, n := answers(t, "429 1", "429 60", "200")
		err := httpclient.Retry{Retries: 5, Timeout: 30 * time.Second, Clock: clock}.Do(context.Background(), get(srv))
		var de *httpclient.DeadlineError
		if !errors.As(err, &de) || de.Next != time.Minute || *n != 2 || fmt.Sprint(clock.Waits()) != "[1s]" {
			t.Errorf("clock at %s: error %v after %d requests, waits %v; want the deadline after 2, waits [1s]", start, err, *n, clock.Waits())
		}
	}
}

// TestMaxRetryAfter: a Retry-After beyond the limit ends the retries at
// once, saying what the server asked for.
func TestMaxRetryAfter(t *testing.T) {
	clock := newFakeClock()
	srv, n := answers(t, "429 3600", "200")
	err := httpclient.Retry{Retries: 5, MaxRetryAfter: time.Minute, Clock: clock}.Do(context.Background(), get(srv))
	var gu *httpclient.GaveUpError
	if !errors.As(err, &gu) || gu.RetryAfter != time.Hour || !strings.Contains(err.Error(), "the server asking to wait 1h0m0s") {
		t.Fatalf("error %v", err)
	}
	if *n != 1 || len(clock.Waits()) != 0 {
		t.Errorf("%d requests, waits %v", *n, clock.Waits())
	}
}

// TestPermanent: a 4xx other than 429 is not retried, and neither is a
// cancelled context.
func TestPermanent(t *testing.T) {
	srv, n := answers(t, "400")
	err := httpclient.Retry{Retries: 5, Clock: newFakeClock()}.Do(context.Background(), get(srv))
	var se *httpclient.StatusError
	if !errors.As(err, &se) || se.Code != 400 || se.Message != "answer 1" || *n != 1 {
		t.Fatalf("error %v after %d requests", err, *n)
	}
	if want := "GET " + srv.URL + ": 400 Bad Request: answer 1"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv2, n2 := answers(t, "503")
	err = httpclient.Retry{Retries: 5, Clock: newFakeClock()}.Do(ctx, func(ctx context.Context) error {
		cancel()
		return get(srv2)(ctx)
	})
	var ce *httpclient.CancelledError
	if !errors.As(err, &ce) || ce.Attempts != 1 || *n2 > 1 {
		t.Errorf("cancelled: %v", err)
	}
}

// TestTimeout: a server that accepts connections and never answers; the
// attempt is cut at the deadline, which the error names. Order, not
// duration, is checked: the server saw the connection, then the push
// ended with the deadline error.
func TestTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 8)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	defer func() {
		close(accepted)
		for c := range accepted {
			c.Close()
		}
	}()
	err = httpclient.Retry{Timeout: 300 * time.Millisecond}.Do(context.Background(), func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+l.Addr().String(), nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	})
	var de *httpclient.DeadlineError
	if !errors.As(err, &de) || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no success within the 300ms timeout (1 attempts)") {
		t.Fatalf("error %v", err)
	}
	if len(accepted) == 0 {
		t.Error("the server never saw the connection the deadline cut")
	}
}

func TestRetryable(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{&httpclient.StatusError{Code: 500}, true},
		{&httpclient.StatusError{Code: 503}, true},
		{&httpclient.StatusError{Code: 429}, true},
		{&httpclient.StatusError{Code: 404}, false},
		{&httpclient.StatusError{Code: 401}, false},
		{fmt.Errorf("wrapped: %w", &httpclient.StatusError{Code: 502}), true},
		{&httpclient.RedirectError{}, false},
		{&httpclient.BodyTooLargeError{}, false},
		{errors.New("unsupported protocol scheme"), false},
		{context.Canceled, false},
		// A disk full while writing a download is no connection's failure.
		{fmt.Errorf("saving: %w", &fs.PathError{Op: "write", Path: "db.tar.zst", Err: syscall.ENOSPC}), false},
		{&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, true},
		{syscall.ECONNREFUSED, true},
	}
	for _, c := range cases {
		if got := httpclient.Retryable(c.err); got != c.want {
			t.Errorf("Retryable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
