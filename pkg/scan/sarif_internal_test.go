package scan

import (
	"fmt"
	"strings"
	"testing"
)

// TestSARIFGzipLimit: past the gzipped size limit each run keeps its most
// severe half until the file fits, and says so.
func TestSARIFGzipLimit(t *testing.T) {
	defer func(v int) { maxGzipBytes = v }(maxGzipBytes)
	maxGzipBytes = 20_000
	rep := &Report{Categories: Categories(KindSecret),
		Rules: []RuleInfo{{ID: "r", Kind: KindSecret, Short: "s", Full: "f", Help: "h", Severity: SeverityHigh, SecurityScore: 8}}}
	for i := range 1000 {
		rep.Findings = append(rep.Findings, Finding{Kind: KindSecret, RuleID: "r", Severity: SeverityHigh,
			File: fmt.Sprintf("dir%d/file%d.env", i*7919%1000, i), Line: i + 1, Fingerprint: fmt.Sprintf("%032x", i*2654435761)})
	}
	data, warns, err := SARIF(rep, "test")
	if err != nil {
		t.Fatal(err)
	}
	size, err := gzipSize(data)
	if err != nil {
		t.Fatal(err)
	}
	if size > maxGzipBytes || len(warns) != 1 || !strings.Contains(warns[0], "to stay under code scanning's 10 MB gzipped") {
		t.Errorf("gzipped %d bytes (limit %d), warnings %q", size, maxGzipBytes, warns)
	}
}
