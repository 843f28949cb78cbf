package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/httpclient"
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

// scanVulnerabilities brings the database up to date unless db-update is
// false, then matches the SBOM's components against it.
func scanVulnerabilities(ctx context.Context, a *action.Action, cfg *config, rep *scan.Report, comps []scan.Component) error {
	done := a.Group("Vulnerabilities")
	defer done()
	var updateErr error
	if cfg.dbUpdate {
		a.Infof("vulnerability database %s: updating from %s", cfg.dbPath, httpclient.RedactURL(cfg.dbURL))
		retry := dbRetry
		retry.OnRetry = func(n httpclient.RetryNote) {
			a.Infof("vulnerability database: attempt %d failed: %v; retrying in %s", n.Attempt, n.Err, n.Wait.Round(time.Millisecond))
		}
		res, err := vulndb.Update(ctx, vulndb.UpdateOptions{Dir: cfg.dbPath, URL: cfg.dbURL, Client: downloadClient(a),
			Retry: retry, MaxAge: cfg.dbMaxAge, CheckInterval: dbCheckInterval})
		var fe *vulndb.FetchError
		switch {
		case errors.As(err, &fe):
			// The distribution is unreachable: a database on disk within
			// db-max-age still serves, with a warning; Match decides.
			updateErr = err
		case err != nil:
			return dbError(cfg, err)
		case res.Downloaded:
			a.Infof("downloaded and installed the database built %s", res.Built.UTC().Format(time.RFC3339))
		default:
			a.Infof("the installed database is the newest listed, or was checked within %v", dbCheckInterval)
		}
	}
	fs, rules, st, err := vulndb.Match(ctx, comps, anchorFile(cfg.dir), vulndb.Options{Dir: cfg.dbPath, MaxAge: cfg.dbMaxAge})
	if err != nil {
		return dbError(cfg, errors.Join(err, updateErr))
	}
	if updateErr != nil {
		cfg.warnings = append(cfg.warnings, fmt.Sprintf("the vulnerability database could not be updated, the one on disk was used: %v", updateErr))
	}
	a.Infof("vulnerability database %s: schema %s, built %s (%s ago)", cfg.dbPath, st.SchemaVersion, st.Built.UTC().Format(time.RFC3339),
		time.Since(st.Built).Round(time.Minute))
	cfg.dbBuilt = st.Built
	rep.Categories = scan.Categories(append(rep.Categories, scan.KindVulnerability)...)
	rep.Findings, rep.Rules = append(rep.Findings, fs...), append(rep.Rules, rules...)
	return nil
}

// dbCheckInterval: within this time of the last successful check the
// listing is not read again (grype's own default).
const dbCheckInterval = 2 * time.Hour

// dbRetry: the listing and the archive are each tried four times, 1s, 2s
// and 4s apart (jittered), or as long as a 429 asks up to a minute, so a
// mirror's brief outage costs seconds, not the run. Tests set its Clock
// so that none waits.
var dbRetry = httpclient.Retry{Retries: 3, First: time.Second, MaxRetryAfter: time.Minute}

// dbError words the database's errors with the input to change.
func dbError(cfg *config, err error) error {
	var (
		stale  *vulndb.StaleError
		sum    *vulndb.ChecksumError
		fetch  *vulndb.FetchError
		badURL *httpclient.URLError
	)
	switch {
	case errors.As(err, &stale) && cfg.dbUpdate:
		return &action.InputError{Input: "db-max-age", Err: err, Accepted: "a database the distribution at db-url has built within it: check db-url, or raise db-max-age knowingly"}
	case errors.As(err, &stale):
		return &action.InputError{Input: "db-max-age", Err: err, Accepted: "a database in db-path built within it: update it (grype db update), or set db-update: true"}
	case errors.As(err, &sum), errors.As(err, &fetch), errors.As(err, &badURL):
		return &action.InputError{Input: "db-url", Err: err, Accepted: "grype's database distribution (" + vulndb.DefaultURL + ") or a mirror serving its listing and archives"}
	case !cfg.dbUpdate:
		return &action.InputError{Input: "db-path", Err: err, Accepted: "a grype v6 database directory (holding 6/vulnerability.db, as grype db update leaves it); db-update: false never downloads one"}
	}
	return &action.InputError{Input: "db-path", Err: err, Accepted: "a writable directory for grype's database"}
}

// downloadClient goes through the runner's proxy (HTTPS_PROXY, NO_PROXY
// read through the action's getenv) and never from https to http.
func downloadClient(a *action.Action) *http.Client {
	tr, _ := httpclient.NewTransport(httpclient.Options{Proxy: httpclient.ProxyFromEnv(a.Getenv)}) // no CA file: cannot fail
	return &http.Client{Transport: tr, CheckRedirect: httpclient.RefuseDowngrade}
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
