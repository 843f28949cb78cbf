package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/httpclient"
	"github.com/voidnxsec/nixops-actions/pkg/scan"
	"github.com/voidnxsec/nixops-actions/pkg/scan/vulndb"
)

// config is what the inputs ask for, checked.
type config struct {
	dir       string
	historyOf string // full, pr or none
	failOn    scan.Severity
	policy    *scan.Policy // nil: none given
	baseline  *scan.Report // nil: none given
	sbomPath  string
	dbPath    string // with an SBOM, never empty: db-path, else the cache directory
	dbUpdate  bool
	dbURL     string
	dbMaxAge  time.Duration
	dbBuilt   time.Time // of the database used; zero: none
	outDir    string
	timestamp time.Time
	warnings  []string
	check     *checkPlan // nil: no check run asked for
}

// parseInputs declares every input and output, then reads and checks them
// before any scan.
func parseInputs(a *action.Action) (*config, error) {
	in := a.Inputs()
	path := in.String("path", "", "repository to scan; empty: GITHUB_WORKSPACE, else the current directory")
	hist := in.Enum("history", "pr", []string{"full", "pr", "none"},
		"git history to scan for secrets besides the tree: full (every commit), pr (the pull request's or push's commits, all of them), none")
	failOn := in.String("fail-on", "", "lowest severity that fails the gate: "+strings.Join(scan.Cutoffs, ", ")+"; empty: the policy's fail-on, else high")
	sbomPath := in.String("sbom", "", "CycloneDX or SPDX JSON SBOM whose components' vulnerabilities and licenses are checked; empty: secrets only")
	policyPath := in.String("policy", "", "policy file (YAML): fail-on, only-fixed, fail-on-new-only, licenses, exceptions")
	baselinePath := in.String("baseline", "", "scan.json of an earlier run; with fail-on-new-only, only findings absent from it fail the gate")
	dbPath := in.String("db-path", "", "grype's vulnerability database directory (holding 6/vulnerability.db), for the SBOM's vulnerabilities; "+
		"empty: $RUNNER_TOOL_CACHE/nixops-scan/grype-db, else the user cache directory's")
	dbUpdate := in.Bool("db-update", true, "bring the database up to date from db-url before the scan; false: never download (air-gapped), use db-path as it is")
	dbURL := in.String("db-url", vulndb.DefaultURL, "grype's database distribution (its listing is <url>/v6/latest.json), or a mirror of it")
	dbMaxAge := in.Duration("db-max-age", 5*24*time.Hour, "a database built longer ago fails the scan rather than passing on old data")
	outDir := in.String("output-dir", "out", "directory for scan.sarif, scan.json and scan.prom")
	check := declareCheckInputs(in)
	in.Output("sarif", "path of the SARIF 2.1.0 file, for github/codeql-action/upload-sarif")
	in.Output("report", "path of the JSON report (scan.json)")
	in.Output("result", "the gate's verdict: pass, fail or error")
	in.Output("findings", "number of findings")
	for _, s := range []string{"critical", "high", "medium", "low"} {
		in.Output(s, "number of "+s+" findings")
	}
	in.Output("metrics-file", "path of scan.prom, for the publish action")
	in.Output("vex", "path of the CycloneDX VEX document of the vulnerabilities patches resolve (scan.vex.cdx.json), when vulnerabilities were scanned")
	in.Output("db-built", "build time (RFC 3339) of the vulnerability database used; empty when vulnerabilities were not scanned")
	if err := in.Parse(); err != nil {
		return nil, err
	}
	cfg := &config{dir: *path, historyOf: *hist, outDir: *outDir, sbomPath: *sbomPath, dbPath: *dbPath, dbUpdate: *dbUpdate, dbURL: *dbURL, dbMaxAge: *dbMaxAge}
	if err := cfg.database(a); err != nil {
		return nil, err
	}
	var err error
	if cfg.check, err = check.plan(a); err != nil {
		return nil, err
	}
	if err := cfg.readFiles(*policyPath, *baselinePath); err != nil {
		return nil, err
	}
	if err := cfg.cutoff(*failOn); err != nil {
		return nil, err
	}
	if cfg.dir == "" {
		cfg.dir = a.Getenv("GITHUB_WORKSPACE")
	}
	if cfg.dir == "" {
		cfg.dir = "."
	}
	if st, err := os.Stat(cfg.dir); err != nil || !st.IsDir() {
		return nil, &action.InputError{Input: "path", Err: fmt.Errorf("%q is not a directory", cfg.dir)}
	}
	if cfg.timestamp, err = timestamp(a.Getenv); err != nil {
		return nil, err
	}
	return cfg, checkWritable(cfg.outDir)
}

// database checks the database inputs, and chooses the directory when
// db-path is empty: the runner's tool cache, which the action restores and
// saves with actions/cache, else the user's cache directory.
func (cfg *config) database(a *action.Action) error {
	if pw, ok := httpclient.URLPassword(cfg.dbURL); ok {
		a.AddMask(pw) // a mirror's basic auth, before anything can print the URL
	}
	if cfg.dbPath != "" && cfg.sbomPath == "" {
		return &action.InputError{Input: "db-path", Err: fmt.Errorf("is set but sbom is empty: the vulnerabilities are those of the SBOM's components")}
	}
	if cfg.dbMaxAge <= 0 {
		return &action.InputError{Input: "db-max-age", Err: fmt.Errorf("%v is not a positive duration", cfg.dbMaxAge), Accepted: "a duration such as 5d or 36h"}
	}
	if _, err := httpclient.ParseBaseURL(cfg.dbURL); err != nil && cfg.dbUpdate {
		return &action.InputError{Input: "db-url", Err: err, Accepted: "an http(s) URL such as " + vulndb.DefaultURL + " or a mirror's latest.json"}
	}
	if cfg.sbomPath == "" || cfg.dbPath != "" {
		return nil
	}
	switch base := a.Getenv("RUNNER_TOOL_CACHE"); {
	case base != "":
		cfg.dbPath = filepath.Join(base, "nixops-scan", "grype-db")
	case a.Getenv("XDG_CACHE_HOME") != "":
		cfg.dbPath = filepath.Join(a.Getenv("XDG_CACHE_HOME"), "nixops-scan", "grype-db")
	case a.Getenv("HOME") != "":
		cfg.dbPath = filepath.Join(a.Getenv("HOME"), ".cache", "nixops-scan", "grype-db")
	default:
		return &action.InputError{Input: "db-path", Err: errors.New("is empty, and neither RUNNER_TOOL_CACHE, XDG_CACHE_HOME nor HOME is set to keep the database in"),
			Accepted: "grype's database directory"}
	}
	return nil
}

// readFiles reads the policy and the baseline before any scan.
func (cfg *config) readFiles(policyPath, baselinePath string) error {
	if policyPath != "" {
		p, err := scan.ReadPolicy(policyPath)
		if err != nil {
			return &action.InputError{Input: "policy", Err: err}
		}
		cfg.policy = p
	}
	if baselinePath != "" {
		f, err := os.Open(baselinePath)
		if err != nil {
			return &action.InputError{Input: "baseline", Err: err}
		}
		defer f.Close()
		if cfg.baseline, err = scan.DecodeReport(f); err != nil {
			return &action.InputError{Input: "baseline", Err: fmt.Errorf("%s: %w", baselinePath, err),
				Accepted: "a scan.json written by nixops-scan"}
		}
	}
	return nil
}

// cutoff is the fail-on input, else the policy's, else high.
func (cfg *config) cutoff(input string) error {
	if input == "" {
		cfg.failOn = scan.SeverityHigh
		if cfg.policy != nil && cfg.policy.FailOn != nil {
			cfg.failOn = *cfg.policy.FailOn
		}
		return nil
	}
	sev, err := scan.ParseCutoff(input)
	if err != nil {
		return &action.InputError{Input: "fail-on", Err: err, Accepted: strings.Join(scan.Cutoffs, ", ")}
	}
	cfg.failOn = sev
	return nil
}

// history turns the history input and the event into the commits to scan.
// On a pull request every commit from its base to its head is read, however
// many; on a push, the pushed range.
func (cfg *config) history(ctx context.Context, a *action.Action) (scan.History, error) {
	if cfg.historyOf == "none" {
		return scan.History{Skip: true}, nil
	}
	if !scan.IsRepository(ctx, cfg.dir) {
		cfg.warnings = append(cfg.warnings, fmt.Sprintf("%s is not a git work tree: only its files were scanned for secrets, no history", cfg.dir))
		return scan.History{Skip: true}, nil
	}
	if cfg.historyOf == "full" {
		return scan.History{}, nil
	}
	rc, err := a.Context()
	if err != nil {
		return scan.History{}, err
	}
	pr, err := rc.PullRequest()
	if err != nil {
		return scan.History{}, err
	}
	if pr != nil {
		return scan.History{Revisions: []string{pr.BaseSHA + ".." + pr.HeadSHA}}, nil
	}
	push, err := rc.Push()
	if err != nil {
		return scan.History{}, err
	}
	switch {
	case push != nil && (push.Created || push.Before == "" || strings.Trim(push.Before, "0") == ""):
		// A new branch: its commits not on any other remote branch.
		return scan.History{Revisions: []string{push.After, "--not", "--exclude=*/" + rc.RefName, "--remotes"}}, nil
	case push != nil:
		return scan.History{Revisions: []string{push.Before + ".." + push.After}}, nil
	}
	cfg.warnings = append(cfg.warnings, "history: pr outside a pull_request or push event: only the working tree was scanned for secrets (use history: full for every commit)")
	return scan.History{Skip: true}, nil
}

// timestamp honours SOURCE_DATE_EPOCH, so a rerun gives the same bytes.
func timestamp(getenv func(string) string) (time.Time, error) {
	v := getenv("SOURCE_DATE_EPOCH")
	if v == "" {
		return now(), nil
	}
	sec, err := strconv.ParseInt(v, 10, 64)
	if err != nil || sec < 0 {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds since 1970: unset it or give e.g. $(git log -1 --format=%%ct)", v)
	}
	return time.Unix(sec, 0).UTC(), nil
}

// checkWritable fails before any scan if the results could not be saved.
func checkWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return &action.InputError{Input: "output-dir", Err: fmt.Errorf("cannot create %q: %w", dir, errors.Unwrap(err))}
	}
	f, err := os.CreateTemp(dir, ".nixops-scan-probe-*")
	if err != nil {
		return &action.InputError{Input: "output-dir", Err: fmt.Errorf("%q is not writable: %w", dir, err)}
	}
	f.Close()
	return os.Remove(f.Name())
}
