package pushgateway_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/promtest"
	"github.com/voidnxsec/nixops-actions/pkg/pushgateway"
)

const body = "# TYPE nixops_test_value gauge\nnixops_test_value 42\n"

// TestGroupingKey pushes values that need each encoding to the real
// gateway and reads the group back: the labels must arrive exactly.
func TestGroupingKey(t *testing.T) {
	gw := promtest.StartPushgateway(t)
	cases := []struct {
		name, job, value, wantPath string
	}{
		{"plain", "plain", "main", "/metrics/job/plain/v/main"},
		{"space", "space", "my workflow", "/metrics/job/space/v/my%20workflow"},
		{"slash", "slash", "owner/repo", "/metrics/job/slash/v@base64/b3duZXIvcmVwbw"},
		{"non_ascii", "non_ascii", "Déploiement ✓ 日本", "/metrics/job/non_ascii/v/D%C3%A9ploiement%20%E2%9C%93%20%E6%97%A5%E6%9C%AC"},
		{"empty", "empty", "", "/metrics/job/empty/v@base64/="},
		{"plus_percent_equals", "plus", "a+b=100%", "/metrics/job/plus/v/a+b=100%25"},
		{"slash_in_job", "owner/repo", "x", "/metrics/job@base64/b3duZXIvcmVwbw/v/x"},
		{"base64_needs_url_safe", "urlsafe", "/?>", "/metrics/job/urlsafe/v@base64/Lz8-"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := pushgateway.New(gw.URL, c.job).Grouping("v", c.value)
			if got := strings.TrimPrefix(p.URL(), gw.URL); got != c.wantPath {
				t.Errorf("path %s, want %s", got, c.wantPath)
			}
			if err := p.Put(context.Background(), []byte(body)); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"job": c.job, "v": c.value}
			grp := gw.Group(t, want)
			if grp == nil {
				t.Fatalf("no group %q; the gateway has %+v", want, gw.Groups(t))
			}
			f := grp.Families["nixops_test_value"]
			if len(f.Metrics) != 1 || f.Metrics[0].Value != "42" {
				t.Fatalf("family %+v", f)
			}
			sample := f.Metrics[0].Labels
			if sample["job"] != c.job || sample["v"] != c.value {
				t.Errorf("sample labels %q", sample)
			}
		})
	}
}

func TestGroupingRefused(t *testing.T) {
	cases := map[string]*pushgateway.Pusher{
		`"job"`:             pushgateway.New("http://127.0.0.1:1", "j").Grouping("job", "x"),
		"not a valid label": pushgateway.New("http://127.0.0.1:1", "j").Grouping("a-b", "x"),
		"given twice":       pushgateway.New("http://127.0.0.1:1", "j").Grouping("a", "x").Grouping("a", "y"),
		"job is empty":      pushgateway.New("http://127.0.0.1:1", ""),
		"want http(s)":      pushgateway.New("ftp://h", "j"),
		"no leading __":     pushgateway.New("http://127.0.0.1:1", "j").Grouping("__x", "x"),
	}
	for want, p := range cases {
		err := p.Put(context.Background(), []byte(body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	}
}

// TestMethods: put replaces the group whole (a stale series disappears),
// post replaces only same-named metrics, delete removes the group.
func TestMethods(t *testing.T) {
	gw := promtest.StartPushgateway(t)
	ctx := context.Background()
	p := pushgateway.New(gw.URL, "methods").Grouping("repository", "o/r")
	key := map[string]string{"job": "methods", "repository": "o/r"}
	names := func() []string {
		grp := gw.Group(t, key)
		if grp == nil {
			return nil
		}
		var n []string
		for name, f := range grp.Families {
			if !strings.HasPrefix(name, "push_") {
				n = append(n, fmt.Sprintf("%s=%s", name, f.Metrics[0].Value))
			}
		}
		slices.Sort(n)
		return n
	}
	steps := []struct {
		do   func() error
		want string
	}{
		{func() error { return p.Put(ctx, []byte("a 1\nstale 2\n")) }, "a=1 stale=2"},
		{func() error { return p.Put(ctx, []byte("a 3\n")) }, "a=3"},
		{func() error { return p.Post(ctx, []byte("b 4\n")) }, "a=3 b=4"},
		{func() error { return p.Post(ctx, []byte("a 5\n")) }, "a=5 b=4"},
		{func() error { return p.Delete(ctx) }, ""},
	}
	for i, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := strings.Join(names(), " "); got != s.want {
			t.Fatalf("step %d: group holds %q, want %q", i, got, s.want)
		}
	}
}

// TestTypeConflict: the gateway answers 400 with its reason; no retry.
func TestTypeConflict(t *testing.T) {
	gw := promtest.StartPushgateway(t)
	ctx := context.Background()
	if err := pushgateway.New(gw.URL, "first").Put(ctx, []byte("# TYPE nixops_c gauge\nnixops_c 1\n")); err != nil {
		t.Fatal(err)
	}
	retries := 0
	err := pushgateway.New(gw.URL, "second").Backoff(time.Millisecond, time.Millisecond).
		OnRetry(func(pushgateway.Retry) { retries++ }).
		Put(ctx, []byte("# TYPE nixops_c counter\nnixops_c 1\n"))
	var se *pushgateway.StatusError
	if !errors.As(err, &se) || se.Code != 400 {
		t.Fatalf("error %v, want a 400 StatusError", err)
	}
	// The gateway names whichever side of the conflict its check met
	// first, so either "is not a GAUGE" or "is not a COUNTER".
	if msg := err.Error(); !strings.Contains(msg, "inconsistent with existing metrics") || !strings.Contains(msg, `"nixops_c"`) || !strings.Contains(msg, "is not a ") {
		t.Errorf("the gateway's reason is missing: %v", err)
	}
	if retries != 0 {
		t.Errorf("a 400 was retried %d times", retries)
	}
}

// TestGatewayDown: every attempt is refused; the error says how many
// attempts were made and why the last failed.
func TestGatewayDown(t *testing.T) {
	gw := promtest.StartPushgateway(t)
	gw.Stop()
	var waits []time.Duration
	err := pushgateway.New(gw.URL, "down").Retries(3).Backoff(20*time.Millisecond, 50*time.Millisecond).
		OnRetry(func(r pushgateway.Retry) { waits = append(waits, r.Wait) }).
		Put(context.Background(), []byte(body))
	if err == nil || !strings.Contains(err.Error(), "gave up after 4 attempts") || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("error %v", err)
	}
	if len(waits) != 3 {
		t.Fatalf("waits %v, want 3", waits)
	}
	// Exponential with jitter: each wait within [d/2, d] for d = 20, 40, 50 (capped).
	for i, d := range []time.Duration{20, 40, 50} {
		d *= time.Millisecond
		if waits[i] < d/2 || waits[i] > d {
			t.Errorf("wait %d = %s, want within [%s, %s]", i, waits[i], d/2, d)
		}
	}
}

// TestGatewayRestartedDuringRetries: the gateway is down for the first
// attempts and comes back; the push then succeeds.
func TestGatewayRestartedDuringRetries(t *testing.T) {
	gw := promtest.StartPushgateway(t)
	gw.Stop()
	attempts := 0
	err := pushgateway.New(gw.URL, "restart").Retries(5).Backoff(50*time.Millisecond, 100*time.Millisecond).
		OnRetry(func(r pushgateway.Retry) {
			attempts = r.Attempt
			if r.Attempt == 2 {
				gw.Start()
			}
		}).
		Put(context.Background(), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if attempts != 2 {
		t.Errorf("%d failed attempts, want 2", attempts)
	}
	if gw.Group(t, map[string]string{"job": "restart"}) == nil {
		t.Fatal("the group is missing after the restart")
	}
}

// TestRetryAfter: the real Pushgateway never answers 429 or 503, so a
// small httptest server does, once, with Retry-After: 1; the next attempt
// must come at least a second later, whatever the backoff says.
func TestRetryAfter(t *testing.T) {
	for _, code := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		t.Run(strconv(code), func(t *testing.T) {
			var mu sync.Mutex
			var times []time.Time
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				times = append(times, time.Now())
				if len(times) == 1 {
					w.Header().Set("Retry-After", "1")
					http.Error(w, "slow down", code)
				}
			}))
			defer srv.Close()
			err := pushgateway.New(srv.URL, "ra").Backoff(time.Millisecond, time.Millisecond).Put(context.Background(), []byte(body))
			if err != nil {
				t.Fatal(err)
			}
			if len(times) != 2 {
				t.Fatalf("%d requests, want 2", len(times))
			}
			if gap := times[1].Sub(times[0]); gap < time.Second {
				t.Errorf("retried after %s, before Retry-After's 1s", gap)
			}
		})
	}
	t.Run("beyond_deadline", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "60")
			http.Error(w, "come back later", http.StatusTooManyRequests)
		}))
		defer srv.Close()
		start := time.Now()
		err := pushgateway.New(srv.URL, "ra").Timeout(2*time.Second).Put(context.Background(), []byte(body))
		if err == nil || !strings.Contains(err.Error(), "would pass the 2s deadline") || !strings.Contains(err.Error(), "come back later") {
			t.Fatalf("error %v", err)
		}
		if time.Since(start) > time.Second {
			t.Errorf("waited %s for a retry that could not happen", time.Since(start))
		}
	})
}

func strconv(code int) string { return fmt.Sprint(code) }

// TestTimeout: a server that accepts connections and never answers; the
// whole push ends at the deadline.
func TestTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	}()
	start := time.Now()
	err = pushgateway.New("http://"+l.Addr().String(), "hang").Timeout(500*time.Millisecond).Put(context.Background(), []byte(body))
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "no success within the 500ms timeout") {
		t.Fatalf("error %v", err)
	}
	if took < 500*time.Millisecond || took > 2*time.Second {
		t.Errorf("took %s for a 500ms timeout", took)
	}
}

// TestTLSAndBasicAuth: the real gateway behind TLS (a CA made here) and
// basic auth from --web.config.file.
func TestTLSAndBasicAuth(t *testing.T) {
	pki := promtest.NewPKI(t)
	web := promtest.WebConfig(t, pki, map[string]string{"ci": "p4ss w0rd"})
	gw := promtest.StartPushgateway(t, promtest.WithWebConfig(web), promtest.WithTLS(pki.CAPEM), promtest.WithBasicAuth("ci", "p4ss w0rd"))
	client := func(o pushgateway.TransportOptions) *http.Client {
		tr, err := pushgateway.Transport(o)
		if err != nil {
			t.Fatal(err)
		}
		return &http.Client{Transport: tr}
	}
	ctx := context.Background()
	cases := []struct {
		name    string
		opts    pushgateway.TransportOptions
		user    string
		pass    string
		wantErr string
	}{
		{name: "ca_file", opts: pushgateway.TransportOptions{CAFile: pki.CAFile}, user: "ci", pass: "p4ss w0rd"},
		{name: "insecure_skip_verify", opts: pushgateway.TransportOptions{InsecureSkipVerify: true}, user: "ci", pass: "p4ss w0rd"},
		{name: "unknown_ca", user: "ci", pass: "p4ss w0rd", wantErr: "certificate signed by unknown authority"},
		{name: "wrong_password", opts: pushgateway.TransportOptions{CAFile: pki.CAFile}, user: "ci", pass: "nope", wantErr: "401 Unauthorized"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			retries := 0
			err := pushgateway.New(gw.URL, "tls_"+c.name).Client(client(c.opts)).BasicAuth(c.user, c.pass).
				Backoff(time.Millisecond, time.Millisecond).OnRetry(func(pushgateway.Retry) { retries++ }).
				Put(ctx, []byte(body))
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want %q", err, c.wantErr)
				}
				if retries != 0 {
					t.Errorf("a permanent failure was retried %d times", retries)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if gw.Group(t, map[string]string{"job": "tls_" + c.name}) == nil {
				t.Fatal("group missing")
			}
		})
	}
	if _, err := pushgateway.Transport(pushgateway.TransportOptions{CAFile: web}); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("a CA file without certificates: %v", err)
	}
}

// TestBearerToken: the Pushgateway has no bearer auth of its own (a
// reverse proxy in front of it checks tokens), so an httptest server
// records the header.
func TestBearerToken(t *testing.T) {
	var got atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("Authorization"))
	}))
	defer srv.Close()
	if err := pushgateway.New(srv.URL, "b").BearerToken("tok3n").Put(context.Background(), []byte(body)); err != nil {
		t.Fatal(err)
	}
	if got.Load() != "Bearer tok3n" {
		t.Errorf("Authorization %q", got.Load())
	}
}

// TestProxyFromEnvironment: HTTP_PROXY points at a forwarding proxy that
// counts requests and sends them to the real gateway. The gateway is named
// by a non-loopback host name, because loopback addresses never use a proxy.
func TestProxyFromEnvironment(t *testing.T) {
	gw := promtest.StartPushgateway(t)
	var count atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		count.Add(1)
		if r.URL.Host != "pushgateway.invalid:9091" {
			http.Error(w, "unexpected host "+r.URL.Host, http.StatusBadGateway)
			return
		}
		out, _ := http.NewRequest(r.Method, gw.URL+r.URL.Path, r.Body)
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
	defer proxy.Close()
	env := map[string]string{"HTTP_PROXY": proxy.URL}
	tr, err := pushgateway.Transport(pushgateway.TransportOptions{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	if err := pushgateway.New("http://pushgateway.invalid:9091", "proxied").Client(&http.Client{Transport: tr}).Put(context.Background(), []byte(body)); err != nil {
		t.Fatal(err)
	}
	if count.Load() != 1 {
		t.Errorf("the proxy saw %d requests, want 1", count.Load())
	}
	if gw.Group(t, map[string]string{"job": "proxied"}) == nil {
		t.Fatal("the proxied push did not reach the gateway")
	}
	// NO_PROXY sends it direct: the name does not resolve, so it fails
	// without the proxy seeing it.
	env["NO_PROXY"] = "pushgateway.invalid"
	tr, _ = pushgateway.Transport(pushgateway.TransportOptions{Getenv: func(k string) string { return env[k] }})
	err = pushgateway.New("http://pushgateway.invalid:9091", "proxied").Client(&http.Client{Transport: tr}).Retries(0).Put(context.Background(), []byte(body))
	if err == nil || count.Load() != 1 {
		t.Errorf("NO_PROXY: error %v, proxy count %d", err, count.Load())
	}
}

// TestValue reads the carried-over value back from the real gateway.
func TestValue(t *testing.T) {
	gw := promtest.StartPushgateway(t)
	ctx := context.Background()
	p := pushgateway.New(gw.URL, "value").Grouping("repository", "o/r")
	if _, ok, err := p.Value(ctx, "x"); ok || err != nil {
		t.Fatalf("empty gateway: ok %v, err %v", ok, err)
	}
	if err := p.Put(ctx, []byte("x 1.5e+09\n")); err != nil {
		t.Fatal(err)
	}
	v, ok, err := p.Value(ctx, "x")
	if err != nil || !ok || v != 1.5e9 {
		t.Fatalf("Value = %v, %v, %v", v, ok, err)
	}
	other := pushgateway.New(gw.URL, "value").Grouping("repository", "o/other")
	if _, ok, _ := other.Value(ctx, "x"); ok {
		t.Error("another group's value was read")
	}
}
