package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/procbench"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// benchRoot is a package of the synthetic system whose runtime closure is
// 1,085 paths, the "closure of 1,000 store paths".
const benchRoot = "/nix/store/36lyk5wvgyx3yfah1n734mw8j1d1isza-pcre-1229-0.6.0"

// BenchmarkSave1000 is issue 11's cache measurement: setup-nix/save of a
// 1,085-path closure into an empty cache (closure query, upstream check
// against Nix's substituters, copy, prune) and again into the cache it
// made (nothing to add), each against `nix copy --to file://` of the
// same closure alone, as whole processes.
func BenchmarkSave1000(b *testing.B) {
	st := testenv.SynthStore(b)
	nix := testenv.LookPath(b, "nix")
	bin := procbench.Build(b, ".")
	dir := filepath.Join(b.TempDir(), "cache")
	env := append(os.Environ(), "NIX_REMOTE="+st, "NIX_CONFIG=substituters =")
	save := func(empty bool) func() *exec.Cmd {
		return func() *exec.Cmd {
			if empty {
				os.RemoveAll(dir)
			}
			cmd := exec.Command(bin, "-paths", benchRoot, "-cache-dir", dir, "-cache-key", "bench")
			cmd.Env = env
			return cmd
		}
	}
	copyAlone := func(empty bool) func() *exec.Cmd {
		return func() *exec.Cmd {
			if empty {
				os.RemoveAll(dir)
			}
			cmd := exec.Command(nix, "--extra-experimental-features", "nix-command", "copy", "--to", "file://"+dir+"?compression=zstd", benchRoot)
			cmd.Env = env
			return cmd
		}
	}
	b.ResetTimer()
	for _, empty := range []bool{true, false} {
		o, t := procbench.Compare(b, procbench.Pairs(b, 5), save(empty), copyAlone(empty))
		b.Logf("into an empty cache: %v", empty)
		procbench.Report(b, o, t)
	}
}
