package testenv

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// ForwardProxy is an HTTP forward proxy for HTTP_PROXY that sends the
// requests for host (a name that need not resolve: loopback addresses
// never go through a proxy) to target, refuses any other host, and counts
// what it saw.
type ForwardProxy struct {
	URL      string
	Requests atomic.Int32
}

// NewForwardProxy starts a proxy for t, closed when t ends.
func NewForwardProxy(t testing.TB, host, target string) *ForwardProxy {
	p := &ForwardProxy{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.Requests.Add(1)
		if r.URL.Host != host {
			http.Error(w, "unexpected host "+r.URL.Host, http.StatusBadGateway)
			return
		}
		out, err := http.NewRequest(r.Method, target+r.URL.Path, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		out.Header = r.Header.Clone()
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}
