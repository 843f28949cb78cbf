package scan_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/gitrepo"
	"github.com/voidnxsec/nixops-actions/pkg/scan"
)

// place is what a test asserts of a secret finding.
type place struct {
	File   string
	Line   int
	Commit string
}

func places(fs []scan.Finding) []place {
	var out []place
	for _, f := range fs {
		out = append(out, place{f.File, f.Line, f.Commit})
	}
	return out
}

func secretsIn(t *testing.T, dir string, h scan.History) []scan.Finding {
	t.Helper()
	fs, rules, err := scan.ScanSecrets(context.Background(), scan.SecretOptions{Dir: dir, History: h})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.Kind != scan.KindSecret || f.RuleID != "github-pat" || f.Severity != scan.SeverityHigh || len(f.Fingerprint) != 32 {
			t.Errorf("finding %+v: want a high github-pat secret with a 32-digit fingerprint", f)
		}
		if !slices.ContainsFunc(rules, func(r scan.RuleInfo) bool { return r.ID == f.RuleID && r.Full != "" && r.Help != "" }) {
			t.Errorf("no described rule for %s in %+v", f.RuleID, rules)
		}
	}
	return fs
}

// TestSecretsTreeAndHistory: a token in the tree is found at its line; one
// added and then deleted is found only in history, at the commit that
// added it; with history skipped it is not found.
func TestSecretsTreeAndHistory(t *testing.T) {
	r := gitrepo.New(t)
	r.Write("README.md", "hello\n")
	r.Commit("start")
	r.Write("deploy/old.env", "# old\nTOKEN="+gitrepo.FakeGitHubToken(t)+"\n")
	added := r.Commit("add a token")
	r.Git("rm", "-q", "deploy/old.env")
	r.Commit("remove it")
	r.Write("config/app.env", "a=1\nb=2\nGITHUB_TOKEN="+gitrepo.FakeGitHubToken(t)+"\n")

	got := places(secretsIn(t, r.Dir, scan.History{}))
	want := []place{{"config/app.env", 3, ""}, {"deploy/old.env", 2, added}}
	if !slices.Equal(got, want) {
		t.Errorf("full history: %+v, want %+v", got, want)
	}
	got = places(secretsIn(t, r.Dir, scan.History{Skip: true}))
	if want := want[:1]; !slices.Equal(got, want) {
		t.Errorf("tree only: %+v, want %+v", got, want)
	}
}

// TestSecretsCommittedTwiceOnce: a token in the tree and in the commit
// that added it is one finding, at its place in the tree.
func TestSecretsCommittedTwiceOnce(t *testing.T) {
	r := gitrepo.New(t)
	r.Write("x.env", "T="+gitrepo.FakeGitHubToken(t)+"\n")
	r.Commit("add")
	got := places(secretsIn(t, r.Dir, scan.History{}))
	if want := []place{{"x.env", 1, ""}}; !slices.Equal(got, want) {
		t.Errorf("%+v, want %+v", got, want)
	}
}

// TestSecretsAllowedAsGitleaksUsersKnow: gitleaks:allow on the line and a
// .gitleaksignore fingerprint (global and per commit) drop a finding.
func TestSecretsAllowedAsGitleaksUsersKnow(t *testing.T) {
	r := gitrepo.New(t)
	r.Write("a.env", "T="+gitrepo.FakeGitHubToken(t)+" # gitleaks:allow\n")
	r.Write("b.env", "T="+gitrepo.FakeGitHubToken(t)+"\n")
	r.Write("c.env", "T="+gitrepo.FakeGitHubToken(t)+"\n")
	c := r.Commit("three tokens")
	r.Git("rm", "-q", "c.env")
	r.Commit("drop c")
	if got := len(secretsIn(t, r.Dir, scan.History{})); got != 2 {
		t.Fatalf("%d findings before .gitleaksignore, want 2 (b.env, c.env in history)", got)
	}
	r.Write(".gitleaksignore", "# reviewed\nb.env:github-pat:1\n"+c+":c.env:github-pat:1\n")
	if got := secretsIn(t, r.Dir, scan.History{}); len(got) != 0 {
		t.Errorf("findings despite .gitleaksignore: %+v", places(got))
	}
}

// TestSecretsRangeOfPullRequest: a range reads every commit in it, and
// no commit before it.
func TestSecretsRangeOfPullRequest(t *testing.T) {
	r := gitrepo.New(t)
	r.Write("before.env", "T="+gitrepo.FakeGitHubToken(t)+"\n")
	r.Commit("before")
	r.Git("rm", "-q", "before.env")
	base := r.Commit("base")
	r.Write("in.env", "T="+gitrepo.FakeGitHubToken(t)+"\n")
	in := r.Commit("in range")
	r.Git("rm", "-q", "in.env")
	head := r.Commit("head")
	got := places(secretsIn(t, r.Dir, scan.History{Revisions: []string{base + ".." + head}}))
	if want := []place{{"in.env", 1, in}}; !slices.Equal(got, want) {
		t.Errorf("%+v, want %+v", got, want)
	}
	_, _, err := scan.ScanSecrets(context.Background(), scan.SecretOptions{Dir: r.Dir,
		History: scan.History{Revisions: []string{"0123456789abcdef0123456789abcdef01234567.." + head}}})
	var re *scan.RangeError
	if !errorsAs(err, &re) {
		t.Errorf("missing base: %v, want a RangeError", err)
	}
}

// TestSecretsRepoGitleaksConfig: a .gitleaks.toml at the top of the
// repository is used as gitleaks' CLI uses it: extending the default
// rules, adding a rule and an allowlist. An unreadable one is a
// ConfigError naming it.
func TestSecretsRepoGitleaksConfig(t *testing.T) {
	r := gitrepo.New(t)
	r.Write(".gitleaks.toml", `[extend]
useDefault = true

[[rules]]
id = "internal-deploy-key"
description = "Internal deploy key"
regex = '''idk_[a-z0-9]{24}'''

[[allowlists]]
paths = ['''^fixtures/''']
`)
	r.Write("fixtures/sample.env", "T="+gitrepo.FakeGitHubToken(t)+"\n")
	r.Write("app.env", "T="+gitrepo.FakeGitHubToken(t)+"\nK=idk_0123456789abcdefghijklmn\n")
	r.Commit("config and tokens")
	fs, rules, err := scan.ScanSecrets(context.Background(), scan.SecretOptions{Dir: r.Dir, History: scan.History{Skip: true}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.File+":"+f.RuleID)
	}
	if want := []string{"app.env:github-pat", "app.env:internal-deploy-key"}; !slices.Equal(got, want) {
		t.Errorf("findings %v, want %v", got, want)
	}
	if !slices.ContainsFunc(rules, func(r scan.RuleInfo) bool { return r.ID == "internal-deploy-key" && r.Full == "Internal deploy key." }) {
		t.Errorf("rules %+v lack the repository's own", rules)
	}

	r.Write(".gitleaks.toml", "[[rules]\nid = \n")
	_, _, err = scan.ScanSecrets(context.Background(), scan.SecretOptions{Dir: r.Dir, History: scan.History{Skip: true}})
	var ce *scan.ConfigError
	if !errors.As(err, &ce) || ce.Path != filepath.Join(r.Dir, ".gitleaks.toml") {
		t.Errorf("broken .gitleaks.toml: %v, want a ConfigError naming it", err)
	}
}
