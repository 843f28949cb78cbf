package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/atomicfile"
	"github.com/voidnxsec/nixops-actions/pkg/scan"
	"github.com/voidnxsec/nixops-actions/pkg/scan/exposition"
)

// writeResults writes scan.sarif, scan.json and scan.prom, then reports: annotations,
// outputs, summary. Nothing here ever holds a secret's value.
func writeResults(a *action.Action, cfg *config, rep *scan.Report) error {
	sarif, warns, err := scan.SARIF(rep, version)
	if err != nil {
		return err
	}
	rep.Warnings = append(rep.Warnings, warns...)
	data, err := scan.EncodeReport(rep)
	if err != nil {
		return err
	}
	sarifPath := filepath.Join(cfg.outDir, "scan.sarif")
	reportPath := filepath.Join(cfg.outDir, "scan.json")
	if err := atomicfile.Write(sarifPath, sarif, 0o644); err != nil {
		return err
	}
	if err := atomicfile.Write(reportPath, data, 0o644); err != nil {
		return err
	}
	metrics := filepath.Join(cfg.outDir, "scan.prom")
	if err := exposition.WriteFile(metrics, rep); err != nil {
		return err
	}
	var vexPath, dbBuilt string
	if !cfg.dbBuilt.IsZero() {
		dbBuilt = cfg.dbBuilt.UTC().Format(time.RFC3339)
	}
	if slices.Contains(rep.Categories, scan.KindVulnerability) {
		vex, err := scan.VEX(rep)
		if err != nil {
			return err
		}
		vexPath = filepath.Join(cfg.outDir, "scan.vex.cdx.json")
		if err := atomicfile.Write(vexPath, vex, 0o644); err != nil {
			return err
		}
	}
	for _, w := range rep.Warnings {
		a.Warningf("%s", w)
	}
	annotate(a, rep)
	c := rep.Counts
	if err := a.SetOutputs(
		action.Output{Name: "sarif", Value: sarifPath},
		action.Output{Name: "report", Value: reportPath},
		action.Output{Name: "result", Value: string(rep.Result)},
		action.Output{Name: "findings", Value: strconv.Itoa(c.Total)},
		action.Output{Name: "critical", Value: strconv.Itoa(c.Critical)},
		action.Output{Name: "high", Value: strconv.Itoa(c.High)},
		action.Output{Name: "medium", Value: strconv.Itoa(c.Medium)},
		action.Output{Name: "low", Value: strconv.Itoa(c.Low)},
		action.Output{Name: "metrics-file", Value: metrics},
		action.Output{Name: "vex", Value: vexPath},
		action.Output{Name: "db-built", Value: dbBuilt},
	); err != nil {
		return err
	}
	return a.AddSummary(summary(rep))
}

// gateError says why the gate failed: the gating findings, and each
// expired exception by id.
func gateError(rep *scan.Report) error {
	var errs []error
	if n := rep.Counts.Gating; n > 0 {
		errs = append(errs, fmt.Errorf("gate failed: %d of %d findings fail it (fail-on: %s, policy rules, exceptions and baseline applied)",
			n, rep.Counts.Total, rep.FailOn))
	}
	for _, e := range rep.ExpiredExceptions() {
		errs = append(errs, fmt.Errorf("gate failed: policy exception %s (line %d) expired on %s: renew it with a reason or fix the finding", e.ID, e.Line, e.Expires))
	}
	return errors.Join(errs...)
}

// maxAnnotations: the runner shows ten error annotations per step; the
// rest are in the SARIF and the report.
const maxAnnotations = 10

func annotate(a *action.Action, rep *scan.Report) {
	n := 0
	for _, f := range rep.Findings {
		if f.Kind != scan.KindSecret || n == maxAnnotations {
			continue
		}
		n++
		where := "in the working tree"
		if f.Commit != "" {
			where = "in commit " + f.Commit
		}
		a.ErrorAt(f.File, f.Line, f.Column, "Secret (gitleaks rule %s) %s: %s Fingerprint %s.", f.RuleID, where, f.Title, f.Fingerprint)
	}
}
