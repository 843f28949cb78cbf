package scan

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rs/zerolog"
	"github.com/zricethezav/gitleaks/v8/cmd/scm"
	"github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/detect"
	"github.com/zricethezav/gitleaks/v8/logging"
	"github.com/zricethezav/gitleaks/v8/report"
	"github.com/zricethezav/gitleaks/v8/sources"
)

// gitleaks logs through a global logger, at debug level with the secret
// itself as a field: a library that prints nothing silences it for good.
func init() { logging.Logger = zerolog.Nop() }

// History says which commits the secrets scan reads besides the tree.
type History struct {
	// Revisions are given to git log as they are ("base..head", "sha"):
	// none means every commit reachable from any ref.
	Revisions []string
	// Skip: the working tree alone.
	Skip bool
}

// SecretOptions say what ScanSecrets reads.
type SecretOptions struct {
	Dir     string // the repository's working tree
	History History
}

// RangeError is a history range git cannot read, as in a shallow clone
// that lacks the pull request's base.
type RangeError struct {
	Revisions []string
	Err       error
}

func (e *RangeError) Error() string {
	return fmt.Sprintf("git history %s cannot be read (a shallow clone lacks it: fetch with depth 0): %v", strings.Join(e.Revisions, " "), e.Err)
}

func (e *RangeError) Unwrap() error { return e.Err }

// secretSeverity: a leaked credential is high whatever its kind; gitleaks'
// rules carry no severity of their own.
const secretSeverity = SeverityHigh

// ScanSecrets runs gitleaks' rules (those of a .gitleaks.toml at the top
// of Dir, else the defaults) over the working tree and the asked-for
// history. Inline gitleaks:allow comments and the fingerprints of
// a .gitleaksignore at the top of Dir are honoured. A secret found in both
// the tree and history is reported once, at its place in the tree.
func ScanSecrets(ctx context.Context, o SecretOptions) ([]Finding, []RuleInfo, error) {
	cfg, err := secretConfig(o.Dir)
	if err != nil {
		return nil, nil, err
	}
	ignore, err := readGitleaksIgnore(filepath.Join(o.Dir, ".gitleaksignore"))
	if err != nil {
		return nil, nil, err
	}
	tree, err := scanTree(ctx, cfg, o.Dir)
	if err != nil {
		return nil, nil, err
	}
	var hist []report.Finding
	if !o.History.Skip {
		if err := checkRevisions(ctx, o.Dir, o.History.Revisions); err != nil {
			return nil, nil, err
		}
		if hist, err = scanHistory(ctx, cfg, o.Dir, o.History.Revisions); err != nil {
			return nil, nil, err
		}
	}
	fs := mergeSecrets(o.Dir, tree, hist, ignore)
	sortFindings(fs)
	return fs, secretRules(cfg, fs), nil
}

// newDetector is one detector per source: a detector accumulates findings.
func newDetector(ctx context.Context, cfg config.Config) *detect.Detector {
	d := detect.NewDetectorContext(ctx, cfg)
	d.MaxDecodeDepth = 5 // gitleaks' CLI default: base64/hex/percent-encoded secrets
	return d
}

func scanTree(ctx context.Context, cfg config.Config, dir string) ([]report.Finding, error) {
	d := newDetector(ctx, cfg)
	fs, err := d.DetectSource(ctx, &treeFiles{dir: dir, cfg: &d.Config, sema: d.Sema})
	if err != nil {
		return nil, fmt.Errorf("scanning the files of %s for secrets: %w", dir, err)
	}
	return fs, nil
}

func scanHistory(ctx context.Context, cfg config.Config, dir string, revs []string) ([]report.Finding, error) {
	d := newDetector(ctx, cfg)
	// -p -U0 come from gitleaks; the filter keeps additions, copies,
	// renames and modifications, as its own full-history default does.
	opts := "--full-history --diff-filter=tuxdb"
	if len(revs) == 0 {
		opts += " --all"
	} else {
		opts += " " + strings.Join(revs, " ")
	}
	cmd, err := sources.NewGitLogCmdContext(ctx, dir, opts)
	if err != nil {
		return nil, fmt.Errorf("starting git log in %s: %w", dir, err)
	}
	fs, err := d.DetectSource(ctx, &sources.Git{Cmd: cmd, Config: &d.Config, Sema: d.Sema,
		// No links to a forge: a finding's place is its commit and path.
		Remote: &sources.RemoteInfo{Platform: scm.NoPlatform}})
	if err != nil {
		return nil, fmt.Errorf("scanning the git history of %s for secrets: %w", dir, err)
	}
	return fs, nil
}

// mergeSecrets turns gitleaks' findings into ours, dropping the ignored
// ones and the history findings of a secret the tree still holds.
func mergeSecrets(dir string, tree, hist []report.Finding, ignore map[string]bool) []Finding {
	var out []Finding
	seen := map[string]bool{}
	add := func(g report.Finding, commit string) {
		file := relSlash(dir, g.File)
		if ignore[fmt.Sprintf("%s:%s:%d", file, g.RuleID, g.StartLine)] ||
			(commit != "" && ignore[fmt.Sprintf("%s:%s:%s:%d", commit, file, g.RuleID, g.StartLine)]) {
			return
		}
		f := Finding{
			Kind: KindSecret, RuleID: g.RuleID, Title: g.Description, Severity: secretSeverity,
			File: file, Line: g.StartLine, Column: g.StartColumn, Commit: commit,
			Fingerprint: secretFingerprint(g.RuleID, file, g.Secret),
		}
		if seen[f.Identity()] {
			return
		}
		seen[f.Identity()] = true
		out = append(out, f)
	}
	for _, g := range tree {
		add(g, "")
	}
	for _, g := range hist {
		add(g, g.Commit)
	}
	return out
}

// secretFingerprint is a one-way digest of the rule, the file and the
// value: stable across runs and line moves, and useless for recovering the
// value (the digest covers a high-entropy credential, never a password
// alone).
func secretFingerprint(rule, file, secret string) string {
	h := sha256.Sum256([]byte("nixops-scan/secret/v1\x00" + rule + "\x00" + file + "\x00" + secret))
	return hex.EncodeToString(h[:16])
}

func relSlash(dir, file string) string {
	if filepath.IsAbs(file) || strings.HasPrefix(file, dir) {
		if r, err := filepath.Rel(dir, file); err == nil {
			file = r
		}
	}
	return filepath.ToSlash(file)
}

// readGitleaksIgnore reads the fingerprints gitleaks users write:
// file:rule:line for everywhere, commit:file:rule:line for one commit.
func readGitleaksIgnore(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	set := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		set[strings.ReplaceAll(line, `\`, "/")] = true
	}
	return set, sc.Err()
}
