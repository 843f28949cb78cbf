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

// outputs are the step outputs: the files, then the headline numbers as
// plain decimals ("" for no data).
var outputs = []struct {
	name, description string
	value             func(*dora.Report, files) string
}{
	{"report", "path of dora.json", func(_ *dora.Report, f files) string { return f.report }},
	{"metrics-file", "path of dora.prom", func(_ *dora.Report, f files) string { return f.metrics }},
	{"deployments", "deployments in the window", func(r *dora.Report, _ files) string { return strconv.Itoa(r.Metrics.Deployments) }},
	{"deployment-frequency", "deployments per day", func(r *dora.Report, _ files) string { return number(r.Metrics.DeploymentFrequency.Value) }},
	{"lead-time-median-seconds", "median change lead time", func(r *dora.Report, _ files) string { return number(r.Metrics.ChangeLeadTime.Value) }},
	{"change-fail-rate", "failed deployments over deployments", func(r *dora.Report, _ files) string { return number(r.Metrics.ChangeFailRate.Value) }},
	{"recovery-time-median-seconds", "median failed deployment recovery time", func(r *dora.Report, _ files) string { return number(r.Metrics.RecoveryTime.Value) }},
	{"rework-rate", "unplanned deployments over deployments", func(r *dora.Report, _ files) string { return number(r.Metrics.ReworkRate.Value) }},
	{"bands-source", "the DORA report the bands come from", func(r *dora.Report, _ files) string { return r.BandsSource }},
}

// report sets the step outputs and writes the step summary.
func report(a *action.Action, r *dora.Report, f files) error {
	for _, o := range outputs {
		if err := a.SetOutput(o.name, o.value(r, f)); err != nil {
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
