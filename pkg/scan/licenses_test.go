package scan_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/pkg/sbom"
	"github.com/voidnxsec/nixops-actions/pkg/sbom/sbomtest"
	"github.com/voidnxsec/nixops-actions/pkg/scan"
)

// writeBOM writes, in format f, a closure whose components carry the
// license cases, as the sbom action's model holds them.
func writeBOM(t *testing.T, f sbom.Format) string {
	comp := func(name, expr string, ls ...sbom.License) sbom.Component {
		return sbom.Component{Ref: "00000000000000000000000000000000-" + name + "-1", Type: "library", Name: name, Version: "1",
			LicenseExpression: expr, Licenses: ls}
	}
	// Unfree by nixpkgs' verdict though its name does not say so, and
	// marked insecure.
	vendored := comp("vendored", "", sbom.License{ID: "BUSL-1.1"})
	vendored.Version, vendored.Unfree, vendored.Insecure = "7.2", true, []string{"CVE-2024-0002", "end of life"}
	return sbomtest.Write(t, f,
		comp("either", "MIT OR GPL-3.0-only"),
		comp("both", "MIT AND GPL-3.0-only"),
		comp("with", "GPL-2.0-only WITH Classpath-exception-2.0"),
		comp("listed", "", sbom.License{ID: "MIT"}, sbom.License{ID: "Apache-2.0"}),
		comp("proprietary", "", sbom.License{Name: "Unfree"}),
		comp("none", ""),
		vendored)
}

type licenseResult struct {
	Rule, Package string
	Blocking      bool
}

func licenseResults(t *testing.T, path string, lp scan.LicensePolicy) []licenseResult {
	t.Helper()
	cs, err := scan.ReadSBOM(path)
	if err != nil {
		t.Fatal(err)
	}
	fs, rules := scan.LicenseFindings(cs, lp, "flake.nix")
	var out []licenseResult
	for _, f := range fs {
		out = append(out, licenseResult{f.RuleID, f.Package, f.Blocking})
		if !slices.ContainsFunc(rules, func(r scan.RuleInfo) bool { return r.ID == f.RuleID }) {
			t.Errorf("no rule for %s", f.RuleID)
		}
		if f.File != "flake.nix" || f.Line != 1 || strings.Contains(f.Fingerprint, f.Version) {
			t.Errorf("%+v: want anchored at flake.nix:1, fingerprint without version", f)
		}
	}
	slices.SortFunc(out, func(a, b licenseResult) int { return strings.Compare(a.Package+a.Rule, b.Package+b.Rule) })
	return out
}

// TestLicenseExpressions, in the CycloneDX and the SPDX document the sbom
// action writes: an OR passes when one choice is permitted, an AND fails
// on its denied part, WITH is judged by its license, unfree matches
// nixpkgs' unfree license, and no license is a finding, never a guess.
func TestLicenseExpressions(t *testing.T) {
	for _, f := range []sbom.Format{sbom.CycloneDXJSON, sbom.SPDXJSON} {
		path := writeBOM(t, f)
		got := licenseResults(t, path, scan.LicensePolicy{Deny: []string{"GPL-3.0-only", "unfree"}})
		want := []licenseResult{
			{"license:GPL-3.0-only", "both", true},
			{"license:unknown", "none", false},
			{"license:Unfree", "proprietary", true},
			{"license:unfree", "vendored", true},
		}
		if f == sbom.SPDXJSON {
			want[2].Rule = "license:LicenseRef-Unfree"
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s deny: %+v\nwant %+v", f, got, want)
		}
		got = licenseResults(t, path, scan.LicensePolicy{Allow: []string{"MIT", "Apache-2.0", "GPL-2.0-only"}, UnknownFails: true})
		want = []licenseResult{
			{"license:GPL-3.0-only", "both", true},
			{"license:unknown", "none", true},
			{"license:Unfree", "proprietary", true},
			{"license:BUSL-1.1", "vendored", true},
		}
		if f == sbom.SPDXJSON {
			want[2].Rule = "license:LicenseRef-Unfree"
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s allow: %+v\nwant %+v", f, got, want)
		}
	}
}

// TestInsecureFindings: meta.knownVulnerabilities, as the sbom action
// records it in either format, is a high vulnerability finding naming
// every entry; unmarked components are not findings.
func TestInsecureFindings(t *testing.T) {
	for _, f := range []sbom.Format{sbom.CycloneDXJSON, sbom.SPDXJSON} {
		cs, err := scan.ReadSBOM(writeBOM(t, f))
		if err != nil {
			t.Fatal(err)
		}
		fs, rules := scan.InsecureFindings(cs, "flake.nix")
		if len(fs) != 1 || len(rules) != 1 {
			t.Fatalf("%s: %d findings, %d rules, want one of each: %+v", f, len(fs), len(rules), fs)
		}
		got := fs[0]
		if got.Package != "vendored" || got.Kind != scan.KindVulnerability || got.Severity != scan.SeverityHigh ||
			got.RuleID != rules[0].ID || got.Title != "vendored 7.2 is marked insecure by nixpkgs: CVE-2024-0002; end of life" {
			t.Errorf("%s: %+v", f, got)
		}
	}
}

// TestReadSBOMErrors: a missing, non-JSON, foreign or malformed file is
// an SBOMError naming the file.
func TestReadSBOMErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, p := range []string{
		filepath.Join(dir, "missing.json"),
		write("text.json", "not json"),
		write("other.json", `{"hello": 1}`),
		write("cdx.json", `{"bomFormat": "CycloneDX", "components": 3}`),
		write("spdx.json", `{"spdxVersion": "SPDX-2.3", "packages": [{"SPDXID": "SPDXRef-a", "licenseDeclared": "MIT AND AND"}]}`),
	} {
		_, err := scan.ReadSBOM(p)
		var se *scan.SBOMError
		if !errorsAs(err, &se) || se.Path != p {
			t.Errorf("%s: %v, want an SBOMError naming it", filepath.Base(p), err)
		}
	}
}
