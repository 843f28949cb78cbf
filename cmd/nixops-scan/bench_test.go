package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/gitrepo"
	"github.com/voidnxsec/nixops-actions/internal/procbench"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// historyRepo makes a repository of commits commits with git fast-import:
// each changes one of 50 source files, and every 1,000th (and the first)
// adds a token in a file of its own, which stays. It returns the number of
// tokens.
func historyRepo(b *testing.B, commits int) (*gitrepo.Repo, int) {
	b.Helper()
	r := gitrepo.New(b)
	var stream bytes.Buffer
	w := bufio.NewWriter(&stream)
	tokens := 0
	for i := 1; i <= commits; i++ {
		fmt.Fprintf(w, "commit refs/heads/main\ncommitter T <t@example.invalid> %d +0000\ndata <<EOM\ncommit %d\nEOM\n", 1700000000+i, i)
		body := fmt.Sprintf("package p\n\n// revision %d\nfunc F%d() int { return %d }\n", i, i%50, i)
		fmt.Fprintf(w, "M 644 inline src/f%02d.go\ndata %d\n%s\n", i%50, len(body), body)
		if i == 1 || i%1000 == 0 {
			tok := fmt.Sprintf("GITHUB_TOKEN=%s\n", gitrepo.FakeGitHubToken(b))
			fmt.Fprintf(w, "M 644 inline conf/k%05d.env\ndata %d\n%s\n", i, len(tok), tok)
			tokens++
		}
	}
	w.Flush()
	cmd := exec.Command("git", "-C", r.Dir, "fast-import", "--quiet")
	cmd.Stdin = &stream
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("git fast-import: %v\n%s", err, out)
	}
	r.Git("checkout", "-q", "main")
	return r, tokens
}

// BenchmarkSecretsHistoryProcess measures as users meet it: the nixops-scan
// binary over the tree and the whole history of a 10,000-commit repository
// (300 with -short), against the gitleaks v8 CLI's `gitleaks git` on the
// same repository, alternating, medians of b.N rounds. Issue 12's target:
// at most 1.2x. Both must find every token.
func BenchmarkSecretsHistoryProcess(b *testing.B) {
	gitleaks := testenv.LookPath(b, "gitleaks")
	commits := 10000
	if testing.Short() {
		commits = 300
	}
	repo, tokens := historyRepo(b, commits)
	bin := filepath.Join(b.TempDir(), "nixops-scan")
	if out, err := exec.Command(testenv.LookPath(b, "go"), "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	out := b.TempDir()
	env := append(os.Environ(), "GITHUB_ACTIONS=")
	var ours, theirs procbench.Side
	b.ResetTimer()
	for range b.N {
		report := filepath.Join(out, "gitleaks.json")
		gl := exec.Command(gitleaks, "git", "--no-banner", "--log-level", "error", "--exit-code", "0",
			"--report-format", "json", "--report-path", report, repo.Dir)
		s, _ := procbench.Run(b, gl)
		theirs = append(theirs, s)
		if n := gitleaksFindings(b, report); n != tokens {
			b.Fatalf("gitleaks found %d, want %d", n, tokens)
		}
		ns := exec.Command(bin, "--path", repo.Dir, "--history", "full", "--fail-on", "none", "--output-dir", out)
		ns.Env = env
		s, log := procbench.Run(b, ns)
		ours = append(ours, s)
		if want := fmt.Sprintf("findings=%d\n", tokens); !strings.Contains(string(log), want) {
			b.Fatalf("nixops-scan did not report %s:\n%s", want, log)
		}
	}
	b.StopTimer()
	o, t := ours.Median(procbench.Wall), theirs.Median(procbench.Wall)
	b.ReportMetric(o.Seconds(), "s/nixops-scan")
	b.ReportMetric(t.Seconds(), "s/gitleaks")
	b.ReportMetric(o.Seconds()/t.Seconds(), "ratio-vs-gitleaks")
	b.ReportMetric(float64(ours.Peak())/1e6, "peak-MB")
	b.Logf("%d commits, median of %d: nixops-scan %v, gitleaks %v (%.2fx); peak RSS %.0f MB against %.0f MB; target: at most 1.2x",
		commits, b.N, o, t, o.Seconds()/t.Seconds(), float64(ours.Peak())/1e6, float64(theirs.Peak())/1e6)
}

func gitleaksFindings(b *testing.B, report string) int {
	b.Helper()
	data, err := os.ReadFile(report)
	if err != nil {
		b.Fatal(err)
	}
	var fs []json.RawMessage
	if err := json.Unmarshal(data, &fs); err != nil {
		b.Fatalf("gitleaks report: %v", err)
	}
	return len(fs)
}
