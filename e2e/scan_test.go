package e2e_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/schematest"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// TestActScan runs `uses: ./sbom` then `uses: ./scan` on the SBOM of the
// e2e flake (licenses Apache-2.0, MIT, BSD-3-Clause, MIT AND ISC): a policy
// denying GPL-3.0-only passes, one denying MIT fails the gate on the two
// components that need it, and a later step reads the outputs either way.
func TestActScan(t *testing.T) {
	act := tool(t, "act")
	testenv.LookPath(t, "nix")
	testenv.LookPath(t, "git")
	testenv.LookPath(t, "go")
	fx := newFixture(t)
	for _, tc := range []struct {
		name, deny, want string
		findings         int
	}{
		{"pass", "GPL-3.0-only", "outcome=success result=pass findings=0", 0},
		{"fail", "MIT", "outcome=failure result=fail findings=2", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			policy := filepath.Join(dir, "policy.yaml")
			if err := os.WriteFile(policy, []byte("licenses:\n  deny: ["+tc.deny+"]\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			scanDir := filepath.Join(dir, "scan-out")
			r := fx.act(t, act, "e2e/testdata/workflows/scan.yml", map[string]string{
				"target": "path:" + fx.repo + "/e2e/testdata/flake#default", "nix-store": fx.store,
				"sbom-dir": filepath.Join(dir, "sbom-out"), "scan-dir": scanDir,
				"path": fx.repo + "/e2e/testdata/flake", "policy": policy, "step-log": stepLogPath(t),
			})
			if got := r.jobResult(); got != "success" {
				t.Fatalf("job result %q (the scan step continues on error); act log:\n%s", got, r.text)
			}
			if !strings.Contains(r.stepLog(t), "scan-outputs "+tc.want) {
				t.Errorf("the step reading the outputs did not see %q:\n%s", tc.want, r.stepLog(t))
			}
			data := []byte(read(t, filepath.Join(scanDir, "scan.sarif")))
			schematest.Validate(t, schematest.SARIF(t), data)
			var rep struct {
				Findings []struct {
					RuleID  string `json:"rule_id"`
					Package string `json:"package"`
				} `json:"findings"`
			}
			if err := json.Unmarshal([]byte(read(t, filepath.Join(scanDir, "scan.json"))), &rep); err != nil {
				t.Fatal(err)
			}
			if len(rep.Findings) != tc.findings {
				t.Errorf("findings %+v, want %d", rep.Findings, tc.findings)
			}
			for _, f := range rep.Findings {
				if f.RuleID != "license:MIT" || (f.Package != "e2e-lib" && f.Package != "webapp") {
					t.Errorf("finding %+v: want license:MIT of e2e-lib or webapp", f)
				}
			}
		})
	}
}
