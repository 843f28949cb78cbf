package httpclient_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/httpclient"
)

// recorder answers with the codes in turn and keeps each request's
// method and body.
type recorder struct {
	mu     sync.Mutex
	codes  []int
	bodies []string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	i := min(len(r.bodies), len(r.codes)-1)
	r.bodies = append(r.bodies, req.Method+" "+string(body))
	r.mu.Unlock()
	w.WriteHeader(r.codes[i])
	_, _ = io.WriteString(w, http.StatusText(r.codes[i]))
}

func (r *recorder) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.bodies...)
}

// TestRetryTransport: a client built on RetryTransport (as go-github
// takes one) retries what may be sent again, with the same body, and
// returns the last answer whole when the retries run out.
func TestRetryTransport(t *testing.T) {
	cases := []struct {
		name     string
		codes    []int
		method   string
		header   string
		wantReqs int
		wantCode int
	}{
		{"get_recovers", []int{503, 502, 200}, http.MethodGet, "", 3, 200},
		{"put_resends_body", []int{500, 200}, http.MethodPut, "", 2, 200},
		{"post_not_retried_on_5xx", []int{503, 200}, http.MethodPost, "", 1, 503},
		{"post_retried_on_429", []int{429, 201}, http.MethodPost, "", 2, 201},
		{"post_with_idempotency_key", []int{503, 201}, http.MethodPost, "Idempotency-Key", 2, 201},
		{"4xx_returned_at_once", []int{404}, http.MethodGet, "", 1, 404},
		{"gives_up_with_last_answer", []int{503}, http.MethodGet, "", 3, 503},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := &recorder{codes: c.codes}
			srv := httptest.NewServer(rec)
			defer srv.Close()
			client := &http.Client{Transport: &httpclient.RetryTransport{
				Retry: httpclient.Retry{Retries: 2, First: time.Millisecond, Clock: newFakeClock()},
			}}
			req, _ := http.NewRequest(c.method, srv.URL, bytes.NewReader([]byte("payload")))
			if c.header != "" {
				req.Header.Set(c.header, "k1")
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			got := rec.requests()
			if resp.StatusCode != c.wantCode || string(body) != http.StatusText(c.wantCode) || len(got) != c.wantReqs {
				t.Fatalf("answer %d %q after %d requests, want %d after %d", resp.StatusCode, body, len(got), c.wantCode, c.wantReqs)
			}
			for i, r := range got {
				if r != c.method+" payload" {
					t.Errorf("request %d was %q", i, r)
				}
			}
		})
	}
}

// TestRetryTransportUnrewindable: a body that cannot be read twice is
// sent once.
func TestRetryTransportUnrewindable(t *testing.T) {
	rec := &recorder{codes: []int{503, 200}}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	client := &http.Client{Transport: &httpclient.RetryTransport{Retry: httpclient.Retry{Retries: 3, Clock: newFakeClock()}}}
	req, _ := http.NewRequest(http.MethodPut, srv.URL, io.NopCloser(strings.NewReader("once")))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || len(rec.requests()) != 1 {
		t.Errorf("answer %d after %d requests", resp.StatusCode, len(rec.requests()))
	}
}

// TestRetryTransportTimeoutBody: with a Timeout, the body of the answer
// returned is still readable after RoundTrip, until it is closed. The
// server sends the second half only once RoundTrip has returned.
func TestRetryTransportTimeoutBody(t *testing.T) {
	var n atomic.Int32
	returned := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "first half,")
		w.(http.Flusher).Flush()
		<-returned
		_, _ = io.WriteString(w, "second half")
	}))
	defer srv.Close()
	client := &http.Client{Transport: &httpclient.RetryTransport{Retry: httpclient.Retry{Retries: 2, Timeout: time.Minute, Clock: newFakeClock()}}}
	resp, err := client.Get(srv.URL)
	close(returned)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || string(body) != "first half,second half" || n.Load() != 2 {
		t.Fatalf("read %q after %d requests: %v", body, n.Load(), err)
	}
}

// TestRetryTransportHooks: RetryAfter turns an answer the default rules
// return (a 403) into one retried after the wait it reads, for a POST
// too; Resend lets a POST be sent again after a 502; each retry's note
// names the request. Without the hooks both answers are returned at once.
func TestRetryTransportHooks(t *testing.T) {
	resetIn := func(resp *http.Response, _ time.Time) (time.Duration, bool) {
		s := resp.Header.Get("X-Reset-In")
		d, err := time.ParseDuration(s)
		return d, err == nil && resp.StatusCode == http.StatusForbidden
	}
	for _, hooked := range []bool{true, false} {
		var n atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch n.Add(1) {
			case 1:
				w.Header().Set("X-Reset-In", "42s")
				http.Error(w, "limited", http.StatusForbidden)
			case 2:
				http.Error(w, "bad gateway", http.StatusBadGateway)
			default:
				w.WriteHeader(http.StatusCreated)
			}
		}))
		clock := newFakeClock()
		var notes []httpclient.RetryNote
		rt := &httpclient.RetryTransport{Retry: httpclient.Retry{Retries: 3, First: time.Second, Clock: clock,
			Jitter:  func(d time.Duration) time.Duration { return d },
			OnRetry: func(n httpclient.RetryNote) { notes = append(notes, n) }}}
		if hooked {
			rt.RetryAfter, rt.Resend = resetIn, func(*http.Request) bool { return true }
		}
		resp, err := (&http.Client{Transport: rt}).Post(srv.URL+"/items", "text/plain", strings.NewReader("x"))
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want, reqs, waits := http.StatusCreated, int32(3), "[42s 2s]"
		if !hooked {
			want, reqs, waits = http.StatusForbidden, 1, "[]"
		}
		if resp.StatusCode != want || n.Load() != reqs || fmt.Sprint(clock.Waits()) != waits {
			t.Fatalf("hooks %v: answer %d after %d requests, waits %v; want %d after %d, waits %s", hooked, resp.StatusCode, n.Load(), clock.Waits(), want, reqs, waits)
		}
		for _, note := range notes {
			if note.Request == nil || note.Request.Method != http.MethodPost || note.Request.URL.Path != "/items" {
				t.Errorf("note %+v does not name the request", note)
			}
		}
	}
}

// TestRetryTransportHookBeyondMax: a wait RetryAfter reads that is longer
// than MaxRetryAfter returns the answer at once.
func TestRetryTransportHookBeyondMax(t *testing.T) {
	rec := &recorder{codes: []int{403, 200}}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	clock := newFakeClock()
	rt := &httpclient.RetryTransport{
		Retry:      httpclient.Retry{Retries: 3, MaxRetryAfter: time.Minute, Clock: clock},
		RetryAfter: func(*http.Response, time.Time) (time.Duration, bool) { return time.Hour, true },
	}
	resp, err := (&http.Client{Transport: rt}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || string(body) != "Forbidden" || len(rec.requests()) != 1 || len(clock.Waits()) != 0 {
		t.Errorf("answer %d %q after %d requests, waits %v", resp.StatusCode, body, len(rec.requests()), clock.Waits())
	}
}
