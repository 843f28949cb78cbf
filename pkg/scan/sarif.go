package scan

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// MaxResultsPerRun is GitHub code scanning's limit on the results of one
// SARIF run (docs: "SARIF support for code scanning", upload limits);
// beyond it the upload is rejected, so the least severe are cut.
const MaxResultsPerRun = 5000

// categoryOf names the SARIF run of each kind: code scanning keeps the
// alerts of each category apart, and closes a category's alerts only
// when an upload of that category no longer has them.
var categoryOf = map[Kind]string{
	KindSecret: "secrets", KindVulnerability: "vulnerabilities", KindLicense: "licenses",
}

// SARIF 2.1.0, only what this package writes (OASIS sarif-v2.1.0 §3).
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Automation  sarifAutomation   `json:"automationDetails"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
}

type sarifAutomation struct {
	ID string `json:"id"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool                `json:"executionSuccessful"`
	Notifications       []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level   string       `json:"level"`
	Message sarifMessage `json:"message"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string            `json:"id"`
	Name                 string            `json:"name"`
	ShortDescription     sarifMessage      `json:"shortDescription"`
	FullDescription      sarifMessage      `json:"fullDescription"`
	Help                 sarifHelp         `json:"help"`
	DefaultConfiguration sarifRuleConfig   `json:"defaultConfiguration"`
	Properties           sarifRuleProperty `json:"properties"`
}

type sarifHelp struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifRuleProperty struct {
	Tags []string `json:"tags"`
	// security-severity is read by code scanning as a number in a string.
	SecuritySeverity string `json:"security-severity"`
	Precision        string `json:"precision"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifMessage      `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
}

type sarifLocation struct {
	Physical sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	Artifact sarifArtifact `json:"artifactLocation"`
	Region   sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

// maxGzipBytes is code scanning's limit on a gzip-compressed SARIF upload
// (10 MB); a variable so a test can reach it with a small report.
var maxGzipBytes = 10_000_000

// SARIF writes the report as SARIF 2.1.0, one run per scanned category.
// It returns the warnings of what it had to cut: past 5,000 results in a
// run, or past 10 MB gzipped, where each run keeps its most severe half
// until the file fits.
func SARIF(r *Report, toolVersion string) ([]byte, []string, error) {
	limit := MaxResultsPerRun
	for {
		data, warnings, err := sarifWithLimit(r, toolVersion, limit)
		if err != nil {
			return nil, nil, err
		}
		size, err := gzipSize(data)
		if err != nil {
			return nil, nil, err
		}
		if size <= maxGzipBytes || limit == 1 {
			return data, warnings, nil
		}
		limit /= 2
	}
}

func sarifWithLimit(r *Report, toolVersion string, limit int) ([]byte, []string, error) {
	log := sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0"}
	var warnings []string
	for _, k := range r.Categories {
		run, warn := sarifRunOf(r, k, toolVersion, limit)
		if warn != "" {
			warnings = append(warnings, warn)
		}
		log.Runs = append(log.Runs, run)
	}
	if log.Runs == nil {
		log.Runs = []sarifRun{}
	}
	data, err := json.MarshalIndent(&log, "", "  ")
	if err != nil {
		return nil, nil, err
	}
	return append(data, '\n'), warnings, nil
}

func gzipSize(data []byte) (int, error) {
	var n countingWriter
	zw := gzip.NewWriter(&n)
	if _, err := zw.Write(data); err != nil {
		return 0, err
	}
	err := zw.Close()
	return int(n), err
}

type countingWriter int

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

func sarifRunOf(r *Report, k Kind, toolVersion string, limit int) (sarifRun, string) {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{Name: "nixops-scan", Version: toolVersion,
			InformationURI: "https://github.com/voidnxsec/nixops-actions", Rules: []sarifRule{}}},
		Automation:  sarifAutomation{ID: "nixops-scan/" + categoryOf[k] + "/"},
		Invocations: []sarifInvocation{{ExecutionSuccessful: true}},
		Results:     []sarifResult{},
	}
	index := map[string]int{}
	for _, ri := range r.Rules {
		if ri.Kind != k {
			continue
		}
		index[ri.ID] = len(run.Tool.Driver.Rules)
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRuleOf(ri))
	}
	var all []Finding
	for _, f := range r.Findings {
		if f.Kind == k {
			all = append(all, f)
		}
	}
	var warn string
	if len(all) > limit {
		why := "code scanning's limit per run"
		if limit < MaxResultsPerRun {
			why = "to stay under code scanning's 10 MB gzipped"
		}
		warn = fmt.Sprintf("SARIF run %q: %d results, kept the %d most severe (%s); the JSON report has them all",
			categoryOf[k], len(all), limit, why)
		all = all[:limit]
		run.Invocations[0].Notifications = []sarifNotification{{Level: "warning", Message: sarifMessage{Text: warn}}}
	}
	for _, f := range all {
		i, ok := index[f.RuleID]
		if !ok {
			continue
		}
		run.Results = append(run.Results, sarifResultOf(f, i))
	}
	return run, warn
}

func sarifRuleOf(ri RuleInfo) sarifRule {
	return sarifRule{
		ID: ri.ID, Name: ri.ID,
		ShortDescription:     sarifMessage{Text: ri.Short},
		FullDescription:      sarifMessage{Text: ri.Full},
		Help:                 sarifHelp{Text: ri.Help, Markdown: ri.Help},
		DefaultConfiguration: sarifRuleConfig{Level: levelOf(ri.Severity)},
		Properties: sarifRuleProperty{
			Tags:             []string{"security", string(ri.Kind)},
			SecuritySeverity: strconv.FormatFloat(ri.SecurityScore, 'f', 1, 64),
			Precision:        "high",
		},
	}
}

func sarifResultOf(f Finding, ruleIndex int) sarifResult {
	msg := f.Title
	if f.Commit != "" {
		msg += fmt.Sprintf(" (in commit %s, not in the current tree)", f.Commit)
	}
	line := max(f.Line, 1)
	return sarifResult{
		RuleID: f.RuleID, RuleIndex: ruleIndex, Level: levelOf(f.Severity),
		Message: sarifMessage{Text: msg},
		Locations: []sarifLocation{{Physical: sarifPhysical{
			Artifact: sarifArtifact{URI: f.File, URIBaseID: "%SRCROOT%"},
			Region:   sarifRegion{StartLine: line, StartColumn: f.Column},
		}}},
		PartialFingerprints: map[string]string{"nixopsScan/v1": f.Fingerprint},
	}
}

// levelOf maps severities to SARIF levels as code scanning shows them.
func levelOf(s Severity) string {
	switch {
	case s >= SeverityHigh:
		return "error"
	case s == SeverityMedium:
		return "warning"
	}
	return "note"
}

// Categories lists the kinds in the order SARIF runs are written.
func Categories(kinds ...Kind) []Kind {
	order := []Kind{KindSecret, KindVulnerability, KindLicense}
	var out []Kind
	for _, k := range order {
		if slices.Contains(kinds, k) {
			out = append(out, k)
		}
	}
	return out
}
