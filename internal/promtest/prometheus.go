package promtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// waitForTimeout bounds WaitFor: a first query needs about 6 s after start
// and a new push one more scrape (1 s), so this leaves room on a slow CI.
const waitForTimeout = 60 * time.Second

// ScrapeJob is the job name Prometheus scrapes the gateway under. With
// honor_labels the pushed job label wins, so it shows only in `up`.
const ScrapeJob = "pushgateway"

// Prometheus is a running Prometheus scraping one gateway every second.
type Prometheus struct {
	// URL is the base URL, e.g. http://127.0.0.1:41235.
	URL    string
	Client *http.Client
	srv    server
}

// PrometheusOption configures StartPrometheus.
type PrometheusOption func(*promConfig)

type promConfig struct{ extraArgs []string }

// WithPrometheusArgs appends raw command-line flags.
func WithPrometheusArgs(args ...string) PrometheusOption {
	return func(c *promConfig) { c.extraArgs = append(c.extraArgs, args...) }
}

// StartPrometheus starts Prometheus with an empty TSDB, scraping
// gatewayAddr (host:port, plain HTTP) every second with honor_labels, and
// waits until it is ready. It is stopped at cleanup.
func StartPrometheus(t testing.TB, gatewayAddr string, opts ...PrometheusOption) *Prometheus {
	t.Helper()
	testenv.LookPath(t, PrometheusBin)
	var cfg promConfig
	for _, o := range opts {
		o(&cfg)
	}
	dir := t.TempDir()
	config := filepath.Join(dir, "prometheus.yml")
	writeFile(t, config, fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: %s
    honor_labels: true
    static_configs:
      - targets: [%q]
`, ScrapeJob, gatewayAddr))
	p := &Prometheus{Client: &http.Client{Timeout: 10 * time.Second}}
	t.Cleanup(p.srv.stop)
	for attempt := 0; ; attempt++ {
		addr := freeAddr(t)
		p.URL = "http://" + addr
		args := append([]string{
			"--config.file=" + config,
			"--storage.tsdb.path=" + filepath.Join(dir, fmt.Sprintf("data%d", attempt)),
			"--web.listen-address=" + addr,
			"--log.level=warn",
		}, cfg.extraArgs...)
		p.srv.start(t, PrometheusBin, args)
		time.Sleep(100 * time.Millisecond)
		if attempt < 3 && p.srv.exited() {
			p.srv.stop()
			continue
		}
		break
	}
	waitReady(t, &p.srv, p.Client, p.URL+"/-/ready", "", "")
	return p
}

// Stop stops Prometheus early; cleanup does it otherwise.
func (p *Prometheus) Stop() { p.srv.stop() }

// QueryError is Prometheus's refusal of a query (bad PromQL, for one).
type QueryError struct {
	Query, Type, Message string
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("query %q: %s: %s", e.Query, e.Type, e.Message)
}

// Instant runs an instant query at the current time through
// /api/v1/query. A scalar or string result is returned as a one-sample
// vector; a matrix is an error (instant queries never return one).
func (p *Prometheus) Instant(promql string) (model.Vector, error) {
	return p.InstantAt(promql, time.Time{})
}

// InstantAt runs an instant query evaluated at the instant at (to the
// millisecond), so time() in it is known to the caller; the zero time
// means now.
func (p *Prometheus) InstantAt(promql string, at time.Time) (model.Vector, error) {
	form := url.Values{"query": {promql}}
	if !at.IsZero() {
		form.Set("time", strconv.FormatFloat(float64(at.UnixMilli())/1000, 'f', 3, 64))
	}
	resp, err := p.Client.PostForm(p.URL+"/api/v1/query", form)
	if err != nil {
		return nil, fmt.Errorf("query %q: %w", promql, err)
	}
	defer resp.Body.Close()
	var doc struct {
		Status    string `json:"status"`
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
		Data      struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		return nil, fmt.Errorf("query %q: %s: decoding the answer: %w", promql, resp.Status, err)
	}
	if doc.Status != "success" {
		return nil, &QueryError{Query: promql, Type: doc.ErrorType, Message: doc.Error}
	}
	switch doc.Data.ResultType {
	case "vector":
		var v model.Vector
		err := json.Unmarshal(doc.Data.Result, &v)
		return v, err
	case "scalar":
		var s model.Scalar
		if err := json.Unmarshal(doc.Data.Result, &s); err != nil {
			return nil, err
		}
		return model.Vector{{Metric: model.Metric{}, Value: s.Value, Timestamp: s.Timestamp}}, nil
	default:
		return nil, fmt.Errorf("query %q: unexpected result type %q", promql, doc.Data.ResultType)
	}
}

// Query runs an instant query and fails t when Prometheus refuses it.
func (p *Prometheus) Query(t testing.TB, promql string) model.Vector {
	t.Helper()
	v, err := p.Instant(promql)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// WaitFor polls promql until it returns at least one sample and returns
// them; it fails t at once on a refused query and after a minute without
// data.
func (p *Prometheus) WaitFor(t testing.TB, promql string) model.Vector {
	t.Helper()
	return p.WaitUntil(t, promql, func(v model.Vector) bool { return len(v) > 0 })
}

// WaitUntil polls promql until done accepts its result, e.g. until a
// value pushed after an earlier scrape shows.
func (p *Prometheus) WaitUntil(t testing.TB, promql string, done func(model.Vector) bool) model.Vector {
	t.Helper()
	deadline := time.Now().Add(waitForTimeout)
	var last model.Vector
	for time.Now().Before(deadline) {
		v, err := p.Instant(promql)
		if qe, ok := err.(*QueryError); ok {
			t.Fatal(qe)
		}
		if err == nil {
			if done(v) {
				return v
			}
			last = v
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("query %q: no acceptable result after %s (last: %v)\nprometheus log:\n%s", promql, waitForTimeout, last, p.srv.logText())
	return nil
}
