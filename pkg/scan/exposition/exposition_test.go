package exposition_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/pkg/metricfile"
	"github.com/voidnxsec/nixops-actions/pkg/scan"
	"github.com/voidnxsec/nixops-actions/pkg/scan/exposition"
)

// TestScanProm: the file parses as publish reads it, with the counts of
// the report, zeros included, and the exceptions by state.
func TestScanProm(t *testing.T) {
	r := &scan.Report{Categories: scan.Categories(scan.KindSecret, scan.KindLicense), Result: scan.ResultFail,
		Findings: []scan.Finding{
			{Kind: scan.KindSecret, Severity: scan.SeverityHigh}, {Kind: scan.KindSecret, Severity: scan.SeverityHigh},
			{Kind: scan.KindLicense, Severity: scan.SeverityLow},
		},
		Counts:     scan.Counts{Gating: 2},
		Exceptions: []scan.ExceptionState{{State: "active", ExpiresSoon: true}, {State: "expired"}},
	}
	path := filepath.Join(t.TempDir(), "scan.prom")
	if err := exposition.WriteFile(path, r); err != nil {
		t.Fatal(err)
	}
	set := metricfile.New(nil)
	if err := set.AddFile(path); err != nil {
		t.Fatalf("publish would refuse scan.prom: %v", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		`nixops_scan_findings{kind="secret",severity="high"} 2`,
		`nixops_scan_findings{kind="secret",severity="critical"} 0`,
		`nixops_scan_findings{kind="license",severity="low"} 1`,
		`nixops_scan_gating_findings 2`,
		`nixops_scan_gate_passed 0`,
		`nixops_scan_exceptions{state="expired"} 1`,
		`nixops_scan_exceptions{state="stale"} 0`,
		`nixops_scan_exceptions_expiring 1`,
	} {
		if !strings.Contains(string(data), line+"\n") {
			t.Errorf("scan.prom lacks %q:\n%s", line, data)
		}
	}
	if n := set.Series(); n != 2*5+1+1+3+1 {
		t.Errorf("%d series, want 16", n)
	}
}
