package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/procbench"
)

// BenchmarkCompareTo10kProcess measures what compare-to adds to the SBOM
// of the 10,000-package closure: whole processes with and without it,
// alternating, medians. The earlier SBOM is the closure's own, so the
// diff is empty and every package is matched. Target (no issue sets one):
// under 2x the run without, so the diff never costs more than the SBOM.
func BenchmarkCompareTo10kProcess(b *testing.B) {
	st := synthStore(b)
	bin := procbench.Build(b, ".")
	dir := b.TempDir()
	args := []string{"--nix-store", st, "--target", synthTop, "--embedded=false", "--format", "cyclonedx-json"}
	env := append(os.Environ(), "SOURCE_DATE_EPOCH=1700000000", "GITHUB_ACTIONS=")
	cmd := func(extra ...string) func() *exec.Cmd {
		return func() *exec.Cmd {
			c := exec.Command(bin, slices.Concat(args, extra)...)
			c.Env = env
			return c
		}
	}
	base := filepath.Join(dir, "base")
	out, err := cmd("--output-dir", base)().CombinedOutput()
	if err != nil {
		b.Fatalf("%v\n%s", err, out)
	}
	withDiff := cmd("--output-dir", filepath.Join(dir, "diff"), "--compare-to", filepath.Join(base, "sbom.cdx.json"))
	out, err = withDiff().CombinedOutput()
	if err != nil || !strings.Contains(string(out), "packages-changed=0\n") || !strings.Contains(string(out), "closure-bytes-delta=0\n") {
		b.Fatalf("the closure against its own SBOM: %v\n%s", err, out)
	}
	b.ResetTimer()
	ours, plain := procbench.Compare(b, procbench.Pairs(b, 3), withDiff, cmd("--output-dir", filepath.Join(dir, "plain")))
	b.StopTimer()
	if r := procbench.Report(b, ours, plain); r > 2 {
		b.Errorf("compare-to makes the run %.2fx as long; target: under 2x", r)
	}
}
