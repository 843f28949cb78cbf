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
	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/httpclient"
	"github.com/voidnxsec/nixops-actions/pkg/httpclient/httpclienttest"
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
		// The gateway's router would clean these segments away and
		// redirect to another group.
		{"dot", "dot", ".", "/metrics/job/dot/v@base64/Lg"},
		{"dotdot", "dotdot", "..", "/metrics/job/dotdot/v@base64/Li4"},
		{"dotdot_job", "..", "x", "/metrics/job@base64/Li4/v/x"},
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
		{func() error {
			if err := p.Delete(ctx); err != nil {
				return err
			}
			gw.WaitGone(t, key)
			return nil
		}, ""},
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
		OnRetry(func(httpclient.RetryNote) { retries++ }).
		Put(ctx, []byte("# TYPE nixops_c counter\nnixops_c 1\n"))
	var se *httpclient.StatusError
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
		OnRetry(func(r httpclient.RetryNote) { waits = append(waits, r.Wait) }).
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
		OnRetry(func(r httpclient.RetryNote) {
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
// small httptest server does, once, with Retry-After: 1; the retry loop
// must wait that second, whatever the backoff says (the clock records
// the wait instead of sleeping).
func TestRetryAfter(t *testing.T) {
	for _, code := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			var requests atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if requests.Add(1) == 1 {
					w.Header().Set("Retry-After", "1")
					http.Error(w, "slow down", code)
				}
			}))
			defer srv.Close()
			clock := httpclienttest.NewClock(time.Now())
			err := pushgateway.New(srv.URL, "ra").Backoff(time.Millisecond, time.Millisecond).Clock(clock).Put(context.Background(), []byte(body))
			if err != nil {
				t.Fatal(err)
			}
			if requests.Load() != 2 {
				t.Fatalf("%d requests, want 2", requests.Load())
			}
			if w := clock.Waits(); len(w) != 1 || w[0] != time.Second {
				t.Errorf("waits %v, want Retry-After's 1s", clock.Waits())
			}
		})
	}
	t.Run("beyond_deadline", func(t *testing.T) {
		var requests atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			requests.Add(1)
			w.Header().Set("Retry-After", "60")
			http.Error(w, "come back later", http.StatusTooManyRequests)
		}))
		defer srv.Close()
		clock := httpclienttest.NewClock(time.Now())
		err := pushgateway.New(srv.URL, "ra").Timeout(2*time.Second).Clock(clock).Put(context.Background(), []byte(body))
		if err == nil || !strings.Contains(err.Error(), "would pass the 2s deadline") || !strings.Contains(err.Error(), "come back later") {
			t.Fatalf("error %v", err)
		}
		if requests.Load() != 1 || len(clock.Waits()) != 0 {
			t.Errorf("%d requests and waits %v for a retry that could not happen", requests.Load(), clock.Waits())
		}
	})
}

// TestTimeout: a server that accepts connections and never answers; the
// whole push ends at the deadline. Order, not duration, is asserted: the
// server held the connection, and the push ended with the deadline.
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
	err = pushgateway.New("http://"+l.Addr().String(), "hang").Timeout(500*time.Millisecond).Put(context.Background(), []byte(body))
	if err == nil || !strings.Contains(err.Error(), "no success within the 500ms timeout") || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(conns) == 0 {
		t.Error("the push ended without reaching the server")
	}
}

// TestTLSAndBasicAuth: the real gateway behind TLS (a CA made here) and
// basic auth from --web.config.file.
func TestTLSAndBasicAuth(t *testing.T) {
	pki := promtest.NewPKI(t)
	web := promtest.WebConfig(t, pki, map[string]string{"ci": "p4ss w0rd"})
	gw := promtest.StartPushgateway(t, promtest.WithWebConfig(web), promtest.WithTLS(pki.CAPEM), promtest.WithBasicAuth("ci", "p4ss w0rd"))
	client := func(o httpclient.Options) *http.Client {
		tr, err := httpclient.NewTransport(o)
		if err != nil {
			t.Fatal(err)
		}
		return &http.Client{Transport: tr}
	}
	ctx := context.Background()
	cases := []struct {
		name    string
		opts    httpclient.Options
		user    string
		pass    string
		wantErr string
	}{
		{name: "ca_file", opts: httpclient.Options{CAFile: pki.CAFile}, user: "ci", pass: "p4ss w0rd"},
		{name: "insecure_skip_verify", opts: httpclient.Options{InsecureSkipVerify: true}, user: "ci", pass: "p4ss w0rd"},
		{name: "unknown_ca", user: "ci", pass: "p4ss w0rd", wantErr: "certificate signed by unknown authority"},
		{name: "wrong_password", opts: httpclient.Options{CAFile: pki.CAFile}, user: "ci", pass: "nope", wantErr: "401 Unauthorized"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			retries := 0
			err := pushgateway.New(gw.URL, "tls_"+c.name).Client(client(c.opts)).BasicAuth(c.user, c.pass).
				Backoff(time.Millisecond, time.Millisecond).OnRetry(func(httpclient.RetryNote) { retries++ }).
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
	if _, err := httpclient.NewTransport(httpclient.Options{CAFile: web}); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
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
	proxy := testenv.NewForwardProxy(t, "pushgateway.invalid:9091", gw.URL)
	env := map[string]string{"HTTP_PROXY": proxy.URL}
	getenv := func(k string) string { return env[k] }
	tr, err := httpclient.NewTransport(httpclient.Options{Proxy: httpclient.ProxyFromEnv(getenv)})
	if err != nil {
		t.Fatal(err)
	}
	if err := pushgateway.New("http://pushgateway.invalid:9091", "proxied").Client(&http.Client{Transport: tr}).Put(context.Background(), []byte(body)); err != nil {
		t.Fatal(err)
	}
	if proxy.Requests.Load() != 1 {
		t.Errorf("the proxy saw %d requests, want 1", proxy.Requests.Load())
	}
	if gw.Group(t, map[string]string{"job": "proxied"}) == nil {
		t.Fatal("the proxied push did not reach the gateway")
	}
	// NO_PROXY sends it direct: the name does not resolve, so it fails
	// without the proxy seeing it.
	env["NO_PROXY"] = "pushgateway.invalid"
	tr, _ = httpclient.NewTransport(httpclient.Options{Proxy: httpclient.ProxyFromEnv(getenv)})
	err = pushgateway.New("http://pushgateway.invalid:9091", "proxied").Client(&http.Client{Transport: tr}).Retries(0).Put(context.Background(), []byte(body))
	if err == nil || proxy.Requests.Load() != 1 {
		t.Errorf("NO_PROXY: error %v, proxy count %d", err, proxy.Requests.Load())
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

// TestRedirectRefused: a push is never redirected, so the credentials
// cannot follow a redirect (Go copies them to the same host, even from
// https to http); the client given with Client is no exception.
func TestRedirectRefused(t *testing.T) {
	var reached atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached.Add(1) }))
	defer target.Close()
	redirect := httptest.NewServer(http.RedirectHandler(target.URL+"/metrics/job/x", http.StatusTemporaryRedirect))
	defer redirect.Close()
	for _, p := range []*pushgateway.Pusher{
		pushgateway.New(redirect.URL, "x"),
		pushgateway.New(redirect.URL, "x").Client(&http.Client{}), // follows redirects by default
	} {
		err := p.BasicAuth("ci", "s3cret").Retries(3).Put(context.Background(), []byte(body))
		var re *httpclient.RedirectError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "refused") {
			t.Errorf("error %v, want a refused redirect", err)
		}
	}
	if reached.Load() != 0 {
		t.Errorf("the redirect's target got %d requests", reached.Load())
	}
}

// TestBoundedReads: an answer whose body never ends neither blocks a push
// (only the start is read) nor fills memory in Value (a limit error).
func TestBoundedReads(t *testing.T) {
	endless := func(w http.ResponseWriter, prefix string) {
		_, _ = io.WriteString(w, prefix)
		chunk := []byte(strings.Repeat(" ", 32<<10))
		for {
			if _, err := w.Write(chunk); err != nil {
				return // the client stopped reading and closed
			}
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			endless(w, `{"data":[`)
			return
		}
		endless(w, "")
	}))
	defer srv.Close()
	p := pushgateway.New(srv.URL, "endless").Timeout(time.Minute)
	if err := p.Put(context.Background(), []byte(body)); err != nil {
		t.Errorf("push answered 200 with an endless body: %v", err)
	}
	pushgateway.SetMaxValueBody(p, 1<<20)
	_, ok, err := p.Value(context.Background(), "x")
	var tl *httpclient.BodyTooLargeError
	if ok || !errors.As(err, &tl) || tl.Limit != 1<<20 {
		t.Errorf("Value of an endless answer: %v", err)
	}
}

// TestConfigErrors: Err reports a broken configuration before any push,
// and no message quotes the password of the URL.
func TestConfigErrors(t *testing.T) {
	cases := map[string]*pushgateway.Pusher{
		"want http(s)":                    pushgateway.New("ftp://ci:s3cret@h", "j"),
		"not a valid URL":                 pushgateway.New("https://ci:s3cret/x@h", "j"),
		"job is empty":                    pushgateway.New("http://h", ""),
		`grouping label "job"`:            pushgateway.New("http://h", "j").Grouping("job", "x"),
		`grouping label "a-b"`:            pushgateway.New("http://h", "j").Grouping("a-b", "x"),
		`grouping label "a": given twice`: pushgateway.New("http://h", "j").Grouping("a", "1").Grouping("a", "2"),
	}
	for want, p := range cases {
		err := p.Err()
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Err() = %v, want %q without the password", err, want)
		}
	}
	var ge *pushgateway.GroupingError
	if err := pushgateway.New("http://h", "j").Grouping("job", "x").Err(); !errors.As(err, &ge) || ge.Name != "job" {
		t.Errorf("grouping job: %v", err)
	}
	var ue *httpclient.URLError
	if err := pushgateway.New("ftp://h", "j").Err(); !errors.As(err, &ue) {
		t.Errorf("bad URL: %v", err)
	}
	if err := pushgateway.New("https://ci:s3cret@h:9091/prefix/", "j").Grouping("a", "b").Err(); err != nil {
		t.Errorf("a good configuration: %v", err)
	}
}
