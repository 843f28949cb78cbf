package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/procbench"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/action"
)

// The 10,000-package synthetic system of ../shared/fixtures/nix.
const (
	synthTop = testenv.SynthTop
	synthDrv = "/nix/store/vxh50p9l05fy9fv86s317msrxicgbq2j-synthetic-system.drv"
)

// synthStore is the fixture imported into a store of its own.
func synthStore(b testing.TB) string { return testenv.SynthStore(b) }

// synthComponents is the size of the fixture's runtime closure, each
// path one component.
const synthComponents = "10001"

// BenchmarkSBOM10k measures the end-to-end SBOM of the 10,000-package
// runtime closure (CycloneDX JSON and SPDX JSON, no embedded scan) against
// Nix's own queries of the same closure, and reports the ratio. Target:
// within 5% of 1.14, the figure when issue 7 was filed.
func BenchmarkSBOM10k(b *testing.B) {
	st := synthStore(b)
	nixTime := timeNix(b, st)
	out := b.TempDir()
	args := []string{"--nix-store", st, "--target", synthTop, "--embedded=false", "--format", "cyclonedx-json,spdx-json", "--output-dir", out}
	getenv := func(k string) string {
		if k == "SOURCE_DATE_EPOCH" {
			return "1700000000"
		}
		return ""
	}
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		var stdout bytes.Buffer
		if code := action.Run(context.Background(), run, action.WithArgs(args), action.WithGetenv(getenv), action.WithStdout(&stdout), action.WithStderr(io.Discard)); code != 0 {
			b.Fatalf("nixops-sbom exited %d", code)
		}
		if !strings.Contains(stdout.String(), "components="+synthComponents+"\n") {
			b.Fatalf("the SBOM is incomplete: outputs\n%s\nwant components=%s", stdout.String(), synthComponents)
		}
	}
	ours := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(ours.Seconds(), "s/sbom")
	b.ReportMetric(nixTime.Seconds(), "s/nix-queries")
	b.ReportMetric(ours.Seconds()/nixTime.Seconds(), "ratio-vs-nix")
	b.Logf("ratio-vs-nix %.2f; target: within 5%% of 1.14 (issue 7's baseline)", ours.Seconds()/nixTime.Seconds())
}

// BenchmarkSBOM10kProcess measures as users meet it: whole processes, the
// binary against Nix's two queries, alternating, medians of b.N rounds.
// The store is named two ways, --nix-store DIR and NIX_REMOTE=DIR; both
// read the store database (the log must say so) and the .drv files from
// disk. Issue 16's target: at most 0.5x Nix's queries, and a peak
// resident size under 200 MB.
func BenchmarkSBOM10kProcess(b *testing.B) {
	st := synthStore(b)
	bin := filepath.Join(b.TempDir(), "nixops-sbom")
	if out, err := exec.Command(testenv.LookPath(b, "go"), "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	out := b.TempDir()
	args := []string{"--target", synthTop, "--embedded=false", "--format", "cyclonedx-json,spdx-json", "--output-dir", out}
	env := append(os.Environ(), "SOURCE_DATE_EPOCH=1700000000", "GITHUB_ACTIONS=")
	var nix, flag, remote procbench.Side
	b.ResetTimer()
	for range b.N {
		nix = append(nix, procbench.Sample{Wall: timeNixOnce(b, st)})
		byFlag := exec.Command(bin, append([]string{"--nix-store", st}, args...)...)
		byFlag.Env = env
		flag = append(flag, runSBOM(b, byFlag))
		byEnv := exec.Command(bin, args...)
		byEnv.Env = slices.Concat(env, []string{"NIX_REMOTE=" + st})
		remote = append(remote, runSBOM(b, byEnv))
	}
	b.StopTimer()
	n, f, r := nix.Median(procbench.Wall), flag.Median(procbench.Wall), remote.Median(procbench.Wall)
	peak := max(flag.Peak(), remote.Peak())
	b.ReportMetric(n.Seconds(), "s/nix-queries")
	b.ReportMetric(f.Seconds()/n.Seconds(), "ratio-nix-store")
	b.ReportMetric(r.Seconds()/n.Seconds(), "ratio-NIX_REMOTE")
	b.ReportMetric(float64(peak)/1e6, "peak-MB")
	b.Logf("median of %d: nix %v, --nix-store %v (%.2fx), NIX_REMOTE %v (%.2fx), both reading the store database; peak RSS %.0f MB; targets: at most 0.5x, under 200 MB",
		b.N, n, f, f.Seconds()/n.Seconds(), r, r.Seconds()/n.Seconds(), float64(peak)/1e6)
}

// runSBOM runs cmd and checks that it read the store database and wrote
// the whole SBOM.
func runSBOM(b *testing.B, cmd *exec.Cmd) procbench.Sample {
	b.Helper()
	s, out := procbench.Run(b, cmd)
	if !strings.Contains(string(out), "components="+synthComponents+"\n") {
		b.Fatalf("%v: the SBOM is incomplete:\n%s", cmd.Args, out)
	}
	if !strings.Contains(string(out), "reading the store database ") {
		b.Fatalf("%v did not read the store database:\n%s", cmd.Args, out)
	}
	return s
}

// timeNix runs `nix path-info --json -r` plus `nix show-derivation -r`, the
// baseline the issue names, best of three.
func timeNix(b *testing.B, st string) time.Duration {
	b.Helper()
	best := time.Duration(1<<63 - 1)
	for range 3 {
		best = min(best, timeNixOnce(b, st))
	}
	return best
}

func timeNixOnce(b *testing.B, st string) time.Duration {
	b.Helper()
	start := time.Now()
	for _, args := range [][]string{
		{"path-info", "--store", st, "--json", "-r", synthTop},
		{"show-derivation", "--store", st, "-r", synthDrv},
	} {
		cmd := exec.Command("nix", append([]string{"--extra-experimental-features", "nix-command"}, args...)...)
		cmd.Stdout = io.Discard
		if err := cmd.Run(); err != nil {
			b.Fatalf("nix %v: %v", args, err)
		}
	}
	return time.Since(start)
}
