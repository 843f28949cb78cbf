package scan_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/scan"
)

func writePolicy(t *testing.T, s string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPolicyInvalid: every problem names the line and the field.
func TestPolicyInvalid(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"fail-on: high\nfail_on_new: true\n", "line 2, field fail_on_new: unknown field (accepted: exceptions, fail-on, fail-on-new-only, licenses, only-fixed)"},
		{"fail-on: severe\n", `line 1, field fail-on: "severe" is not a severity cutoff`},
		{"licenses:\n  deny: [MIT]\n  unknown: maybe\n", `line 3, field licenses.unknown: "maybe" is not warn or fail`},
		{"licenses:\n  deny: MIT\n", "line 2, field licenses.deny: is not a list"},
		{"only-fixed: yes please\n", `line 1, field only-fixed: "yes please" is not true or false`},
		{"exceptions:\n  - id: CVE-2024-1\n    reason: r\n    expires: soon\n", `line 4, field exceptions[0].expires: "soon" is not a date (YYYY-MM-DD)`},
		{"exceptions:\n  - id: CVE-2024-1\n    expires: 2026-01-01\n", "line 2, field exceptions[0].reason: is required"},
		{"exceptions:\n  - id: CVE-2024-1\n    reason: r\n    expires: 2026-01-01\n    ownr: me\n", "line 5, field exceptions[0].ownr: unknown field"},
	} {
		path := writePolicy(t, c.yaml)
		_, err := scan.ReadPolicy(path)
		var pe *scan.PolicyError
		if !errorsAs(err, &pe) || !strings.Contains(err.Error(), "policy "+path+" "+c.want) {
			t.Errorf("%q: %v\nwant %q", c.yaml, err, c.want)
		}
	}
}

func licenseReport() *scan.Report {
	f := func(rule, pkg, version string) scan.Finding {
		return scan.Finding{Kind: scan.KindLicense, RuleID: rule, Severity: scan.SeverityHigh, Blocking: true,
			File: "flake.nix", Line: 1, Package: pkg, Version: version, Fingerprint: rule + "/" + pkg}
	}
	return &scan.Report{SchemaVersion: scan.SchemaVersion, Findings: []scan.Finding{
		f("license:GPL-3.0-only", "readline", "8.2"), f("license:Unfree", "nvidia", "550"),
	}}
}

// TestExceptions: an active exception accepts its finding and says when
// it ends soon; an expired one fails the gate and is named; one that
// matches nothing is stale.
func TestExceptions(t *testing.T) {
	p, err := scan.ReadPolicy(writePolicy(t, `fail-on: critical
exceptions:
  - id: license:GPL-3.0-only
    package: readline
    reason: linked dynamically, reviewed by legal
    expires: 2026-12-10
  - id: license:Unfree
    reason: driver
    expires: 2026-11-30
  - id: CVE-2020-0001
    reason: not reachable
    expires: 2027-06-30
`))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	rep := licenseReport()
	rep.Decide(scan.Gate{Cutoff: *p.FailOn, Policy: p, Now: now})
	if rep.Result != scan.ResultFail || rep.Counts.Gating != 1 || rep.Findings[0].Exception != "license:GPL-3.0-only" || !rep.Findings[1].Gating {
		t.Errorf("result %s, %d gating, findings %+v: want the GPL finding accepted, the unfree one gating", rep.Result, rep.Counts.Gating, rep.Findings)
	}
	states := map[string]string{}
	for _, e := range rep.Exceptions {
		states[e.ID] = e.State
		if e.ID == "license:GPL-3.0-only" && !e.ExpiresSoon {
			t.Errorf("%s ends in 9 days: want expires_soon", e.ID)
		}
	}
	want := map[string]string{"license:GPL-3.0-only": "active", "license:Unfree": "expired", "CVE-2020-0001": "stale"}
	for id, st := range want {
		if states[id] != st {
			t.Errorf("exception %s: %q, want %q", id, states[id], st)
		}
	}
	if ex := rep.ExpiredExceptions(); len(ex) != 1 || ex[0].ID != "license:Unfree" || ex[0].Line != 7 {
		t.Errorf("expired: %+v", ex)
	}
	// The last day still holds.
	rep = licenseReport()
	rep.Decide(scan.Gate{Cutoff: scan.SeverityCritical, Policy: p, Now: time.Date(2026, 11, 30, 23, 59, 0, 0, time.UTC)})
	if rep.Result != scan.ResultPass {
		t.Errorf("on its last day: %s, %+v", rep.Result, rep.Exceptions)
	}
}

// TestBaselineNewOnly: with fail-on-new-only, a finding the baseline has
// does not gate even at another version; a new one does.
func TestBaselineNewOnly(t *testing.T) {
	p, err := scan.ReadPolicy(writePolicy(t, "fail-on-new-only: true\n"))
	if err != nil {
		t.Fatal(err)
	}
	base := licenseReport()
	base.Findings = base.Findings[:1]
	base.Findings[0].Version = "8.1"
	rep := licenseReport()
	rep.Decide(scan.Gate{Cutoff: scan.SeverityHigh, Policy: p, Baseline: base, Now: time.Now()})
	if rep.Counts.Gating != 1 || rep.Counts.InBaseline != 1 || rep.Findings[0].Gating || !rep.Findings[1].Gating {
		t.Errorf("counts %+v, findings %+v", rep.Counts, rep.Findings)
	}
	rep = licenseReport()
	rep.Decide(scan.Gate{Cutoff: scan.SeverityHigh, Baseline: base, Now: time.Now()})
	if rep.Counts.Gating != 2 {
		t.Errorf("without fail-on-new-only the baseline only marks: %d gating, want 2", rep.Counts.Gating)
	}
}
