package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/common/model"

	"github.com/voidnxsec/nixops-actions/internal/promtest"
	"github.com/voidnxsec/nixops-actions/pkg/action/actiontest"
)

// runner is the step's runner environment; run runs the step in it.
type runner struct{ *actiontest.Runner }

func newRunner(t *testing.T, inputs map[string]string) *runner {
	r := &runner{actiontest.New(t, inputs)}
	r.Env["GITHUB_REPOSITORY"] = "voidnxsec/example"
	r.Env["GITHUB_WORKFLOW"] = "CI build"
	return r
}

func (r *runner) run() int {
	return r.Run(context.Background(), run)
}

var defaultKey = map[string]string{"job": "example", "repository": "voidnxsec/example", "workflow": "CI build"}

// TestPublish pushes an sbom and a dora file to the real gateway, reads
// the group back from the gateway and through Prometheus, then publishes
// a failed run and checks the last success time survives the put.
func TestPublish(t *testing.T) {
	gw := promtest.StartPushgateway(t)
	prom := promtest.StartPrometheus(t, gw.Addr)
	r := newRunner(t, map[string]string{"pushgateway-url": gw.URL, "metrics": "testdata/sbom.prom\ntestdata/dora.prom", "status": "success"})
	if code := r.run(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, r.Log())
	}
	grp := gw.Group(t, defaultKey)
	if grp == nil {
		t.Fatalf("no group %v in %+v", defaultKey, gw.Groups(t))
	}
	comps := grp.Families["nixops_sbom_components"]
	if comps.Type != "GAUGE" || len(comps.Metrics) != 2 {
		t.Fatalf("nixops_sbom_components: %+v", comps)
	}
	wantLabels := map[string]string{"job": "example", "repository": "voidnxsec/example", "workflow": "CI build", "instance": "", "kind": "embedded"}
	if m := comps.Metrics[0]; m.Value != "31" || !equal(m.Labels, wantLabels) {
		t.Errorf("series %+v, want value 31 and labels %v", m, wantLabels)
	}
	successAt := grp.Families["nixops_pipeline_last_success_timestamp_seconds"].Metrics[0].Value
	if successAt == "" {
		t.Fatal("no last success time")
	}

	v := prom.WaitFor(t, `nixops_sbom_components{kind="store_path"}`)
	want := model.Metric{"__name__": "nixops_sbom_components", "job": "example", "repository": "voidnxsec/example", "workflow": "CI build", "kind": "store_path", "instance": ""}
	if len(v) != 1 || v[0].Value != 12 || !v[0].Metric.Equal(want) {
		// Prometheus drops empty labels.
		delete(want, "instance")
		if len(v) != 1 || v[0].Value != 12 || !v[0].Metric.Equal(want) {
			t.Errorf("Prometheus: %v, want 12 with %v", v, want)
		}
	}
	if v := prom.WaitFor(t, `nixops_pipeline_status{status="success",workflow="CI build"}`); v[0].Value != 1 {
		t.Errorf("status: %v", v)
	}
	if v := prom.WaitFor(t, `nixops_dora_deployments{branch="main"}`); v[0].Value != 5 || v[0].Metric["repository"] != "voidnxsec/example" {
		t.Errorf("dora: %v", v)
	}

	outs := r.File(t, "GITHUB_OUTPUT")
	for _, w := range []string{"series<<", "\n11\n", "group-url<<", gw.URL + "/metrics/job/example/repository@base64/dm9pZG54c2VjL2V4YW1wbGU/workflow/CI%20build\n", "pushed<<", "\ntrue\n"} {
		if !strings.Contains(outs, w) {
			t.Errorf("outputs lack %q:\n%s", w, outs)
		}
	}
	sum := r.File(t, "GITHUB_STEP_SUMMARY")
	for _, w := range []string{"Pushed **11 series** (PUT)", "| `nixops_sbom_components` | `{kind=\"store_path\"}` | 12 |", "| `nixops_pipeline_status` | `{status=\"success\"}` | 1 |"} {
		if !strings.Contains(sum, w) {
			t.Errorf("summary lacks %q:\n%s", w, sum)
		}
	}

	// A failed run: its put replaces the group, files and all, but the
	// last success time is carried over.
	r = newRunner(t, map[string]string{"pushgateway-url": gw.URL, "metrics": "testdata/missing-*.prom", "status": "failure"})
	if code := r.run(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, r.Log())
	}
	if !strings.Contains(r.Stdout.String(), "::warning::metrics: \"testdata/missing-*.prom\" matches no file") {
		t.Errorf("no warning about the empty glob:\n%s", r.Log())
	}
	grp = gw.Group(t, defaultKey)
	if got := grp.Families["nixops_pipeline_last_success_timestamp_seconds"].Metrics; len(got) != 1 || got[0].Value != successAt {
		t.Errorf("last success %+v, want %s carried over", got, successAt)
	}
	if _, ok := grp.Families["nixops_sbom_components"]; ok {
		t.Error("put left the previous run's sbom metrics in the group")
	}
	for _, m := range grp.Families["nixops_pipeline_status"].Metrics {
		if (m.Labels["status"] == "failure") != (m.Value == "1") {
			t.Errorf("status series %+v", m)
		}
	}
}

func equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestDryRun validates and prints the body without any request.
func TestDryRun(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { requests.Add(1) }))
	defer srv.Close()
	r := newRunner(t, map[string]string{"pushgateway-url": srv.URL, "metrics": "testdata/sbom.prom", "dry-run": "true", "status": "failure"})
	if code := r.run(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, r.Log())
	}
	if requests.Load() != 0 {
		t.Errorf("a dry run made %d requests", requests.Load())
	}
	for _, w := range []string{"dry run: would PUT 9 series", "nixops_sbom_components{kind=\"store_path\"} 12\n", "nixops_pipeline_status{status=\"failure\"} 1\n"} {
		if !strings.Contains(r.Stdout.String(), w) {
			t.Errorf("stdout lacks %q:\n%s", w, r.Stdout.String())
		}
	}
	// An invalid file fails a dry run whatever fail-on-error says.
	r = newRunner(t, map[string]string{"pushgateway-url": srv.URL, "metrics": "testdata/bad-label.prom", "dry-run": "true"})
	if code := r.run(); code != 1 {
		t.Fatalf("exit %d for an invalid file:\n%s", code, r.Log())
	}
}

// TestFailures: what fails the step depends on fail-on-error; the message
// names what was wrong either way.
func TestFailures(t *testing.T) {
	gw := promtest.StartPushgateway(t)
	down := promtest.StartPushgateway(t)
	down.Stop()
	cases := []struct {
		name     string
		inputs   map[string]string
		wantCode int
		want     []string
	}{
		{"bad_label_warns", map[string]string{"pushgateway-url": gw.URL, "metrics": "testdata/bad-label.prom"}, 0,
			[]string{"::warning::metrics not published (fail-on-error is false", `testdata/bad-label.prom: metric nixops_bad: label workflow="another" contradicts the grouping key's workflow="CI build"`}},
		{"bad_label_fails", map[string]string{"pushgateway-url": gw.URL, "metrics": "testdata/bad-label.prom", "fail-on-error": "true"}, 1,
			[]string{"::error::testdata/bad-label.prom: metric nixops_bad: label workflow="}},
		{"conflict_across_files", map[string]string{"pushgateway-url": gw.URL, "metrics": "testdata/sbom.prom,testdata/conflict.prom", "fail-on-error": "true"}, 1,
			[]string{"testdata/conflict.prom"}},
		{"gateway_down_warns", map[string]string{"pushgateway-url": down.URL, "retries": "2", "timeout": "10s"}, 0,
			[]string{"attempt 1 failed", "attempt 2 failed", "::warning::metrics not published", "gave up after 3 attempts", "connection refused"}},
		{"gateway_down_fails", map[string]string{"pushgateway-url": down.URL, "retries": "1", "fail-on-error": "true"}, 1,
			[]string{"::error::pushing to " + down.URL + "/metrics/job/example", "gave up after 2 attempts"}},
		{"type_conflict_no_retry", map[string]string{"pushgateway-url": gw.URL, "job": "second", "metrics": "testdata/sbom.prom", "grouping": "x=1", "fail-on-error": "true"}, 1,
			[]string{"400 Bad Request", "inconsistent with existing metrics"}},
		{"both_auth_kinds", map[string]string{"pushgateway-url": gw.URL, "bearer-token": "t", "username": "u", "password": "p"}, 1,
			[]string{"give one kind of authentication"}},
		{"bad_grouping", map[string]string{"pushgateway-url": gw.URL, "grouping": "novalue"}, 1,
			[]string{`line "novalue": write name=value`}},
	}
	// For the type conflict: the name exists as a counter in another group.
	if code := newRunner(t, map[string]string{"pushgateway-url": gw.URL, "job": "first", "metrics": "testdata/conflict-seed.prom"}).run(); code != 0 {
		t.Fatal("seeding the conflict failed")
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRunner(t, c.inputs)
			code := r.run()
			if code != c.wantCode {
				t.Errorf("exit %d, want %d", code, c.wantCode)
			}
			for _, w := range c.want {
				if !strings.Contains(r.Log(), w) {
					t.Errorf("log lacks %q:\n%s", w, r.Log())
				}
			}
			if c.name == "type_conflict_no_retry" && strings.Contains(r.Log(), "retrying") {
				t.Errorf("a 400 was retried:\n%s", r.Log())
			}
		})
	}
}

// TestSecrets: TLS with a private CA and basic auth, and a bearer token;
// each secret is masked and appears in the log only in its add-mask line.
func TestSecrets(t *testing.T) {
	pki := promtest.NewPKI(t)
	const user, pass = "ci", "Pa55-w0rd-n0t-in-l0gs"
	const token = "t0ken-n0t-in-l0gs"
	web := promtest.WebConfig(t, pki, map[string]string{user: pass})
	gw := promtest.StartPushgateway(t, promtest.WithWebConfig(web), promtest.WithTLS(pki.CAPEM), promtest.WithBasicAuth(user, pass))
	cases := []struct {
		name     string
		inputs   map[string]string
		secret   string
		wantCode int
		want     []string
	}{
		{"basic_auth_ca_file", map[string]string{"username": user, "password": pass, "ca-file": pki.CAFile, "fail-on-error": "true"}, pass, 0, nil},
		{"wrong_password", map[string]string{"username": user, "password": pass + "x", "ca-file": pki.CAFile, "fail-on-error": "true"}, pass + "x", 1, []string{"401 Unauthorized", "check the credentials"}},
		{"bearer_token_refused", map[string]string{"bearer-token": token, "ca-file": pki.CAFile, "fail-on-error": "true"}, token, 1, []string{"401 Unauthorized"}},
		{"unknown_ca", map[string]string{"username": user, "password": pass, "fail-on-error": "true"}, pass, 1, []string{"certificate signed by unknown authority"}},
		{"insecure_skip_verify", map[string]string{"username": user, "password": pass, "insecure-skip-verify": "true"}, pass, 0, []string{"::warning::insecure-skip-verify is on: the Pushgateway's TLS certificate is NOT checked"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.inputs["pushgateway-url"] = gw.URL
			c.inputs["metrics"] = "testdata/sbom.prom"
			r := newRunner(t, c.inputs)
			if code := r.run(); code != c.wantCode {
				t.Fatalf("exit %d, want %d:\n%s", code, c.wantCode, r.Log())
			}
			for _, w := range c.want {
				if !strings.Contains(r.Log(), w) {
					t.Errorf("log lacks %q:\n%s", w, r.Log())
				}
			}
			masks := 0
			for _, line := range strings.Split(r.Log(), "\n") {
				if line == "::add-mask::"+c.secret {
					masks++
					continue
				}
				if strings.Contains(line, c.secret) {
					t.Errorf("the secret is logged: %q", line)
				}
			}
			if masks != 1 {
				t.Errorf("%d add-mask lines for the secret, want 1:\n%s", masks, r.Log())
			}
		})
	}
	if gw.Group(t, map[string]string{"job": "example", "repository": "voidnxsec/example", "workflow": "CI build"}) == nil {
		t.Error("the authenticated push did not arrive")
	}
}

// TestDelete removes the group.
func TestDelete(t *testing.T) {
	gw := promtest.StartPushgateway(t)
	for _, in := range []map[string]string{
		{"pushgateway-url": gw.URL, "metrics": "testdata/sbom.prom"},
		{"pushgateway-url": gw.URL, "delete": "true", "fail-on-error": "true"},
	} {
		if r := newRunner(t, in); r.run() != 0 {
			t.Fatalf("%v:\n%s", in, r.Log())
		}
	}
	if g := gw.Groups(t); len(g) != 0 {
		t.Errorf("groups left after delete: %+v", g)
	}
}
