package dora

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/action"
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

// benchCase is one history the benchmark measures, with the ratio it must
// stay under and the one measured when it was last changed.
type benchCase struct {
	n        int
	graph    bool
	window   string
	baseline float64 // ratio recorded last (see below); 0: none
}

// ratioTarget is the ratio every case must stay under.
const ratioTarget = 2.0

// BenchmarkCompute100k measures Compute on generated histories against
// git log --all --format='%H %P %at %ct' over the same repository: the
// ratio metric is our time over git's, printed next to its target and the
// baseline. The window "all" covers the whole history (every deployment's
// statistics: the worst case); "90d" is the default. Sizes 25k and 50k
// show how memory grows. Each run checks that the whole history was read
// and that the deployments are those git lists. With -short, one history
// of 2,000 commits checks the benchmark itself (CI's smoke run).
//
// Baseline: the ratio last recorded for 100k commits with a commit-graph
// (1.06, issue 7); the other cases have none recorded yet. On a loaded
// machine the ratio of one run means little: compare medians of
// alternating runs.
func BenchmarkCompute100k(b *testing.B) {
	git := testenv.LookPath(b, "git")
	cases := []benchCase{
		{100_000, true, "all", 1.06}, {100_000, true, "90d", 0}, {100_000, false, "all", 0},
		{25_000, true, "all", 0}, {50_000, true, "all", 0},
	}
	if testing.Short() {
		cases = []benchCase{{2_000, true, "all", 0}, {2_000, false, "30d", 0}}
	}
	for _, c := range cases {
		name := fmt.Sprintf("commits=%dk/graph=%v/window=%s", c.n/1000, c.graph, c.window)
		b.Run(name, func(b *testing.B) { benchCompute(b, git, c) })
	}
}

func benchCompute(b *testing.B, git string, c benchCase) {
	dir := benchRepo(b, git, c.n, c.graph)
	ref := gitLogTime(b, git, dir)
	cfg := DefaultConfig()
	if c.window == "all" {
		cfg.Window = "10000d"
	} else {
		cfg.Window = c.window
	}
	want := gitDeployments(b, git, dir, cfg.Window)
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
	b.StopTimer()
	if rep.CommitsSeen != c.n || rep.Metrics.Deployments != want {
		b.Fatalf("%d commits, %d deployments; want %d and the %d release tags git dates in the window", rep.CommitsSeen, rep.Metrics.Deployments, c.n, want)
	}
	b.ReportMetric(float64(ref.Microseconds())/1000, "git-ms")
	b.ReportMetric(float64(ours)/float64(ref), "ratio")
	b.ReportMetric(ratioTarget, "target-ratio")
	if c.baseline > 0 {
		b.ReportMetric(c.baseline, "baseline-ratio")
	}
	b.ReportMetric(float64(rep.Metrics.Deployments), "deployments")
	b.ReportMetric(float64(rep.CommitsSeen), "commits")
}

// gitDeployments counts, with git for-each-ref, the annotated v* tags
// dated in the window ending at HEAD's committer time or the latest tag
// on HEAD, the same rule as Compute's, from git's view of the refs.
func gitDeployments(b *testing.B, git, dir, window string) int {
	w, err := action.ParseDuration(window)
	if err != nil {
		b.Fatal(err)
	}
	end, err := strconv.ParseInt(strings.TrimSpace(run(b, git, dir, "log", "-1", "--format=%ct", "HEAD")), 10, 64)
	if err != nil {
		b.Fatal(err)
	}
	head := strings.TrimSpace(run(b, git, dir, "rev-parse", "HEAD"))
	var dates []int64
	for _, l := range strings.Fields(run(b, git, dir, "for-each-ref", "--format=%(objecttype):%(taggerdate:unix):%(*objectname)", "refs/tags/v*")) {
		f := strings.Split(l, ":")
		d, err := strconv.ParseInt(f[1], 10, 64)
		if f[0] != "tag" || err != nil {
			b.Fatalf("tag %q is not annotated with a date; the generator writes only annotated tags", l)
		}
		dates = append(dates, d)
		if f[2] == head {
			end = max(end, d)
		}
	}
	n := 0
	for _, d := range dates {
		if d > end-int64(w.Seconds()) && d <= end {
			n++
		}
	}
	return n
}
