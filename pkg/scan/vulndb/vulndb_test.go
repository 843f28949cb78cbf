package vulndb_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/vulndbtest"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
	"github.com/voidnxsec/nixops-actions/pkg/sbom/sbomtest"
	"github.com/voidnxsec/nixops-actions/pkg/scan"
	"github.com/voidnxsec/nixops-actions/pkg/scan/vulndb"
)

// fixtureDB is built with grype's own builder from NVD records with CPE
// configurations: each CVE affects versions before the one named.
func fixtureDB(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	vulndbtest.Build(t, dir, map[string][]vulndbtest.Record{"nvd": {
		vulndbtest.NVDCVE("CVE-2026-10001", "cpe:2.3:a:gnu:readline:*:*:*:*:*:*:*:*", "8.3", vulndbtest.Critical),
		vulndbtest.NVDCVE("CVE-2026-10002", "cpe:2.3:a:zlib:zlib:*:*:*:*:*:*:*:*", "1.3", vulndbtest.High),
		vulndbtest.NVDCVE("CVE-2026-10003", "cpe:2.3:a:libfoo:libfoo:*:*:*:*:*:*:*:*", "1.1", vulndbtest.High),
		vulndbtest.NVDCVE("CVE-2026-10004", "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*", "3.0.2", vulndbtest.Medium),
	}})
	return dir
}

// fixtureSBOM is a closure as the sbom action writes it: readline and
// zlib with the CPEs of their meta.identifiers, libfoo with none, openssl
// with a patch named after the CVE it fixes.
func fixtureSBOM(t *testing.T) []scan.Component {
	t.Helper()
	comp := func(name, version, cpe string, patches ...string) sbom.Component {
		return sbom.Component{Ref: "00000000000000000000000000000000-" + name + "-" + version, Type: "library", Name: name,
			Version: version, CPE: cpe, Patches: patches, LicenseExpression: "MIT"}
	}
	path := sbomtest.Write(t, sbom.CycloneDXJSON,
		comp("readline", "8.2", "cpe:2.3:a:gnu:readline:8.2:*:*:*:*:*:*:*"),
		comp("zlib", "1.3.1", "cpe:2.3:a:zlib:zlib:1.3.1:*:*:*:*:*:*:*"),
		comp("libfoo", "1.0", ""),
		comp("openssl", "3.0.1", "cpe:2.3:a:openssl:openssl:3.0.1:*:*:*:*:*:*:*",
			"/nix/store/00000000000000000000000000000000-CVE-2026-10004.patch"))
	comps, err := scan.ReadSBOM(path)
	if err != nil {
		t.Fatal(err)
	}
	return comps
}

type vuln struct {
	ID, Package string
	Severity    scan.Severity
	FixedIn     string
	Derived     bool
	Patched     bool
}

// TestMatchNVD: a vulnerable version is found, a fixed version is not, a
// derived CPE is marked, a CVE-named patch marks its CVE resolved; exact
// findings.
func TestMatchNVD(t *testing.T) {
	dir := fixtureDB(t)
	fs, rules, st, err := vulndb.Match(context.Background(), fixtureSBOM(t), "flake.nix", vulndb.Options{Dir: dir, MaxAge: 5 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	var got []vuln
	for _, f := range fs {
		got = append(got, vuln{f.RuleID, f.Package, f.Severity, f.FixedIn, f.DerivedCPE, f.ResolvedByPatch})
		if f.File != "flake.nix" || f.Line != 1 || strings.Contains(f.Fingerprint, f.Version) {
			t.Errorf("%+v: want flake.nix:1 and a fingerprint without the version", f)
		}
	}
	slices.SortFunc(got, func(a, b vuln) int { return strings.Compare(a.ID, b.ID) })
	want := []vuln{
		{"CVE-2026-10001", "readline", scan.SeverityCritical, "8.3", false, false},
		{"CVE-2026-10003", "libfoo", scan.SeverityHigh, "1.1", true, false},
		{"CVE-2026-10004", "openssl", scan.SeverityMedium, "3.0.2", false, true},
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings\n got %+v\nwant %+v", got, want)
	}
	if len(rules) != 3 || rules[0].SecurityScore != 9.8 || rules[0].Full == "" {
		t.Errorf("rules %+v", rules)
	}
	if st.SchemaVersion == "" || time.Since(st.Built) > 2*time.Hour {
		t.Errorf("status %+v", st)
	}
}

// TestDatabaseErrors: a missing database and one older than the maximum
// age (grype stamps a build with the time it ran, so the test asks for a
// database younger than a second and waits) are typed errors, never a
// pass: a DBError, a StaleError naming the age.
func TestDatabaseErrors(t *testing.T) {
	comps := fixtureSBOM(t)
	dir := fixtureDB(t)
	time.Sleep(2100 * time.Millisecond) // grype rounds the build time to the second
	for name, o := range map[string]vulndb.Options{
		"missing": {Dir: filepath.Join(t.TempDir(), "none"), MaxAge: time.Hour},
		"too old": {Dir: dir, MaxAge: time.Second},
	} {
		_, _, _, err := vulndb.Match(context.Background(), comps, "flake.nix", o)
		var de *vulndb.DBError
		var se *vulndb.StaleError
		switch {
		case name == "missing" && !errors.As(err, &de):
			t.Errorf("%s: %v, want a DBError", name, err)
		case name == "too old" && (!errors.As(err, &se) || se.Age <= time.Second || se.MaxAge != time.Second ||
			!strings.Contains(err.Error(), "was built "+se.Age.Round(time.Second).String()+" ago")):
			t.Errorf("%s: %v, want a StaleError naming the age", name, err)
		}
	}
}

// TestMatchGoModule: an embedded Go module, known by its purl, is matched
// against a Go advisory in OSV form; a later version is not.
func TestMatchGoModule(t *testing.T) {
	dir := t.TempDir()
	vulndbtest.Build(t, dir, map[string][]vulndbtest.Record{"osv": {
		vulndbtest.GoOSV("GO-2026-0001", "golang.org/x/text", "0.44.0"),
	}})
	comps := []scan.Component{
		{Ref: "a#pkg:golang/golang.org/x/text@v0.43.0", Name: "golang.org/x/text", Version: "v0.43.0", PURL: "pkg:golang/golang.org/x/text@v0.43.0"},
		{Ref: "b#pkg:golang/golang.org/x/text@v0.44.0", Name: "golang.org/x/text", Version: "v0.44.0", PURL: "pkg:golang/golang.org/x/text@v0.44.0"},
	}
	fs, _, _, err := vulndb.Match(context.Background(), comps, "flake.nix", vulndb.Options{Dir: dir, MaxAge: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].RuleID != "GO-2026-0001" || fs[0].Version != "v0.43.0" || fs[0].FixedIn != "0.44.0" || fs[0].DerivedCPE ||
		fs[0].ComponentRef != comps[0].Ref {
		t.Errorf("findings %+v", fs)
	}
}
