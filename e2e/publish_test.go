package e2e_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/promtest"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
	"github.com/voidnxsec/nixops-actions/pkg/sbom/exposition"
)

// sbomStats are the numbers the sbom action leaves in out/sbom.prom,
// written here by its own exposition code.
var sbomStats = sbom.Stats{StorePaths: 5, Embedded: 9, ClosureBytes: 42_000_000, Licenses: map[string]int{"MIT": 3}}

// TestActPublish runs `uses: ./publish` under act against a real
// Pushgateway, and reads the push back from the gateway and Prometheus.
func TestActPublish(t *testing.T) {
	act := tool(t, "act")
	testenv.LookPath(t, "git")
	testenv.LookPath(t, "go")
	gw := promtest.StartPushgateway(t)
	prom := promtest.StartPrometheus(t, gw.Addr)

	base := t.TempDir()
	fx := checkoutFixture(t, base, true)
	metrics := filepath.Join(base, "out", "sbom.prom")
	if err := os.MkdirAll(filepath.Dir(metrics), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := exposition.WriteFile(metrics, sbomStats); err != nil {
		t.Fatal(err)
	}

	r := fx.act(t, act, "e2e/testdata/workflows/publish.yml", map[string]string{"pushgateway-url": gw.URL, "metrics": metrics})
	if got := r.jobResult(); got != "success" {
		t.Fatalf("job result %q; act log:\n%s", got, r.text)
	}
	if !strings.Contains(r.text, "bootstrap: built nixops-publish from source") {
		t.Errorf("bootstrap did not build nixops-publish from source:\n%s", r.text)
	}
	if !strings.Contains(r.text, "outputs-checked series=9 url="+gw.URL+"/metrics/job/e2e/repository@base64/dm9pZG54c2VjL2V4YW1wbGU/workflow/e2e%20publish") {
		t.Errorf("the outputs step did not see series=9 and the group URL:\n%s", r.text)
	}

	key := map[string]string{"job": "e2e", "repository": "voidnxsec/example", "workflow": "e2e publish"}
	grp := gw.Group(t, key)
	if grp == nil {
		t.Fatalf("no group %v in the gateway: %+v", key, gw.Groups(t))
	}
	status := map[string]string{}
	for _, m := range grp.Families["nixops_pipeline_status"].Metrics {
		status[m.Labels["status"]] = m.Value
	}
	if status["success"] != "1" || status["failure"] != "0" || status["cancelled"] != "0" {
		t.Errorf("pipeline status %v, want success=1 (job.status)", status)
	}

	v := prom.WaitFor(t, `nixops_sbom_components{kind="store_path"}`)
	if len(v) != 1 || v[0].Value != 5 || v[0].Metric["job"] != "e2e" || v[0].Metric["repository"] != "voidnxsec/example" || v[0].Metric["workflow"] != "e2e publish" {
		t.Errorf("Prometheus returned %v, want 5 with job e2e, repository voidnxsec/example, workflow \"e2e publish\"", v)
	}
	if v := prom.WaitFor(t, `nixops_sbom_closure_size_bytes{job="e2e"}`); v[0].Value != 4.2e7 {
		t.Errorf("closure size %v", v)
	}
}
