package dora

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// BenchRepoVar names a directory where the generated benchmark
// repositories are kept between runs (they take a while to generate).
const BenchRepoVar = "NIXOPS_BENCH_REPO"

var (
	benchMu    sync.Mutex
	benchRepos = map[string]string{}
	benchTmp   string
)

// benchRepo returns a generated repository of n commits, with or without
// a commit-graph file, generating it once per process (or once per
// NIXOPS_BENCH_REPO directory).
func benchRepo(b *testing.B, git string, n int, graph bool) string {
	benchMu.Lock()
	defer benchMu.Unlock()
	key := fmt.Sprintf("%dk-graph=%v", n/1000, graph)
	if dir, ok := benchRepos[key]; ok {
		return dir
	}
	root := os.Getenv(BenchRepoVar)
	if root == "" {
		if benchTmp == "" {
			var err error
			if benchTmp, err = os.MkdirTemp("", "dora-bench-"); err != nil {
				b.Fatal(err)
			}
		}
		root = benchTmp
	}
	dir := filepath.Join(root, key)
	if _, err := os.Stat(filepath.Join(dir, "done")); err != nil {
		os.RemoveAll(dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		generate(b, git, dir, genSpec{commits: n, tagEvery: 50, mergeEvery: 40, base: 1_500_000_000})
		run(b, git, dir, "checkout", "-q", "main")
		if graph {
			run(b, git, dir, "commit-graph", "write", "--reachable")
		}
		if err := os.WriteFile(filepath.Join(dir, "done"), nil, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	benchRepos[key] = dir
	return dir
}

// gitLogTime is the best of three runs of the reference command.
func gitLogTime(b *testing.B, git, dir string) time.Duration {
	best := time.Duration(1 << 62)
	for k := 0; k < 3; k++ {
		cmd := exec.Command(git, "log", "--all", "--format=%H %P %at %ct")
		cmd.Dir = dir
		start := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("git log: %v", err)
		}
		best = min(best, time.Since(start))
	}
	return best
}

// BenchmarkCompute100k measures Compute on generated histories against
// git log --all --format='%H %P %at %ct' over the same repository: the
// ratio metric is our time over git's (target <= 2). The window "all"
// covers the whole history (every deployment's statistics: the worst
// case); "90d" is the default. Sizes 25k and 50k show how memory grows.
func BenchmarkCompute100k(b *testing.B) {
	git := testenv.LookPath(b, "git")
	for _, c := range []struct {
		n      int
		graph  bool
		window string
	}{
		{100_000, true, "all"}, {100_000, true, "90d"}, {100_000, false, "all"},
		{25_000, true, "all"}, {50_000, true, "all"},
	} {
		name := fmt.Sprintf("commits=%dk/graph=%v/window=%s", c.n/1000, c.graph, c.window)
		b.Run(name, func(b *testing.B) {
			dir := benchRepo(b, git, c.n, c.graph)
			ref := gitLogTime(b, git, dir)
			cfg := DefaultConfig()
			if c.window == "all" {
				cfg.Window = "10000d"
			} else {
				cfg.Window = c.window
			}
			b.ReportAllocs()
			b.ResetTimer()
			var rep *Report
			for b.Loop() {
				var err error
				if rep, err = Compute(context.Background(), dir, cfg); err != nil {
					b.Fatal(err)
				}
			}
			ours := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(ref.Microseconds())/1000, "git-ms")
			b.ReportMetric(float64(ours)/float64(ref), "ratio")
			b.ReportMetric(float64(rep.Metrics.Deployments), "deployments")
			b.ReportMetric(float64(rep.CommitsSeen), "commits")
		})
	}
}
