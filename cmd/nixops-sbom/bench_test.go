package main

import (
	"context"
	"github.com/voidnxsec/nixops-actions/pkg/action"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// The 10,000-package synthetic system of ../shared/fixtures/nix.
const (
	synthTop = "/nix/store/ahs92y11df5jjjkm5cnijvy44z4d39x4-synthetic-system"
	synthDrv = "/nix/store/vxh50p9l05fy9fv86s317msrxicgbq2j-synthetic-system.drv"
)

// synthStore imports the fixture into a store of its own, once per
// NIXOPS_BENCH_STORE directory when set (the import takes seconds).
func synthStore(b *testing.B) string {
	b.Helper()
	testenv.LookPath(b, "nix-store")
	export := testenv.Shared(b, "fixtures/nix/synthetic-10k.nix-export.zst")
	dir := os.Getenv("NIXOPS_BENCH_STORE")
	if dir == "" {
		dir = b.TempDir()
	}
	if _, err := os.Stat(filepath.Join(dir, synthTop)); err == nil {
		return dir
	}
	cmd := exec.Command("sh", "-c", `zstd -dc "$1" | nix-store --store "$2" --option sandbox true --option sandbox-paths '/bin /usr /lib /lib64' --import >/dev/null`, "sh", export, dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("importing %s: %v\n%s", export, err, out)
	}
	return dir
}

// BenchmarkSBOM10k measures the end-to-end SBOM of the 10,000-package
// runtime closure (CycloneDX JSON and SPDX JSON, no embedded scan) against
// Nix's own queries of the same closure, and reports the ratio.
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
		if code := action.Run(context.Background(), run, action.WithArgs(args), action.WithGetenv(getenv), action.WithStdout(io.Discard), action.WithStderr(io.Discard)); code != 0 {
			b.Fatalf("nixops-sbom exited %d", code)
		}
	}
	ours := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(ours.Seconds(), "s/sbom")
	b.ReportMetric(nixTime.Seconds(), "s/nix-queries")
	b.ReportMetric(ours.Seconds()/nixTime.Seconds(), "ratio-vs-nix")
}

// timeNix runs `nix path-info --json -r` plus `nix show-derivation -r`, the
// baseline the issue names, best of three.
func timeNix(b *testing.B, st string) time.Duration {
	b.Helper()
	best := time.Duration(1<<63 - 1)
	for range 3 {
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
		best = min(best, time.Since(start))
	}
	return best
}
