// Package procbench times commands as users meet them: whole processes,
// run alternately against a baseline so both see the same machine load,
// summarised by medians and their ratio. In-process benchmarks find where
// time goes; these hold the targets the issues set.
package procbench

import (
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"
)

// Sample is one finished run.
type Sample struct {
	Wall, CPU time.Duration
	PeakRSS   int64 // bytes
}

// Side is the runs of one command.
type Side []Sample

// Median is the median of what of the runs.
func (s Side) Median(of func(Sample) time.Duration) time.Duration {
	ds := make([]time.Duration, len(s))
	for i, x := range s {
		ds[i] = of(x)
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// Peak is the largest peak resident size of the runs.
func (s Side) Peak() int64 {
	var p int64
	for _, x := range s {
		p = max(p, x.PeakRSS)
	}
	return p
}

// Wall and CPU pick a figure of a Sample, for Median.
func Wall(s Sample) time.Duration { return s.Wall }
func CPU(s Sample) time.Duration  { return s.CPU }

// Compare runs ours and theirs alternately, pairs times after one untimed
// pair, swapping which goes first each pair. Each func makes a fresh
// command (and may reset what the last run left).
func Compare(b *testing.B, pairs int, ours, theirs func() *exec.Cmd) (Side, Side) {
	b.Helper()
	Run(b, ours())
	Run(b, theirs())
	var sides [2]Side
	cmds := [2]func() *exec.Cmd{ours, theirs}
	for i := range pairs {
		for k := range 2 {
			j := k ^ (i & 1)
			s, _ := Run(b, cmds[j]())
			sides[j] = append(sides[j], s)
		}
	}
	return sides[0], sides[1]
}

// Report logs the medians and ratios and reports them as metrics.
func Report(b *testing.B, ours, theirs Side) (wallRatio float64) {
	b.Helper()
	wallRatio = float64(ours.Median(Wall)) / float64(theirs.Median(Wall))
	cpuRatio := float64(ours.Median(CPU)) / float64(theirs.Median(CPU))
	b.Logf("medians of %d alternating runs: ours %v wall %v CPU %.0f MiB; baseline %v wall %v CPU %.0f MiB; ratio %.2fx wall, %.2fx CPU",
		len(ours), ours.Median(Wall), ours.Median(CPU), float64(ours.Peak())/(1<<20),
		theirs.Median(Wall), theirs.Median(CPU), float64(theirs.Peak())/(1<<20), wallRatio, cpuRatio)
	b.ReportMetric(wallRatio, "wall-ratio")
	b.ReportMetric(cpuRatio, "cpu-ratio")
	return wallRatio
}

// Run runs cmd once, failing the benchmark if it fails, and returns its
// figures and its output (stdout and stderr together, which cmd must
// not have set), for a benchmark that checks what the command did.
func Run(b *testing.B, cmd *exec.Cmd) (Sample, []byte) {
	b.Helper()
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(start)
	if err != nil {
		b.Fatalf("%v: %v\n%s", cmd.Args, err, out)
	}
	s := Sample{Wall: wall, CPU: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.PeakRSS = ru.Maxrss * 1024 // Linux counts KiB
	}
	return s, out
}

// Build compiles the main package in dir as a user's binary is built.
func Build(b *testing.B, dir string) string {
	b.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		b.Fatal(err)
	}
	bin := filepath.Join(b.TempDir(), filepath.Base(abs))
	out, err := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-o", bin, dir).CombinedOutput()
	if err != nil {
		b.Fatalf("go build %s: %v\n%s", dir, err, out)
	}
	return bin
}

// Pairs is b.N, at least min.
func Pairs(b *testing.B, min int) int { return max(b.N, min) }
