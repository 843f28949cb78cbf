package e2e_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/schematest"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/internal/vulndbtest"
)

// TestActScan runs `uses: ./sbom` then `uses: ./scan` on the SBOM of the
// e2e flake (licenses Apache-2.0, MIT, BSD-3-Clause, MIT AND ISC): a policy
// denying GPL-3.0-only passes, one denying MIT fails the gate on the two
// components that need it, and a later step reads the outputs either way.
// With a database grype's builder made from NVD records, e2e-lib 1.0 is
// found vulnerable through a CPE derived from its name (the flake declares
// none), and e2e-app 2.3, the version that fixes its CVE, is not. The
// license cases download their database from a local distribution into the
// tool cache, which the action saves with actions/cache (the stand-in)
// under the key of the day and of db-url: the second case restores it and
// downloads nothing.
// The vulnerable case is air-gapped: db-path with db-update false.
func TestActScan(t *testing.T) {
	act := tool(t, "act")
	testenv.LookPath(t, "nix")
	testenv.LookPath(t, "git")
	testenv.LookPath(t, "go")
	fx := newFixture(t)
	fx.githubCache = t.TempDir() // the database's cache entries of this test only
	db := t.TempDir()
	vulndbtest.Build(t, db, map[string][]vulndbtest.Record{"nvd": {
		vulndbtest.NVDCVE("CVE-2026-20001", "cpe:2.3:a:e2e-lib:e2e-lib:*:*:*:*:*:*:*:*", "1.1", vulndbtest.High),
		vulndbtest.NVDCVE("CVE-2026-20002", "cpe:2.3:a:e2e-app:e2e-app:*:*:*:*:*:*:*:*", "2.3", vulndbtest.Critical),
	}})
	// Only e2e-app before 2.3: nothing in the flake.
	served := t.TempDir()
	vulndbtest.Build(t, served, map[string][]vulndbtest.Record{"nvd": {
		vulndbtest.NVDCVE("CVE-2026-20002", "cpe:2.3:a:e2e-app:e2e-app:*:*:*:*:*:*:*:*", "2.3", vulndbtest.Critical),
	}})
	srv := vulndbtest.Serve(t, served)
	type finding struct{ rule, pkg string }
	for _, tc := range []struct {
		name, deny, db, want string
		findings             []finding
	}{
		{"pass", "GPL-3.0-only", "", "outcome=success result=pass findings=0", nil},
		{"fail", "MIT", "", "outcome=failure result=fail findings=2", []finding{{"license:MIT", "e2e-lib"}, {"license:MIT", "webapp"}}},
		{"vulnerable", "GPL-3.0-only", db, "outcome=failure result=fail findings=1", []finding{{"CVE-2026-20001", "e2e-lib"}}},
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
				"path": fx.repo + "/e2e/testdata/flake", "policy": policy, "step-log": stepLogPath(t), "db-path": tc.db,
				"db-update": strconv.FormatBool(tc.db == ""), "db-url": srv.URL,
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
					RuleID     string `json:"rule_id"`
					Package    string `json:"package"`
					DerivedCPE bool   `json:"derived_cpe"`
				} `json:"findings"`
			}
			if err := json.Unmarshal([]byte(read(t, filepath.Join(scanDir, "scan.json"))), &rep); err != nil {
				t.Fatal(err)
			}
			var got []finding
			for _, f := range rep.Findings {
				got = append(got, finding{f.RuleID, f.Package})
				if strings.HasPrefix(f.RuleID, "CVE-") && !f.DerivedCPE {
					t.Errorf("%+v: matched by a derived CPE, not marked so", f)
				}
			}
			slices.SortFunc(got, func(a, b finding) int { return strings.Compare(a.rule+a.pkg, b.rule+b.pkg) })
			if !slices.Equal(got, tc.findings) {
				t.Errorf("findings %+v, want %+v", got, tc.findings)
			}
		})
	}
	if n := srv.Archives.Load(); n != 1 {
		t.Errorf("the database was downloaded %d times, want once and then restored from the cache", n)
	}
	// The key names the distribution: 12 hex digits of db-url's SHA-256.
	digest := sha256.Sum256([]byte(srv.URL))
	key := "grype-db-Linux-" + hex.EncodeToString(digest[:])[:12] + "-" + time.Now().UTC().Format("2006-01-02")
	if _, err := os.Stat(filepath.Join(fx.githubCache, key, "6", "vulnerability.db")); err != nil {
		t.Errorf("no cache entry %s with the database: %v", key, err)
	}
	if entries, _ := filepath.Glob(filepath.Join(fx.githubCache, "grype-db-*")); len(entries) != 1 {
		t.Errorf("cache entries %v, want only %s", entries, key)
	}
}
