package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/procbench"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// metaFlakeComponents is the size of the build-time closure of
// ../shared/fixtures/nix/meta-flake: 10,000 packages and the top.
const metaFlakeComponents = "10001"

// BenchmarkMetaFlakeProcess measures the flake target as users give it
// (issue 16): the build-time closure of meta-flake, `path:DIR#default`,
// with meta and without, as whole processes alternating with Nix's own
// `nix eval --raw DIR#default.drvPath` + `nix show-derivation -r`,
// medians of b.N rounds (run with -benchtime=5x or 7x). It also reports
// the peak resident memory of each run, Nix's evaluator included (the
// largest process of the tree, as wait4 reports it).
func BenchmarkMetaFlakeProcess(b *testing.B) {
	src := testenv.Shared(b, "fixtures/nix/meta-flake")
	testenv.LookPath(b, "nix")
	dir := filepath.Join(b.TempDir(), "meta-flake")
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		b.Fatal(err)
	}
	bin := filepath.Join(b.TempDir(), "nixops-sbom")
	if out, err := exec.Command(testenv.LookPath(b, "go"), "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	env := append(os.Environ(), "SOURCE_DATE_EPOCH=1700000000", "GITHUB_ACTIONS=")
	ours := func(meta string) *exec.Cmd {
		cmd := exec.Command(bin, "--target", "path:"+dir+"#default", "--closure", "buildtime", "--meta="+meta,
			"--embedded=false", "--format", "cyclonedx-json,spdx-json", "--output-dir", filepath.Join(b.TempDir(), meta))
		cmd.Env = env
		return cmd
	}
	timeNixFlakeOnce(b, dir) // the first evaluation writes the 10,001 .drv files
	var nix, meta, noMeta procbench.Side
	b.ResetTimer()
	for range b.N {
		nix = append(nix, procbench.Sample{Wall: timeNixFlakeOnce(b, dir)})
		meta = append(meta, runFlakeSBOM(b, ours("true")))
		noMeta = append(noMeta, runFlakeSBOM(b, ours("false")))
	}
	b.StopTimer()
	n, m, nm := nix.Median(procbench.Wall), meta.Median(procbench.Wall), noMeta.Median(procbench.Wall)
	peak := max(meta.Peak(), noMeta.Peak())
	b.ReportMetric(n.Seconds(), "s/nix-eval+show")
	b.ReportMetric(m.Seconds()/n.Seconds(), "ratio-meta")
	b.ReportMetric(nm.Seconds()/n.Seconds(), "ratio-no-meta")
	b.ReportMetric(float64(peak)/1e6, "peak-MB")
	b.Logf("median of %d: nix %v; meta: true %v = %.2fx (issue 16's baseline 2.53x, target at most 1.5x); "+
		"meta: false %v = %.2fx (baseline 1.58x); peak RSS %.0f MB (target under 200 MB)",
		b.N, n, m, m.Seconds()/n.Seconds(), nm, nm.Seconds()/n.Seconds(), float64(peak)/1e6)
}

// runFlakeSBOM runs cmd and checks that it wrote the whole SBOM.
func runFlakeSBOM(b *testing.B, cmd *exec.Cmd) procbench.Sample {
	b.Helper()
	s, out := procbench.Run(b, cmd)
	if !strings.Contains(string(out), "components="+metaFlakeComponents+"\n") {
		b.Fatalf("%v: the SBOM is incomplete (want components=%s):\n%s", cmd.Args, metaFlakeComponents, out)
	}
	return s
}

// timeNixFlakeOnce runs Nix's own floor for a flake target: evaluate the
// derivation path, then print the derivation closure.
func timeNixFlakeOnce(b *testing.B, dir string) time.Duration {
	b.Helper()
	nixArgs := []string{"--extra-experimental-features", "nix-command flakes"}
	start := time.Now()
	out, err := exec.Command("nix", append(nixArgs, "eval", "--raw", dir+"#default.drvPath")...).Output()
	if err != nil {
		b.Fatalf("nix eval %s#default.drvPath: %v", dir, err)
	}
	show := exec.Command("nix", append(nixArgs, "show-derivation", "-r", strings.TrimSpace(string(out)))...)
	show.Stdout = io.Discard
	if err := show.Run(); err != nil {
		b.Fatalf("nix show-derivation -r %s: %v", out, err)
	}
	return time.Since(start)
}
