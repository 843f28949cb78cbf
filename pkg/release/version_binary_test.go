package release_test

import (
	"bytes"
	"context"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/release"
)

// Every shipped binary carries the version given to Build and says it on
// its first log line, before reading any input: run with an input that
// does not exist, each must print "<binary> v1.2.3" and fail. A binary
// without main.version would print "dev" (-X on a missing variable is
// silently ignored), and -trimpath keeps the -ldflags out of the build
// info, so the version in the bytes is the variable's.
func TestBuildBinariesCarryVersion(t *testing.T) {
	testenv.LookPath(t, "go")
	if runtime.GOOS != "linux" || (runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64") {
		t.Skipf("the built binaries are for linux, not %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	bins, err := release.Binaries(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	plat := release.Platform{OS: "linux", Arch: runtime.GOARCH}
	// The caller's warm build cache: this test is about the -X value, not
	// reproducibility, which the tests above check with cold caches.
	assets, err := release.Build(context.Background(), release.BuildOptions{Root: repoRoot, Binaries: bins,
		Version: "v1.2.3", Platforms: []release.Platform{plat}, OutDir: t.TempDir(), Env: env(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(assets) != len(bins) {
		t.Fatalf("%d assets for %d binaries", len(assets), len(bins))
	}
	for i, a := range assets {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd := exec.CommandContext(ctx, a.Path, "-no-such-input")
		cmd.Dir = t.TempDir()
		cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + cmd.Dir}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		cancel()
		want := bins[i] + " v1.2.3"
		if first, _, _ := strings.Cut(stderr.String(), "\n"); first != want {
			t.Errorf("%s: first line %q, want %q (all: %q)", a.Name, first, want, stderr.String())
		}
		if err == nil {
			t.Errorf("%s accepted the input -no-such-input", a.Name)
		}
		if bins[i] == "nixops-sbom" {
			checkModules(t, a)
		}
	}
}

// checkModules: the SBOM of a real binary lists the modules linked in,
// syft among them at a version.
func checkModules(t *testing.T, a release.Asset) {
	t.Helper()
	b, err := release.BinaryBOM(a, "v1.2.3", time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	const syft = "pkg:golang/github.com/anchore/syft@v"
	for _, c := range b.Components {
		if strings.HasPrefix(c.PURL, syft) && c.Version != "" && c.Type == "library" && c.Parent == a.Name {
			return
		}
	}
	t.Errorf("the SBOM of %s (%d components) lists no %s", a.Name, len(b.Components), syft)
}
