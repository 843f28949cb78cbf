package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/gitrepo"
	"github.com/voidnxsec/nixops-actions/internal/schematest"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
	"github.com/voidnxsec/nixops-actions/pkg/sbom/sbomtest"
)

func writeCycloneDX(t *testing.T) string {
	t.Helper()
	comp := func(name, expr string) sbom.Component {
		return sbom.Component{Ref: "00000000000000000000000000000000-" + name + "-1", Type: "library", Name: name, Version: "1", LicenseExpression: expr}
	}
	return sbomtest.Write(t, sbom.CycloneDXJSON, comp("readline", "GPL-3.0-only"), comp("zlib", "Zlib"), comp("bash", ""))
}

// TestLicensePolicy: the SBOM's licenses against a policy; the denied
// license fails the gate, so does an expired exception, named in the log;
// the SARIF has a secrets and a licenses run, valid against the schema.
func TestLicensePolicy(t *testing.T) {
	g := gitrepo.New(t)
	g.Write("flake.nix", "{ outputs = _: { }; }\n")
	g.Commit("flake")
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policy, []byte(`licenses:
  deny: [GPL-3.0-only]
  unknown: warn
exceptions:
  - id: license:unknown
    package: bash
    reason: meta.license missing upstream
    expires: 2025-06-30
`), 0o644); err != nil {
		t.Fatal(err)
	}
	r := newRunner(t, g.Dir)
	r.env["INPUT_SBOM"] = writeCycloneDX(t)
	r.env["INPUT_POLICY"] = policy
	offlineDB(t, r)
	r.run(t)
	if r.code != exitGateFailed {
		t.Fatalf("exit %d\n%s", r.code, r.stdout.String())
	}
	for _, w := range []string{"gate failed: 1 of 2 findings fail it", "policy exception license:unknown (line 5) expired on 2025-06-30"} {
		if !strings.Contains(r.stdout.String(), w) {
			t.Errorf("log lacks %q:\n%s", w, r.stdout.String())
		}
	}
	summ, err := os.ReadFile(r.summ)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"2 findings, 1 failing the gate", "| `license:unknown` | bash    | 2025-06-30 | expired |"} {
		if !strings.Contains(string(summ), w) {
			t.Errorf("summary lacks %q:\n%s", w, summ)
		}
	}
	rep := readReport(t, filepath.Join(r.outDir, "scan.json"))
	if len(rep.Findings) != 2 || rep.Findings[0].RuleID != "license:GPL-3.0-only" || rep.Findings[0].Package != "readline" ||
		rep.Findings[1].RuleID != "license:unknown" || rep.Findings[1].Gating || rep.Findings[1].File != "flake.nix" {
		t.Errorf("findings %+v", rep.Findings)
	}
	data, err := os.ReadFile(filepath.Join(r.outDir, "scan.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	schematest.Validate(t, schematest.SARIF(t), data)
	for _, id := range []string{`"id": "nixops-scan/secrets/"`, `"id": "nixops-scan/licenses/"`, `"ruleId": "license:GPL-3.0-only"`} {
		if !strings.Contains(string(data), id) {
			t.Errorf("SARIF lacks %s", id)
		}
	}
}

// TestBadFilesExit2: a malformed SBOM, an invalid policy, a baseline that
// is no report: each an error naming the input, exit 2, no file written.
func TestBadFilesExit2(t *testing.T) {
	g := gitrepo.New(t)
	g.Commit("empty")
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"bomFormat": "CycloneDX", "components": {}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	policy := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(policy, []byte("licenses:\n  deny: [MIT]\n  unknwon: fail\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ input, value, want string }{
		{"SBOM", bad, `input "sbom": SBOM ` + bad + `: `},
		{"SBOM", filepath.Join(dir, "missing.json"), `input "sbom": SBOM ` + filepath.Join(dir, "missing.json")},
		{"POLICY", policy, `input "policy": policy ` + policy + ` line 3, field licenses.unknwon: unknown field`},
		{"BASELINE", bad, `input "baseline": ` + bad + `: scan report: json: unknown field "bomFormat"`},
	} {
		r := newRunner(t, g.Dir)
		r.env["INPUT_"+c.input] = c.value
		r.run(t)
		if r.code != exitScanError || !strings.Contains(r.stdout.String(), c.want) {
			t.Errorf("%s=%s: exit %d, want %d and %q:\n%s", c.input, c.value, r.code, exitScanError, c.want, r.stdout.String())
		}
		if ents, _ := os.ReadDir(r.outDir); len(ents) != 0 {
			t.Errorf("%s: files written: %v", c.input, ents)
		}
	}
}

// TestInsecurePackage: a component nixpkgs marks insecure fails the gate
// without any vulnerability database, in a SARIF vulnerabilities run of its
// own; an exception naming the package lets it pass.
func TestInsecurePackage(t *testing.T) {
	g := gitrepo.New(t)
	g.Write("flake.nix", "{ outputs = _: { }; }\n")
	g.Commit("flake")
	sbomFile := sbomtest.Write(t, sbom.CycloneDXJSON, sbom.Component{Ref: "00000000000000000000000000000000-olm-3.2.16", Type: "application",
		Name: "olm", Version: "3.2.16", PURL: "pkg:nix/olm@3.2.16", LicenseExpression: "Apache-2.0", Insecure: []string{"The libolm end-of-life announcement"}})
	r := newRunner(t, g.Dir)
	r.env["INPUT_SBOM"] = sbomFile
	offlineDB(t, r)
	r.run(t)
	if r.code != exitGateFailed {
		t.Fatalf("exit %d, want the gate failed\n%s", r.code, r.stdout.String())
	}
	rep := readReport(t, filepath.Join(r.outDir, "scan.json"))
	if len(rep.Findings) != 1 || rep.Findings[0].RuleID != "nixpkgs:known-vulnerabilities" || rep.Findings[0].Package != "olm" || !rep.Findings[0].Gating {
		t.Errorf("findings %+v", rep.Findings)
	}
	data, err := os.ReadFile(filepath.Join(r.outDir, "scan.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	schematest.Validate(t, schematest.SARIF(t), data)
	if !strings.Contains(string(data), `"id": "nixops-scan/vulnerabilities/"`) {
		t.Errorf("SARIF has no vulnerabilities run:\n%s", data)
	}

	policy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policy, []byte("exceptions:\n  - id: nixpkgs:known-vulnerabilities\n    package: olm\n    reason: the bridge needs it until it moves to vodozemac\n    expires: 2099-01-01\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = newRunner(t, g.Dir)
	r.env["INPUT_SBOM"] = sbomFile
	r.env["INPUT_POLICY"] = policy
	offlineDB(t, r)
	r.run(t)
	if r.code != 0 {
		t.Errorf("with the exception: exit %d, want 0\n%s", r.code, r.stdout.String())
	}
}
