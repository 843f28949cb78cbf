package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/scan"
	"github.com/voidnxsec/nixops-actions/pkg/scan/vulndb"
)

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
		// nixpkgs' own marks need no database.
		if fs, rules := scan.InsecureFindings(comps, anchorFile(cfg.dir)); len(fs) > 0 {
			rep.Categories = scan.Categories(append(rep.Categories, scan.KindVulnerability)...)
			rep.Findings, rep.Rules = append(rep.Findings, fs...), append(rep.Rules, rules...)
		}
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
