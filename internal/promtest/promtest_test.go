package promtest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/promtest"
)

func push(t *testing.T, gw *promtest.Gateway, path, body, user, pass string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, gw.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := gw.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestGatewayAndPrometheus pushes one series, reads it back from the
// gateway's API and through Prometheus, then restarts the gateway and
// sees it empty (no persistence).
func TestGatewayAndPrometheus(t *testing.T) {
	gw := promtest.StartPushgateway(t)
	if code := push(t, gw, "/metrics/job/promtest/k/v", "# TYPE promtest_value gauge\npromtest_value{x=\"1\"} 42\n", "", ""); code != http.StatusOK {
		t.Fatalf("push: %d", code)
	}
	grp := gw.Group(t, map[string]string{"job": "promtest", "k": "v"})
	if grp == nil {
		t.Fatalf("group missing: %+v", gw.Groups(t))
	}
	f := grp.Families["promtest_value"]
	if f.Type != "GAUGE" || len(f.Metrics) != 1 || f.Metrics[0].Value != "42" || f.Metrics[0].Labels["x"] != "1" {
		t.Fatalf("family: %+v", f)
	}

	prom := promtest.StartPrometheus(t, gw.Addr)
	v := prom.WaitFor(t, `promtest_value`)
	if len(v) != 1 || v[0].Value != 42 || v[0].Metric["job"] != "promtest" || v[0].Metric["k"] != "v" || v[0].Metric["x"] != "1" {
		t.Fatalf("prometheus: %v", v)
	}
	if _, err := prom.Instant(`sum(`); err == nil {
		t.Fatal("a broken query was accepted")
	}

	gw.Stop()
	if _, err := gw.Client.Get(gw.URL + "/-/ready"); err == nil {
		t.Fatal("the gateway still answers after Stop")
	}
	gw.Start()
	if groups := gw.Groups(t); len(groups) != 0 {
		t.Fatalf("a restarted gateway kept %d groups", len(groups))
	}
}

// TestGatewayTLSBasicAuth checks the web-config helpers: the gateway
// serves TLS with the generated CA and refuses a push without credentials.
func TestGatewayTLSBasicAuth(t *testing.T) {
	pki := promtest.NewPKI(t)
	web := promtest.WebConfig(t, pki, map[string]string{"ci": "s3cret"})
	gw := promtest.StartPushgateway(t, promtest.WithWebConfig(web), promtest.WithTLS(pki.CAPEM), promtest.WithBasicAuth("ci", "s3cret"))
	if !strings.HasPrefix(gw.URL, "https://") {
		t.Fatalf("URL %s is not https", gw.URL)
	}
	if code := push(t, gw, "/metrics/job/tls", "a 1\n", "", ""); code != http.StatusUnauthorized {
		t.Fatalf("push without credentials: %d, want 401", code)
	}
	if code := push(t, gw, "/metrics/job/tls", "a 1\n", "ci", "s3cret"); code != http.StatusOK {
		t.Fatalf("push with credentials: %d", code)
	}
	if gw.Group(t, map[string]string{"job": "tls"}) == nil {
		t.Fatal("pushed group missing")
	}
}
