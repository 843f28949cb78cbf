// Package scan is the security gate of the scan action: it finds secrets in
// a repository and its history, holds every finding in one model, decides
// the gate from severities, and writes the findings as SARIF 2.1.0 and as a
// versioned JSON report. It never reads the environment and never names the
// action's inputs: callers word its typed errors.
package scan

import (
	"fmt"
	"slices"
	"strings"
)

// Severity orders findings; the gate fails on those at or above a cutoff.
type Severity int

// The severities, lowest first. SeverityNone is a cutoff only: no finding
// is at or above it, so the gate never fails.
const (
	SeverityUnknown Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
	SeverityNone
)

var severityNames = map[Severity]string{
	SeverityUnknown: "unknown", SeverityLow: "low", SeverityMedium: "medium",
	SeverityHigh: "high", SeverityCritical: "critical", SeverityNone: "none",
}

// Cutoffs are the names ParseCutoff accepts, most severe first.
var Cutoffs = []string{"critical", "high", "medium", "low", "none"}

func (s Severity) String() string { return severityNames[s] }

// MarshalText writes the severity's name, so reports read as words.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a name written by MarshalText.
func (s *Severity) UnmarshalText(b []byte) error {
	for k, v := range severityNames {
		if v == string(b) {
			*s = k
			return nil
		}
	}
	return fmt.Errorf("severity %q is not one of unknown, low, medium, high, critical, none", b)
}

// CutoffError is a gate cutoff that is not one of Cutoffs.
type CutoffError struct{ Value string }

func (e *CutoffError) Error() string {
	return fmt.Sprintf("%q is not a severity cutoff", e.Value)
}

// ParseCutoff reads a gate cutoff: one of Cutoffs, in any case.
func ParseCutoff(s string) (Severity, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	if !slices.Contains(Cutoffs, v) {
		return 0, &CutoffError{Value: s}
	}
	var sev Severity
	err := sev.UnmarshalText([]byte(v))
	return sev, err
}

// Kind is the category of a finding; SARIF has one run per kind.
type Kind string

// The kinds of finding.
const (
	KindSecret        Kind = "secret"
	KindVulnerability Kind = "vulnerability"
	KindLicense       Kind = "license"
)

// Finding is one problem, whatever found it. It never holds a secret's
// value: secrets are known by rule, place and a one-way fingerprint.
type Finding struct {
	Kind     Kind     `json:"kind"`
	RuleID   string   `json:"rule_id"`
	Title    string   `json:"title"`
	Severity Severity `json:"severity"`
	// File is relative to the scanned directory, with forward slashes.
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column,omitempty"`
	// Commit is set for a finding in history that the tree no longer has
	// at that place (or never had).
	Commit string `json:"commit,omitempty"`
	// Fingerprint identifies the finding across runs: it ignores line
	// numbers and versions, so moving code or bumping a version does not
	// make an old finding new.
	Fingerprint string `json:"fingerprint"`
	// Package and Version name the SBOM component of a license or
	// vulnerability finding.
	Package string `json:"package,omitempty"`
	Version string `json:"version,omitempty"`
	// ComponentRef is the component's bom-ref in the SBOM scanned.
	ComponentRef string `json:"component_ref,omitempty"`
	// FixedIn is the version that fixes a vulnerability, when one exists;
	// only-fixed gates on those alone.
	FixedIn string `json:"fixed_in,omitempty"`
	// DerivedCPE: the vulnerability matched a CPE derived from the
	// package's name, not one its SBOM states; such a match may be wrong.
	DerivedCPE bool `json:"derived_cpe,omitempty"`
	// ResolvedByPatch: a patch applied in the derivation resolves the
	// vulnerability (the SBOM's pedigree says so); reported, never gating.
	ResolvedByPatch bool `json:"resolved_by_patch,omitempty"`
	// Blocking: a policy rule (a denied license) that fails the gate
	// whatever its severity.
	Blocking bool `json:"blocking,omitempty"`
	// Exception is the id of the unexpired policy exception that accepts
	// the finding; such a finding is reported and does not gate.
	Exception string `json:"exception,omitempty"`
	// InBaseline: the baseline report has the finding; with
	// fail-on-new-only it does not gate.
	InBaseline bool `json:"in_baseline,omitempty"`
	// Gating: the finding is one the gate failed on.
	Gating bool `json:"gating"`
}

// Identity is what a baseline compares: kind, rule and fingerprint.
func (f *Finding) Identity() string {
	return string(f.Kind) + "\x00" + f.RuleID + "\x00" + f.Fingerprint
}

// AtOrAbove reports whether f counts against a gate with cutoff.
func (f *Finding) AtOrAbove(cutoff Severity) bool {
	return cutoff != SeverityNone && f.Severity >= cutoff
}

// sortFindings orders findings most severe first, then by place, so every
// output lists them the same way.
func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if a.Severity != b.Severity {
			return int(b.Severity) - int(a.Severity)
		}
		if c := strings.Compare(string(a.Kind), string(b.Kind)); c != 0 {
			return c
		}
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		if c := strings.Compare(a.RuleID, b.RuleID); c != 0 {
			return c
		}
		return strings.Compare(a.Commit, b.Commit)
	})
}
