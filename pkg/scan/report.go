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
	Categories []Kind           `json:"categories"`
	FailOn     Severity         `json:"fail_on"`
	Result     Result           `json:"result"`
	Counts     Counts           `json:"counts"`
	Findings   []Finding        `json:"findings"`
	Exceptions []ExceptionState `json:"exceptions"`
	Rules      []RuleInfo       `json:"-"`
	Warnings   []string         `json:"warnings"`
}

// Counts are the findings by severity.
type Counts struct {
	Total    int `json:"total"`
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	Unknown  int `json:"unknown"`
	// Gating: those the gate failed on.
	Gating int `json:"gating"`
	// InBaseline: those the baseline report already had.
	InBaseline int `json:"in_baseline"`
}

// Gate is what decides: a cutoff, and optionally a policy and baseline.
type Gate struct {
	Cutoff   Severity
	Policy   *Policy
	Baseline *Report
	Now      time.Time
}

// ExceptionState is how a policy exception stood in this scan.
type ExceptionState struct {
	ID      string `json:"id"`
	Package string `json:"package,omitempty"`
	Reason  string `json:"reason"`
	Owner   string `json:"owner,omitempty"`
	Expires string `json:"expires"`
	// State is active (it accepted findings), expired (it fails the
	// gate) or stale (it matched nothing).
	State string `json:"state"`
	// ExpiresSoon: active and ending within ExpiringWithin.
	ExpiresSoon bool `json:"expires_soon"`
	Line        int  `json:"line"`
}

// ExpiringWithin is how early an exception is reported as about to end.
const ExpiringWithin = 14 * 24 * time.Hour

// Decide applies exceptions and the baseline, marks the gating findings,
// fills Counts and decides the Result. An expired exception fails the
// gate, even if nothing else does.
func (r *Report) Decide(g Gate) {
	sortFindings(r.Findings)
	r.FailOn = g.Cutoff
	states := r.applyExceptions(g)
	inBase := map[string]bool{}
	if g.Baseline != nil {
		for _, f := range g.Baseline.Findings {
			inBase[f.Identity()] = true
		}
	}
	newOnly := g.Policy != nil && g.Policy.FailOnNewOnly
	onlyFixed := g.Policy != nil && g.Policy.OnlyFixed
	c := Counts{Total: len(r.Findings)}
	for i := range r.Findings {
		f := &r.Findings[i]
		f.InBaseline = inBase[f.Identity()]
		f.Gating = (f.AtOrAbove(g.Cutoff) || f.Blocking) && f.Exception == "" && !f.ResolvedByPatch &&
			!(newOnly && f.InBaseline) && !(onlyFixed && f.Kind == KindVulnerability && f.FixedIn == "")
		c.add(f)
	}
	r.Counts = c
	r.Exceptions = states
	r.Result = ResultPass
	if c.Gating > 0 || len(r.ExpiredExceptions()) > 0 {
		r.Result = ResultFail
	}
}

func (c *Counts) add(f *Finding) {
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
	if f.Gating {
		c.Gating++
	}
	if f.InBaseline {
		c.InBaseline++
	}
}

// applyExceptions marks the findings each unexpired exception accepts.
func (r *Report) applyExceptions(g Gate) []ExceptionState {
	if g.Policy == nil {
		return nil
	}
	var out []ExceptionState
	for _, e := range g.Policy.Exceptions {
		st := ExceptionState{ID: e.ID, Package: e.Package, Reason: e.Reason, Owner: e.Owner,
			Expires: e.Expires.Format(time.DateOnly), Line: e.Line}
		end := e.Expires.AddDate(0, 0, 1) // the whole last day
		matched := false
		for i := range r.Findings {
			f := &r.Findings[i]
			if f.RuleID != e.ID || (e.Package != "" && e.Package != f.Package) {
				continue
			}
			matched = true
			if g.Now.Before(end) && f.Exception == "" {
				f.Exception = e.ID
			}
		}
		switch {
		case !g.Now.Before(end):
			st.State = "expired"
		case !matched:
			st.State = "stale"
		default:
			st.State = "active"
			st.ExpiresSoon = end.Sub(g.Now) <= ExpiringWithin
		}
		out = append(out, st)
	}
	return out
}

// ExpiredExceptions are the exceptions that fail the gate.
func (r *Report) ExpiredExceptions() []ExceptionState {
	var out []ExceptionState
	for _, e := range r.Exceptions {
		if e.State == "expired" {
			out = append(out, e)
		}
	}
	return out
}

// EncodeReport is scan.json: indented, lists always arrays.
func EncodeReport(r *Report) ([]byte, error) {
	c := *r
	c.Categories = nonNil(c.Categories)
	c.Findings = nonNil(c.Findings)
	c.Warnings = nonNil(c.Warnings)
	c.Exceptions = nonNil(c.Exceptions)
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
