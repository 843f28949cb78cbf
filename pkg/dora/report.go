package dora

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/atomicfile"
	"github.com/voidnxsec/nixops-actions/pkg/history"
)

// SchemaVersion is the version of the JSON report. It changes when a field
// is removed or changes meaning; adding a field keeps it.
const SchemaVersion = 1

// Report is the result of Compute, written as dora.json. Durations are in
// seconds; a statistic with no sample is null, never 0, so "no data" cannot
// be mistaken for "instant" or "never fails".
type Report struct {
	SchemaVersion int          `json:"schema_version"`
	Repository    string       `json:"repository"` // owner/name (Config.Repository) or the directory name
	Branch        string       `json:"branch"`     // production branch; empty in tags mode without one
	Head          string       `json:"head"`       // commit HEAD pointed at
	Inputs        Config       `json:"inputs"`
	Rules         []string     `json:"rules"` // sentences of the rules in force, for the summary
	Window        Window       `json:"window"`
	Shallow       bool         `json:"shallow"`
	CommitsSeen   int          `json:"commits_seen"`   // commits reachable from the deployments and HEAD
	SkewedCommits int          `json:"skewed_commits"` // in-window commits dated after their deployment
	IgnoredTags   []IgnoredTag `json:"ignored_tags"`
	// IgnoredDeps are the GitHub deployments (source github) not counted.
	IgnoredDeps []IgnoredDeployment `json:"ignored_deployments,omitempty"`
	Metrics     Metrics             `json:"metrics"`
	Deployments []Deployment        `json:"deployments"` // in the window, in deployment order
	Weekly      []Week              `json:"weekly"`
	BandsSource string              `json:"bands_source"`
	// Warnings name the objects read with a date left out (tags with an
	// unreadable tagger date, commits with unreadable author or committer
	// dates), tags first; the action prints them, the JSON report does not
	// hold them.
	Warnings []history.Warning `json:"-"`
}

// Window is the half-open interval (Start, End] of deploy times counted.
type Window struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Days  float64   `json:"days"`
}

// IgnoredTag is a tag matching tag-pattern that is not a deployment.
type IgnoredTag struct {
	Name   string `json:"name"`
	Commit string `json:"commit"`
	Reason string `json:"reason"`
}

// Stat summarises a sample. P90 is the nearest-rank percentile: the value
// at rank ceil(0.9*n) of the sorted sample, always an observed value.
type Stat struct {
	Median *float64 `json:"median"`
	P90    *float64 `json:"p90"`
	Mean   *float64 `json:"mean"`
	N      int      `json:"n"`
}

// Metric is one DORA metric: the headline Value, its Unit, the DORA band
// it falls in (null without data or without a band), and the statistics of
// its sample.
type Metric struct {
	Stat
	Value *float64 `json:"value"`
	Unit  string   `json:"unit"`
	Band  *string  `json:"band"`
}

// Metrics holds the five DORA metrics and the counts they are made of.
type Metrics struct {
	// Value = deployments per day; Stat = seconds between consecutive
	// deployments in the window.
	DeploymentFrequency Metric `json:"deployment_frequency"`
	// Value = median seconds from commit to deployment; Stat over commits.
	ChangeLeadTime Metric `json:"change_lead_time"`
	// Value = failed / deployments in the window (0..1); no Stat sample.
	ChangeFailRate Metric `json:"change_fail_rate"`
	// Value = median seconds from a failed deployment to its fix.
	RecoveryTime Metric `json:"failed_deployment_recovery_time"`
	// Value = rework / deployments in the window (0..1); no band in DORA 2024.
	ReworkRate Metric `json:"deployment_rework_rate"`

	Deployments        int      `json:"deployments"`          // in the window
	DeploymentsPerWeek *float64 `json:"deployments_per_week"` // null without deployments
	FailedDeployments  int      `json:"failed_deployments"`
	ReworkDeployments  int      `json:"rework_deployments"`
}

// Deployment is one deployment in the window.
type Deployment struct {
	Name    string    `json:"name"`   // tag name, or the short commit in branch mode
	Commit  string    `json:"commit"` // full hash
	Time    time.Time `json:"time"`   // deploy time, UTC
	Commits int       `json:"commits"`
	Hotfix  bool      `json:"hotfix"`
	Failed  bool      `json:"failed"`
	// Cause says why it failed: "revert", "hotfix" or "fixes-deployment",
	// with source github also "deployment-status" or "incident"; empty
	// when it did not.
	Cause string `json:"cause"`
	// Incident is the number of the incident issue that made it failed.
	Incident        int      `json:"incident,omitempty"`
	Rework          bool     `json:"rework"`
	Fixes           []string `json:"fixes"`    // names of the deployments this one fixed
	FixedBy         string   `json:"fixed_by"` // name of the deployment carrying the fix; empty if none
	RecoverySeconds *float64 `json:"recovery_seconds"`
	LeadTime        Stat     `json:"lead_time"` // over its commits, seconds
}

// Week is one ISO week (Monday 00:00 UTC) of the window.
type Week struct {
	Start             time.Time `json:"start"`
	Deployments       int       `json:"deployments"`
	MedianLeadSeconds *float64  `json:"median_lead_seconds"`
}

// DecodeReport reads a dora.json back. Fields the Report type does not
// have, data after the report, and another schema version, are errors: a reader that silently
// dropped them would compute from a different report than was written.
func DecodeReport(r io.Reader) (*Report, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var rep Report
	if err := dec.Decode(&rep); err != nil {
		return nil, fmt.Errorf("dora report: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("dora report: more data after the report")
	}
	if rep.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("dora report: schema_version %d, this version reads %d", rep.SchemaVersion, SchemaVersion)
	}
	return &rep, nil
}

// EncodeReport is dora.json: indented, in field order (the report holds no
// maps, so the bytes depend on the repository state alone), lists always
// arrays so a reader never meets null where it expects [].
func EncodeReport(r *Report) ([]byte, error) {
	c := *r
	c.Rules = nonNil(c.Rules)
	c.IgnoredTags = nonNil(c.IgnoredTags)
	c.Weekly = nonNil(c.Weekly)
	c.Deployments = make([]Deployment, len(r.Deployments))
	for i, d := range r.Deployments {
		d.Fixes = nonNil(d.Fixes)
		c.Deployments[i] = d
	}
	data, err := json.MarshalIndent(&c, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding the report: %w", err)
	}
	return append(data, '\n'), nil
}

// WriteReport writes EncodeReport's bytes to path, whole or not at all.
func WriteReport(path string, r *Report) error {
	data, err := EncodeReport(r)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, data, 0o644)
}
