package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/gitrepo"
	"github.com/voidnxsec/nixops-actions/internal/schematest"
	"github.com/voidnxsec/nixops-actions/internal/vulndbtest"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
	"github.com/voidnxsec/nixops-actions/pkg/sbom/sbomtest"
)

func vulnSBOM(t *testing.T) string {
	t.Helper()
	comp := func(name, version, cpe string, patches ...string) sbom.Component {
		return sbom.Component{Ref: "00000000000000000000000000000000-" + name + "-" + version, Type: "library", Name: name,
			Version: version, CPE: cpe, Patches: patches, LicenseExpression: "MIT"}
	}
	return sbomtest.Write(t, sbom.CycloneDXJSON,
		comp("readline", "8.2", "cpe:2.3:a:gnu:readline:8.2:*:*:*:*:*:*:*"),
		comp("openssl", "3.0.1", "cpe:2.3:a:openssl:openssl:3.0.1:*:*:*:*:*:*:*",
			"/nix/store/00000000000000000000000000000000-CVE-2026-10004.patch"))
}

// TestVulnerabilities: the SBOM against a database grype's builder made:
// the critical readline CVE fails the gate; the CVE a patch resolves is
// reported, does not gate, and the VEX says resolved; three SARIF runs,
// valid. A database older than db-max-age is exit 2 with no file. The
// database is used as it is (db-update false): no test downloads one.
func TestVulnerabilities(t *testing.T) {
	g := gitrepo.New(t)
	g.Write("flake.nix", "{ outputs = _: { }; }\n")
	g.Commit("flake")
	db := t.TempDir()
	vulndbtest.Build(t, db, map[string][]vulndbtest.Record{"nvd": {
		vulndbtest.NVDCVE("CVE-2026-10001", "cpe:2.3:a:gnu:readline:*:*:*:*:*:*:*:*", "8.3", vulndbtest.Critical),
		vulndbtest.NVDCVE("CVE-2026-10004", "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*", "3.0.2", vulndbtest.Medium),
	}})
	sbomPath := vulnSBOM(t)
	r := newRunner(t, g.Dir)
	r.env["INPUT_SBOM"], r.env["INPUT_DB-PATH"], r.env["INPUT_DB-UPDATE"], r.env["INPUT_FAIL-ON"] = sbomPath, db, "false", "low"
	r.run(t)
	if r.code != exitGateFailed {
		t.Fatalf("exit %d\n%s", r.code, r.stdout.String())
	}
	rep := readReport(t, filepath.Join(r.outDir, "scan.json"))
	if len(rep.Findings) != 2 {
		t.Fatalf("findings %+v", rep.Findings)
	}
	crit, patched := rep.Findings[0], rep.Findings[1]
	if crit.RuleID != "CVE-2026-10001" || !crit.Gating || crit.FixedIn != "8.3" || crit.File != "flake.nix" ||
		patched.RuleID != "CVE-2026-10004" || patched.Gating || !patched.ResolvedByPatch {
		t.Errorf("findings %+v", rep.Findings)
	}
	outs := r.outputs(t)
	if outs["critical"] != "1" || outs["medium"] != "1" || outs["vex"] != filepath.Join(r.outDir, "scan.vex.cdx.json") {
		t.Errorf("outputs %v", outs)
	}
	vex, err := os.ReadFile(outs["vex"])
	if err != nil {
		t.Fatal(err)
	}
	schematest.Validate(t, schematest.CycloneDX(t), vex)
	if !strings.Contains(string(vex), `"state": "resolved"`) || !strings.Contains(string(vex), `"ref": "00000000000000000000000000000000-openssl-3.0.1"`) {
		t.Errorf("VEX lacks the resolved analysis:\n%s", vex)
	}
	summ, err := os.ReadFile(r.summ)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"| readline 8.2", "| 8.3 ", "| resolved by a patch |"} {
		if !strings.Contains(string(summ), w) {
			t.Errorf("summary lacks %q:\n%s", w, summ)
		}
	}
	sarif, err := os.ReadFile(outs["sarif"])
	if err != nil {
		t.Fatal(err)
	}
	schematest.Validate(t, schematest.SARIF(t), sarif)
	for _, w := range []string{`"id": "nixops-scan/vulnerabilities/"`, `"security-severity": "9.8"`, `"ruleId": "CVE-2026-10001"`} {
		if !strings.Contains(string(sarif), w) {
			t.Errorf("SARIF lacks %s", w)
		}
	}

	time.Sleep(2100 * time.Millisecond) // grype stamps the build to the second
	r = newRunner(t, g.Dir)
	r.env["INPUT_SBOM"], r.env["INPUT_DB-PATH"], r.env["INPUT_DB-UPDATE"], r.env["INPUT_DB-MAX-AGE"] = sbomPath, db, "false", "1s"
	r.run(t)
	if r.code != exitScanError || !strings.Contains(r.stdout.String(), `input "db-max-age": the vulnerability database was built `) ||
		!strings.Contains(r.stdout.String(), "longer than the maximum age of 1s") {
		t.Errorf("too old: exit %d\n%s", r.code, r.stdout.String())
	}
	if ents, _ := os.ReadDir(r.outDir); len(ents) != 0 {
		t.Errorf("files written: %v", ents)
	}
}

// offlineDB gives r a database of one CVE no fixture package has, used as
// it is (db-update false), for tests about other things than
// vulnerabilities: with an SBOM, vulnerabilities are always scanned.
func offlineDB(t *testing.T, r *runner) {
	t.Helper()
	db := t.TempDir()
	vulndbtest.Build(t, db, map[string][]vulndbtest.Record{"nvd": {
		vulndbtest.NVDCVE("CVE-2026-19999", "cpe:2.3:a:nothing-here:nothing-here:*:*:*:*:*:*:*:*", "1.0", vulndbtest.High)}})
	r.env["INPUT_DB-PATH"], r.env["INPUT_DB-UPDATE"] = db, "false"
}
