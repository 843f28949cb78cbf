package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// SynthTop is the top output of the 10,000-package synthetic system of
// ../shared/fixtures/nix; its runtime closure is 10,001 paths.
const SynthTop = "/nix/store/ahs92y11df5jjjkm5cnijvy44z4d39x4-synthetic-system"

// SynthStore imports the synthetic system into a chroot store of its own
// and returns the store's directory: NIXOPS_BENCH_STORE when set, where
// the import (seconds) is done once, else a temporary directory.
func SynthStore(tb testing.TB) string {
	tb.Helper()
	LookPath(tb, "nix-store")
	export := Shared(tb, "fixtures/nix/synthetic-10k.nix-export.zst")
	dir := os.Getenv("NIXOPS_BENCH_STORE")
	if dir == "" {
		dir = tb.TempDir()
	}
	if _, err := os.Stat(filepath.Join(dir, SynthTop)); err == nil {
		return dir
	}
	cmd := exec.Command("sh", "-c", `zstd -dc "$1" | nix-store --store "$2" --option sandbox true --option sandbox-paths '/bin /usr /lib /lib64' --import >/dev/null`, "sh", export, dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("importing %s: %v\n%s", export, err, out)
	}
	return dir
}
