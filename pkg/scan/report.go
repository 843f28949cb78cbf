package scan

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"time"
)

// SchemaVersion is the version of the JSON report this package writes and
// reads; a change that breaks readers increments it.
const SchemaVersion = 1

// Result is the gate's verdict.
type Result string

// The verdicts, as the action's result output spells them.
const (
	ResultPass  Result = "pass"
	ResultFail  Result = "fail"
	ResultError Result = "error"
)

// Report is scan.json: every finding, whatever the gate decided.
type Report struct {
	SchemaVersion int       `json:"schema_version"`
	Tool          string    `json:"tool"`
	Generated     time.Time `json:"generated"`
	// Categories are the kinds that were scanned, found something or not.
	Categories []Kind     `json:"categories"`
	FailOn     Severity   `json:"fail_on"`
	Result     Result     `json:"result"`
	Counts     Counts     `json:"counts"`
	Findings   []Finding  `json:"findings"`
	Rules      []RuleInfo `json:"-"`
	Warnings   []string   `json:"warnings"`
}

// Counts are the findings by severity.
type Counts struct {
	Total    int `json:"total"`
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	Unknown  int `json:"unknown"`
	// Gating: those at or above the cutoff.
	Gating int `json:"gating"`
}

// Decide fills Counts and Result from the findings and the cutoff.
func (r *Report) Decide(cutoff Severity) {
	sortFindings(r.Findings)
	r.FailOn = cutoff
	c := Counts{Total: len(r.Findings)}
	for i := range r.Findings {
		f := &r.Findings[i]
		switch f.Severity {
		case SeverityCritical:
			c.Critical++
		case SeverityHigh:
			c.High++
		case SeverityMedium:
			c.Medium++
		case SeverityLow:
			c.Low++
		default:
			c.Unknown++
		}
		if f.AtOrAbove(cutoff) {
			c.Gating++
		}
	}
	r.Counts = c
	r.Result = ResultPass
	if c.Gating > 0 {
		r.Result = ResultFail
	}
}

// EncodeReport is scan.json: indented, lists always arrays.
func EncodeReport(r *Report) ([]byte, error) {
	c := *r
	c.Categories = nonNil(c.Categories)
	c.Findings = nonNil(c.Findings)
	c.Warnings = nonNil(c.Warnings)
	data, err := json.MarshalIndent(&c, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// DecodeReport reads scan.json strictly: an unknown field, trailing data or
// another schema version is an error rather than a silently empty baseline.
func DecodeReport(r io.Reader) (*Report, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var rep Report
	if err := dec.Decode(&rep); err != nil {
		return nil, fmt.Errorf("scan report: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("scan report: more data after the report")
	}
	if rep.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("scan report: schema_version %d, this version reads %d", rep.SchemaVersion, SchemaVersion)
	}
	return &rep, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// IsRepository reports whether dir is inside a git work tree, whose
// history a secrets scan can read.
func IsRepository(ctx context.Context, dir string) bool {
	out, err := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "--is-inside-work-tree").Output()
	return err == nil && string(out) == "true\n"
}
