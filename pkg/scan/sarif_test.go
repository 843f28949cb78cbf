package scan_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/schematest"
	"github.com/voidnxsec/nixops-actions/pkg/scan"
)

// TestSARIFCapped: past code scanning's 5,000 results per run the least
// severe are cut, with a warning in the log and in the run itself.
func TestSARIFCapped(t *testing.T) {
	rep := &scan.Report{SchemaVersion: scan.SchemaVersion, Categories: scan.Categories(scan.KindSecret),
		Rules: []scan.RuleInfo{{ID: "r", Kind: scan.KindSecret, Short: "s", Full: "f", Help: "h", Severity: scan.SeverityHigh, SecurityScore: 8}}}
	for i := range scan.MaxResultsPerRun + 7 {
		sev := scan.SeverityHigh
		if i < 7 {
			sev = scan.SeverityLow // listed first, cut first
		}
		rep.Findings = append(rep.Findings, scan.Finding{Kind: scan.KindSecret, RuleID: "r", Title: "t", Severity: sev,
			File: fmt.Sprintf("f%d", i), Line: 1, Fingerprint: fmt.Sprint(i)})
	}
	rep.Decide(scan.Gate{Cutoff: scan.SeverityHigh})
	data, warns, err := scan.SARIF(rep, "test")
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "5007 results, kept the 5000 most severe") {
		t.Errorf("warnings %q", warns)
	}
	schematest.Validate(t, schematest.SARIF(t), data)
	var log struct {
		Runs []struct {
			Results []struct {
				Level string `json:"level"`
			} `json:"results"`
			Invocations []struct {
				Notes []any `json:"toolExecutionNotifications"`
			} `json:"invocations"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatal(err)
	}
	res := log.Runs[0].Results
	if len(res) != scan.MaxResultsPerRun || res[len(res)-1].Level != "error" || len(log.Runs[0].Invocations[0].Notes) != 1 {
		t.Errorf("%d results, last %q: want %d, all high", len(res), res[len(res)-1].Level, scan.MaxResultsPerRun)
	}
}

// TestDecodeReportStrict: scan.json round-trips, and an unknown field,
// another schema version or trailing data is an error, never an empty
// baseline.
func TestDecodeReportStrict(t *testing.T) {
	rep := &scan.Report{SchemaVersion: scan.SchemaVersion, Tool: "t", Categories: scan.Categories(scan.KindSecret),
		Findings: []scan.Finding{{Kind: scan.KindSecret, RuleID: "r", Severity: scan.SeverityHigh, File: "a", Line: 2, Fingerprint: "x"}}}
	rep.Decide(scan.Gate{Cutoff: scan.SeverityLow})
	data, err := scan.EncodeReport(rep)
	if err != nil {
		t.Fatal(err)
	}
	schematest.Validate(t, schematest.File(t, "../../scan/report.schema.json"), data)
	back, err := scan.DecodeReport(bytes.NewReader(data))
	if err != nil || back.Findings[0] != rep.Findings[0] || back.Result != scan.ResultFail || back.FailOn != scan.SeverityLow {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	for name, bad := range map[string]string{
		"unknown field": strings.Replace(string(data), `"tool"`, `"tools": 1, "tool"`, 1),
		"version":       strings.Replace(string(data), `"schema_version": 1`, `"schema_version": 2`, 1),
		"trailing":      string(data) + "{}",
		"severity":      strings.Replace(string(data), `"severity": "high"`, `"severity": "severe"`, 1),
	} {
		if _, err := scan.DecodeReport(strings.NewReader(bad)); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}
