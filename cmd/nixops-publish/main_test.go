package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
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
	gw.WaitGone(t, map[string]string{"job": "example", "repository": "voidnxsec/example", "workflow": "CI build"})
	if g := gw.Groups(t); len(g) != 0 {
		t.Errorf("groups left after delete: %+v", g)
	}
}

// TestBrokenConfigurationFails: each broken configuration fails the step
// (exit 1) with the input named, before any request and whatever
// fail-on-error says; a URL or grouping the gateway would refuse used to
// be found only at push time, and so only warned.
func TestBrokenConfigurationFails(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { requests.Add(1) }))
	defer srv.Close()
	cases := []struct {
		name   string
		inputs map[string]string
		want   string
	}{
		{"missing_url", map[string]string{}, `input "pushgateway-url"`},
		{"malformed_url", map[string]string{"pushgateway-url": "https://ci:s3cret/x@gw.example"}, `input "pushgateway-url": not a valid URL`},
		{"not_http", map[string]string{"pushgateway-url": "ftp://gw.example"}, `input "pushgateway-url": ftp://gw.example: want http(s)://host[:port][/path]`},
		{"grouping_job", map[string]string{"grouping": "job=x"}, `input "grouping": grouping label "job": the job is given on its own`},
		{"grouping_invalid_name", map[string]string{"grouping": "a-b=x"}, `input "grouping": grouping label "a-b": not a valid label name`},
		{"grouping_twice", map[string]string{"grouping": "a=1\na=2"}, `input "grouping": grouping label "a": given twice`},
		{"username_without_password", map[string]string{"username": "ci"}, `input "password": a user name without a password`},
		{"password_without_username", map[string]string{"password": "pw"}, `input "username": a password without a user name`},
		{"both_auth_kinds", map[string]string{"bearer-token": "t", "username": "u", "password": "p"}, `input "bearer-token": give one kind of authentication`},
		{"timeout_zero", map[string]string{"timeout": "0s"}, `input "timeout": timeout 0s: give a positive duration`},
		{"timeout_negative", map[string]string{"timeout": "-5s"}, `input "timeout"`},
		{"retries_negative", map[string]string{"retries": "-1"}, `input "retries": -1 retries: give 0 (no retry) or more`},
		{"missing_ca_file", map[string]string{"ca-file": "testdata/missing-ca.pem"}, `input "ca-file": CA bundle testdata/missing-ca.pem: open testdata/missing-ca.pem: no such file or directory`},
		{"ca_file_without_certificate", map[string]string{"ca-file": "testdata/sbom.prom"}, `input "ca-file": CA bundle testdata/sbom.prom: no PEM certificate in it`},
		{"bad_pattern", map[string]string{"metrics": "testdata/[.prom"}, `input "metrics": pattern "testdata/[.prom": syntax error in pattern`},
		{"bad_size", map[string]string{"max-file-size": "64MB"}, `input "max-file-size": size "64MB": give bytes, or a number with KiB, MiB or GiB`},
		{"zero_size", map[string]string{"max-file-size": "0"}, `input "max-file-size": file size limit 0: give a positive size`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, ok := c.inputs["pushgateway-url"]; !ok && c.name != "missing_url" {
				c.inputs["pushgateway-url"] = srv.URL
			}
			c.inputs["fail-on-error"] = "false"
			r := newRunner(t, c.inputs)
			if code := r.run(); code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			if !strings.Contains(r.Log(), "::error::"+c.want) {
				t.Errorf("log lacks the error %q:\n%s", c.want, r.Log())
			}
			if strings.Contains(r.Log(), "s3cret") {
				t.Errorf("the URL's password is in the log:\n%s", r.Log())
			}
		})
	}
	if requests.Load() != 0 {
		t.Errorf("broken configurations made %d requests", requests.Load())
	}
}

// runnerSees reads stdout as the runner does and returns the command
// lines it would act on: a line starting with "::" or "##[" after
// trimming, except between ::stop-commands::TOKEN and ::TOKEN::.
func runnerSees(stdout string) []string {
	var cmds []string
	resume := ""
	for _, line := range strings.Split(stdout, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case resume != "":
			if line == resume {
				resume = ""
			}
		case strings.HasPrefix(line, "::stop-commands::"):
			resume = "::" + strings.TrimPrefix(line, "::stop-commands::") + "::"
		case strings.HasPrefix(line, "::") || strings.HasPrefix(line, "##["):
			cmds = append(cmds, line)
		}
	}
	return cmds
}

// TestHostileGateway: a gateway (or anyone in the middle of an http://
// connection) answering with workflow commands in its body commands
// nothing: the retry notes and the final warning or error show the text
// and the runner acts on none of it.
func TestHostileGateway(t *testing.T) {
	const hostile = "refused\n::add-mask::x\n  ::error::fake failure\n::stop-commands::evil\n::set-output name=pushed::true\n##[set-output name=pushed;]true\n100% done"
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := http.StatusBadRequest
		if requests.Add(1) == 1 {
			code = http.StatusServiceUnavailable // retried: its note is logged
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, hostile)
	}))
	defer srv.Close()
	for _, fail := range []string{"false", "true"} {
		requests.Store(0)
		r := newRunner(t, map[string]string{"pushgateway-url": srv.URL, "metrics": "testdata/sbom.prom", "retries": "2", "fail-on-error": fail})
		code := r.run()
		level := map[string]string{"false": "::warning::", "true": "::error::"}[fail]
		cmds := runnerSees(r.Stdout.String())
		if len(cmds) != 1 || !strings.HasPrefix(cmds[0], level) {
			t.Errorf("fail-on-error %s: exit %d; the runner sees commands %q in:\n%s", fail, code, cmds, r.Stdout.String())
		}
		if !strings.Contains(r.Stdout.String(), "attempt 1 failed") || !strings.Contains(r.Stdout.String(), "fake failure") {
			t.Errorf("the gateway's answer is not shown:\n%s", r.Stdout.String())
		}
		if out := r.Outputs(t); out["pushed"] != "false" {
			t.Errorf("outputs %v", out)
		}
	}
}

// TestURLCredentials: the password inside pushgateway-url is masked
// before anything prints, every message shows the URL redacted, and the
// real gateway, demanding basic auth, accepts the credentials from it.
func TestURLCredentials(t *testing.T) {
	pki := promtest.NewPKI(t)
	const user, pass = "ci", "Url-Pa55-n0t-in-l0gs"
	web := promtest.WebConfig(t, pki, map[string]string{user: pass})
	gw := promtest.StartPushgateway(t, promtest.WithWebConfig(web), promtest.WithTLS(pki.CAPEM), promtest.WithBasicAuth(user, pass))
	withCreds := strings.Replace(gw.URL, "https://", "https://"+user+":"+pass+"@", 1)
	r := newRunner(t, map[string]string{"pushgateway-url": withCreds, "ca-file": pki.CAFile, "metrics": "testdata/sbom.prom", "fail-on-error": "true"})
	if code := r.run(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, r.Log())
	}
	if gw.Group(t, defaultKey) == nil {
		t.Error("the push did not arrive")
	}
	lines := strings.Split(r.Log()+r.File(t, "GITHUB_OUTPUT")+r.File(t, "GITHUB_STEP_SUMMARY"), "\n")
	if lines[0] != "::add-mask::"+pass {
		t.Errorf("the first line is not the password's mask: %q", lines[0])
	}
	for _, l := range lines[1:] {
		if strings.Contains(l, pass) {
			t.Errorf("the password is printed: %q", l)
		}
	}
	if !strings.Contains(r.Log(), "https://ci:xxxxx@127.0.0.1") {
		t.Errorf("the URL is not shown redacted:\n%s", r.Log())
	}
}

// TestPlainHTTPCredentials: credentials sent over http:// to another
// machine warn; to this machine they do not.
func TestPlainHTTPCredentials(t *testing.T) {
	for _, c := range []struct {
		url  string
		warn bool
	}{{"http://pushgateway.invalid:9091", true}, {"https://pushgateway.invalid:9091", false}, {"http://127.0.0.1:1", false}, {"http://localhost:1", false}} {
		r := newRunner(t, map[string]string{"pushgateway-url": c.url, "bearer-token": "t0ken", "metrics": "testdata/sbom.prom", "dry-run": "true"})
		if code := r.run(); code != 0 {
			t.Fatalf("%s: exit %d:\n%s", c.url, code, r.Log())
		}
		if got := strings.Contains(r.Log(), "::warning::the credentials for "+c.url+" are sent unencrypted"); got != c.warn {
			t.Errorf("%s: warned %v, want %v:\n%s", c.url, got, c.warn, r.Log())
		}
	}
}

// TestRefusedMetricsFile: a named pipe among the metrics fails at once
// with its name (it used to block the step), and a file over
// max-file-size names the input.
func TestRefusedMetricsFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.prom")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	r := newRunner(t, map[string]string{"pushgateway-url": "http://127.0.0.1:1", "metrics": fifo, "dry-run": "true"})
	if code := r.run(); code != 1 || !strings.Contains(r.Log(), fifo+": not a regular file (a named pipe)") {
		t.Errorf("exit %d:\n%s", code, r.Log())
	}
	r = newRunner(t, map[string]string{"pushgateway-url": "http://127.0.0.1:1", "metrics": "testdata/sbom.prom", "max-file-size": "100", "dry-run": "true"})
	if code := r.run(); code != 1 || !strings.Contains(r.Log(), `input "max-file-size": testdata/sbom.prom:`) || !strings.Contains(r.Log(), "over the limit of 100 bytes") {
		t.Errorf("exit %d:\n%s", code, r.Log())
	}
}
