package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/voidnxsec/nixops-actions/pkg/action"
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
	if err := dora.WriteReport(f.report, r); err != nil {
		return f, err
	}
	return f, exposition.WriteFile(f.metrics, r)
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
