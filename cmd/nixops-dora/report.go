package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/atomicfile"
	"github.com/voidnxsec/nixops-actions/pkg/dora"
	"github.com/voidnxsec/nixops-actions/pkg/dora/exposition"
	"github.com/voidnxsec/nixops-actions/pkg/dora/summary"
)

// files are the paths written.
type files struct{ report, metrics string }

// write saves dora.json and dora.prom, each whole or not at all.
func write(r *dora.Report, dir string) (files, error) {
	f := files{report: filepath.Join(dir, "dora.json"), metrics: filepath.Join(dir, "dora.prom")}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return f, fmt.Errorf("input \"output-dir\": cannot create %q: %w", dir, err)
	}
	data, err := encode(r)
	if err != nil {
		return f, err
	}
	if err := atomicfile.Write(f.report, data, 0o644); err != nil {
		return f, err
	}
	return f, exposition.WriteFile(f.metrics, r)
}

// encode is the JSON report: indented, in field order (the report holds no
// maps, so the bytes depend on the repository state alone), lists always
// arrays so a reader never meets null where it expects [].
func encode(r *dora.Report) ([]byte, error) {
	c := *r
	c.Rules = orEmpty(c.Rules)
	c.IgnoredTags = orEmpty(c.IgnoredTags)
	c.Weekly = orEmpty(c.Weekly)
	c.Deployments = make([]dora.Deployment, len(r.Deployments))
	for i, d := range r.Deployments {
		d.Fixes = orEmpty(d.Fixes)
		c.Deployments[i] = d
	}
	data, err := json.MarshalIndent(&c, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding the report: %w", err)
	}
	return append(data, '\n'), nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// report sets the step outputs, the headline numbers as plain decimals
// ("" for no data), and writes the step summary.
func report(a *action.Action, r *dora.Report, f files) error {
	m := r.Metrics
	outputs := [][2]string{
		{"report", f.report},
		{"metrics-file", f.metrics},
		{"deployments", strconv.Itoa(m.Deployments)},
		{"deployment-frequency", number(m.DeploymentFrequency.Value)},
		{"lead-time-median-seconds", number(m.ChangeLeadTime.Value)},
		{"change-fail-rate", number(m.ChangeFailRate.Value)},
		{"recovery-time-median-seconds", number(m.RecoveryTime.Value)},
		{"rework-rate", number(m.ReworkRate.Value)},
		{"bands-source", r.BandsSource},
	}
	for _, o := range outputs {
		if err := a.SetOutput(o[0], o[1]); err != nil {
			return err
		}
	}
	return a.AddSummary(summary.Markdown(r))
}

func number(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}
