// Package promtest runs the real Prometheus Pushgateway and Prometheus
// (Debian's /usr/bin/prometheus-pushgateway 1.5.1 and /usr/bin/prometheus
// 2.42) on free loopback ports for tests, so pushes and queries are checked
// against the servers users run rather than against a fake.
//
// Typical use:
//
//	gw := promtest.StartPushgateway(t)                 // gw.URL is http://127.0.0.1:PORT
//	... push to gw.URL ...
//	groups := gw.Groups(t)                              // what /api/v1/metrics holds
//	prom := promtest.StartPrometheus(t, gw.Addr)        // scrapes gw with honor_labels
//	vec := prom.WaitFor(t, `nixops_sbom_components`)   // polls until the query has data
//
// Fault tests stop and restart the gateway on the same address with
// gw.Stop() and gw.Start(); TLS and basic auth come from
// WithWebConfig/WithTLS/WithBasicAuth. Everything started here is stopped by
// t.Cleanup, and state lives in t.TempDir(), so every test starts empty.
// When a binary is absent the test skips through testenv (a failure under
// NIXOPS_NO_SKIP=1).
package promtest

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// Debian's paths; .ci/run installs both packages.
const (
	GatewayBin    = "/usr/bin/prometheus-pushgateway"
	PrometheusBin = "/usr/bin/prometheus"
)

// readyTimeout bounds how long a server may take to answer /-/ready.
// Prometheus replays an empty TSDB in well under this on a loaded 2-core CI.
const readyTimeout = 60 * time.Second

// freeAddr returns a loopback address nobody listens on right now. The
// tiny window before the server binds it is acceptable in tests; start
// retries on a bind failure.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free loopback port: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
}

// server is one child process with its log kept for failure reports.
type server struct {
	mu   sync.Mutex
	cmd  *exec.Cmd
	log  *bytes.Buffer
	done chan struct{}
}

func (s *server) start(t testing.TB, bin string, args []string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		t.Fatalf("%s is already running", filepath.Base(bin))
	}
	log := &bytes.Buffer{}
	cmd := exec.Command(bin, args...)
	cmd.Stdout = &lockedWriter{w: log}
	cmd.Stderr = cmd.Stdout
	// Its own process group, so a stray child never outlives the test.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.cmd, s.log, s.done = cmd, log, done
}

// stop kills the process and waits for it, so its port is free on return.
func (s *server) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.done
	s.cmd = nil
}

func (s *server) exited() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return true
	}
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

func (s *server) logText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.log == nil {
		return ""
	}
	return s.log.String()
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// waitReady polls url until it answers 200, the process dies, or the
// timeout passes.
func waitReady(t testing.TB, s *server, client *http.Client, url, user, pass string) {
	t.Helper()
	deadline := time.Now().Add(readyTimeout)
	var last string
	for time.Now().Before(deadline) {
		if s.exited() {
			t.Fatalf("%s exited before it was ready:\n%s", url, s.logText())
		}
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s not ready after %s (last: %s):\n%s", url, readyTimeout, last, s.logText())
}

// GatewayOption configures StartPushgateway.
type GatewayOption func(*gatewayConfig)

type gatewayConfig struct {
	webConfig      string
	caPEM          []byte
	user, password string
	extraArgs      []string
}

// WithWebConfig passes --web.config.file (Prometheus exporter-toolkit
// format: tls_server_config, basic_auth_users). With tls_server_config the
// gateway's URL is https; also give WithTLS so the helpers trust it.
func WithWebConfig(path string) GatewayOption {
	return func(c *gatewayConfig) { c.webConfig = path }
}

// WithTLS makes the gateway's URL https and its helpers trust caPEM.
func WithTLS(caPEM []byte) GatewayOption {
	return func(c *gatewayConfig) { c.caPEM = caPEM }
}

// WithBasicAuth gives the helpers (readiness, Groups) the credentials the
// web config demands.
func WithBasicAuth(user, password string) GatewayOption {
	return func(c *gatewayConfig) { c.user, c.password = user, password }
}

// WithArgs appends raw command-line flags.
func WithArgs(args ...string) GatewayOption {
	return func(c *gatewayConfig) { c.extraArgs = append(c.extraArgs, args...) }
}

// Gateway is a running (or stopped) Pushgateway.
type Gateway struct {
	// URL is the base URL, e.g. http://127.0.0.1:41234 (https with WithTLS).
	URL string
	// Addr is host:port, what Prometheus scrapes.
	Addr string
	// Client reaches the gateway: it trusts the WithTLS CA.
	Client *http.Client

	t    testing.TB
	cfg  gatewayConfig
	srv  server
	args []string
}

// StartPushgateway starts a Pushgateway with no persistence on a free
// loopback port and waits until it is ready. It is stopped at cleanup.
func StartPushgateway(t testing.TB, opts ...GatewayOption) *Gateway {
	t.Helper()
	testenv.LookPath(t, GatewayBin)
	g := &Gateway{t: t}
	for _, o := range opts {
		o(&g.cfg)
	}
	g.Client = &http.Client{Timeout: 10 * time.Second}
	scheme := "http"
	if g.cfg.caPEM != nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(g.cfg.caPEM) {
			t.Fatalf("WithTLS: no certificate in the CA PEM")
		}
		g.Client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
		scheme = "https"
	}
	t.Cleanup(g.srv.stop)
	for attempt := 0; ; attempt++ {
		g.Addr = freeAddr(t)
		g.URL = scheme + "://" + g.Addr
		g.args = []string{
			"--web.listen-address=" + g.Addr,
			// Debian's default points at /var/lib; empty means in memory.
			"--persistence.file=",
			"--log.level=warn",
		}
		if g.cfg.webConfig != "" {
			g.args = append(g.args, "--web.config.file="+g.cfg.webConfig)
		}
		g.args = append(g.args, g.cfg.extraArgs...)
		g.srv.start(t, GatewayBin, g.args)
		if attempt < 3 && g.bindFailed() {
			g.srv.stop()
			continue
		}
		break
	}
	g.waitReady()
	return g
}

// bindFailed reports whether the process died at once because another
// process took the port between freeAddr and its bind.
func (g *Gateway) bindFailed() bool {
	time.Sleep(100 * time.Millisecond)
	return g.srv.exited() && strings.Contains(g.srv.logText(), "address already in use")
}

func (g *Gateway) waitReady() {
	g.t.Helper()
	waitReady(g.t, &g.srv, g.Client, g.URL+"/-/ready", g.cfg.user, g.cfg.password)
}

// Stop kills the gateway (SIGKILL, as a crash) and waits until its port is
// free. Its metrics are lost: there is no persistence.
func (g *Gateway) Stop() { g.srv.stop() }

// Start starts a stopped gateway again on the same address and waits
// until it is ready.
func (g *Gateway) Start() {
	g.t.Helper()
	g.srv.start(g.t, GatewayBin, g.args)
	g.waitReady()
}

// Log is what the gateway printed so far.
func (g *Gateway) Log() string { return g.srv.logText() }

// Group is one grouping key's metrics as /api/v1/metrics reports them.
type Group struct {
	Labels   map[string]string // the grouping key, job included
	Families map[string]Family // by metric name, push_time_seconds etc. included
}

// Family is one metric family in a group.
type Family struct {
	Type    string // GAUGE, COUNTER, HISTOGRAM, SUMMARY, UNTYPED
	Help    string
	Metrics []Sample
}

// Sample is one series. Value is set for gauges, counters and untyped;
// Count, Sum and Buckets for histograms (Quantiles for summaries).
type Sample struct {
	Labels    map[string]string `json:"labels"`
	Value     string            `json:"value"`
	Count     string            `json:"count"`
	Sum       string            `json:"sum"`
	Buckets   map[string]string `json:"buckets"`
	Quantiles map[string]string `json:"quantiles"`
}

// Groups reads every group the gateway holds from /api/v1/metrics.
func (g *Gateway) Groups(t testing.TB) []Group {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, g.URL+"/api/v1/metrics", nil)
	if g.cfg.user != "" {
		req.SetBasicAuth(g.cfg.user, g.cfg.password)
	}
	body := do(t, g.Client, req)
	var doc struct {
		Status string                       `json:"status"`
		Data   []map[string]json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || doc.Status != "success" {
		t.Fatalf("gateway /api/v1/metrics: %v: %s", err, body)
	}
	groups := make([]Group, 0, len(doc.Data))
	for _, raw := range doc.Data {
		grp := Group{Families: map[string]Family{}}
		for k, v := range raw {
			switch k {
			case "labels":
				if err := json.Unmarshal(v, &grp.Labels); err != nil {
					t.Fatalf("group labels: %v", err)
				}
			case "last_push_successful":
			default:
				var f struct {
					Type    string   `json:"type"`
					Help    string   `json:"help"`
					Metrics []Sample `json:"metrics"`
				}
				if err := json.Unmarshal(v, &f); err != nil {
					t.Fatalf("family %s: %v", k, err)
				}
				grp.Families[k] = Family{Type: f.Type, Help: f.Help, Metrics: f.Metrics}
			}
		}
		groups = append(groups, grp)
	}
	return groups
}

// Group returns the group whose grouping key is exactly labels (job
// included), or nil.
func (g *Gateway) Group(t testing.TB, labels map[string]string) *Group {
	t.Helper()
	for _, grp := range g.Groups(t) {
		if sameLabels(grp.Labels, labels) {
			return &grp
		}
	}
	return nil
}

// WaitGone waits until the gateway holds no group keyed exactly labels.
// The gateway answers a DELETE with 202 Accepted and removes the group
// afterwards (a put or post is done when it answers), so a test reading
// right after a delete may still see it. Fails t after 10 s.
func (g *Gateway) WaitGone(t testing.TB, labels map[string]string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); g.Group(t, labels) != nil; {
		if time.Now().After(deadline) {
			t.Fatalf("the group %v is still there 10s after its delete", labels)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func sameLabels(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func do(t testing.TB, client *http.Client, req *http.Request) []byte {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", req.Method, req.URL, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %s: %s", req.Method, req.URL, resp.Status, body)
	}
	return body
}

// writeFile writes a generated config; a test can read it on failure.
func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// CheckMetrics runs `promtool check metrics` on an exposition, the
// Prometheus project's linter of the naming rules (a counter without
// _total, a unit that is not a base unit).
func CheckMetrics(t testing.TB, data []byte) {
	t.Helper()
	cmd := exec.Command(testenv.LookPath(t, "promtool"), "check", "metrics")
	cmd.Stdin = bytes.NewReader(data)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}
