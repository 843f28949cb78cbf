package scan

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"

	"github.com/zricethezav/gitleaks/v8/config"
)

// RuleInfo describes a rule for SARIF's tool.driver.rules.
type RuleInfo struct {
	ID       string
	Kind     Kind
	Short    string
	Full     string
	Help     string // Markdown
	Severity Severity
	// SecurityScore is the 0.0-10.0 figure code scanning reads as
	// security-severity (CVSS for vulnerabilities).
	SecurityScore float64
}

// secretRules describes the rules that produced findings, from gitleaks'
// own descriptions.
func secretRules(cfg config.Config, fs []Finding) []RuleInfo {
	var ids []string
	for _, f := range fs {
		if !slices.Contains(ids, f.RuleID) {
			ids = append(ids, f.RuleID)
		}
	}
	slices.Sort(ids)
	var out []RuleInfo
	for _, id := range ids {
		desc := cfg.Rules[id].Description
		if desc == "" {
			desc = "Secret matched by gitleaks rule " + id
		}
		out = append(out, RuleInfo{
			ID: id, Kind: KindSecret, Severity: secretSeverity, SecurityScore: 8.0,
			Short: "Secret: " + id,
			Full:  desc + ".",
			Help: "A credential matched gitleaks' rule `" + id + "`. Revoke it at its issuer and issue a new one: " +
				"removing it from the file or history does not un-leak it. If the match is not a secret, mark " +
				"the line with a `gitleaks:allow` comment or add the finding's fingerprint to `.gitleaksignore`.",
		})
	}
	return out
}

// checkRevisions makes sure git has every commit a range names before
// gitleaks runs git log, whose failure it would only log.
func checkRevisions(ctx context.Context, dir string, revs []string) error {
	for _, r := range revs {
		if strings.HasPrefix(r, "-") {
			continue
		}
		for _, end := range strings.Split(r, "..") {
			end = strings.TrimPrefix(end, "^")
			if end == "" {
				continue
			}
			out, err := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "--verify", "--quiet", end+"^{commit}").CombinedOutput()
			if err != nil {
				return &RangeError{Revisions: revs, Err: fmt.Errorf("git does not have %s: %v %s", end, err, strings.TrimSpace(string(out)))}
			}
		}
	}
	return nil
}
