// Command nixops-scan is the scan action's step and, with the same names as
// flags, a laptop CLI: a security gate over a repository's secrets. It
// exits 0 when the gate passes, 1 when it fails and 2 when the scan itself
// could not run, so a workflow can tell a finding from a broken scan.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/atomicfile"
	"github.com/voidnxsec/nixops-actions/pkg/scan"
	"github.com/voidnxsec/nixops-actions/pkg/scan/exposition"
	"github.com/voidnxsec/nixops-actions/pkg/scan/vulndb"
)

// version is set at release time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

// The exit codes, documented in the README.
const (
	exitGateFailed = 1
	exitScanError  = 2
)

func main() { action.Main(run) }

func run(ctx context.Context, a *action.Action) error {
	cfg, err := parseInputs(a)
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	if err != nil {
		return action.ExitCode(exitScanError, err)
	}
	// After the inputs: their secrets are masked before anything prints.
	a.Infof("nixops-scan %s", version)
	rep, err := scanAll(ctx, a, cfg)
	if err != nil {
		_ = a.SetOutput("result", string(scan.ResultError))
		return action.ExitCode(exitScanError, err)
	}
	if err := writeResults(a, cfg, rep); err != nil {
		_ = a.SetOutput("result", string(scan.ResultError))
		return action.ExitCode(exitScanError, err)
	}
	if rep.Result == scan.ResultFail {
		return action.ExitCode(exitGateFailed, gateError(rep))
	}
	return nil
}

// scanAll runs every scan the inputs ask for and decides the gate.
func scanAll(ctx context.Context, a *action.Action, cfg *config) (*scan.Report, error) {
	hist, err := cfg.history(ctx, a)
	if err != nil {
		return nil, err
	}
	rep := &scan.Report{SchemaVersion: scan.SchemaVersion, Tool: "nixops-scan " + version, Generated: cfg.timestamp,
		Categories: scan.Categories(scan.KindSecret)}
	if cfg.sbomPath != "" {
		comps, err := scan.ReadSBOM(cfg.sbomPath)
		if err != nil {
			return nil, &action.InputError{Input: "sbom", Err: err, Accepted: "a CycloneDX or SPDX JSON file, such as the sbom action's cyclonedx-json output"}
		}
		var lp scan.LicensePolicy
		if cfg.policy != nil {
			lp = cfg.policy.Licenses
		}
		fs, rules := scan.LicenseFindings(comps, lp, anchorFile(cfg.dir))
		rep.Categories = scan.Categories(scan.KindSecret, scan.KindLicense)
		rep.Findings, rep.Rules = append(rep.Findings, fs...), append(rep.Rules, rules...)
		if err := scanVulnerabilities(ctx, a, cfg, rep, comps); err != nil {
			return nil, err
		}
	}
	done := a.Group("Secrets")
	fs, rules, err := scan.ScanSecrets(ctx, scan.SecretOptions{Dir: cfg.dir, History: hist})
	done()
	if err != nil {
		return nil, err
	}
	rep.Findings = append(rep.Findings, fs...)
	rep.Rules = append(rep.Rules, rules...)
	rep.Warnings = append(rep.Warnings, cfg.warnings...)
	scan.AnchorPackages(cfg.dir, anchorFile(cfg.dir), rep.Findings)
	rep.Decide(scan.Gate{Cutoff: cfg.failOn, Policy: cfg.policy, Baseline: cfg.baseline, Now: now()})
	for _, e := range rep.Exceptions {
		switch {
		case e.State == "stale":
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("policy exception %s (line %d) matched no finding: remove it", e.ID, e.Line))
		case e.ExpiresSoon:
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("policy exception %s (line %d) expires on %s", e.ID, e.Line, e.Expires))
		}
	}
	return rep, nil
}

// scanVulnerabilities matches the SBOM's components against the database
// db-path names; without one it says what is not scanned.
func scanVulnerabilities(ctx context.Context, a *action.Action, cfg *config, rep *scan.Report, comps []scan.Component) error {
	if cfg.dbPath == "" {
		rep.Warnings = append(rep.Warnings, "vulnerabilities were not scanned: give db-path, grype's database directory")
		return nil
	}
	done := a.Group("Vulnerabilities")
	defer done()
	fs, rules, st, err := vulndb.Match(ctx, comps, anchorFile(cfg.dir), vulndb.Options{Dir: cfg.dbPath, MaxAge: cfg.dbMaxAge})
	if err != nil {
		return &action.InputError{Input: "db-path", Err: err, Accepted: fmt.Sprintf("a grype v6 database directory built within db-max-age (%v)", cfg.dbMaxAge)}
	}
	a.Infof("vulnerability database: schema %s, built %s", st.SchemaVersion, st.Built.UTC().Format(time.RFC3339))
	rep.Categories = scan.Categories(append(rep.Categories, scan.KindVulnerability)...)
	rep.Findings, rep.Rules = append(rep.Findings, fs...), append(rep.Rules, rules...)
	return nil
}

// anchorFile is where findings about the closure point: the flake that
// brings it in, else flake.nix all the same (code scanning needs a file).
func anchorFile(dir string) string {
	for _, f := range []string{"flake.nix", "flake.lock", "default.nix"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return f
		}
	}
	return "flake.nix"
}

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
	var vexPath string
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

// now is replaced by SOURCE_DATE_EPOCH when set.
var now = func() time.Time { return time.Now().UTC().Truncate(time.Second) }
