package release_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/release"
)

// Every shipped binary carries the version given to Build in its
// main.version: -X on a missing variable is silently ignored, and
// -trimpath keeps the -ldflags out of the build info, so the version is
// in the bytes only through the variable. nixops-dora, run on a directory
// that is no repository, shows it as its first line once its inputs are
// read (the other binaries need a Nix or a server to get that far).
func TestBuildBinariesCarryVersion(t *testing.T) {
	testenv.LookPath(t, "go")
	if runtime.GOOS != "linux" || (runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64") {
		t.Skipf("the built binaries are for linux, not %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	bins, err := release.Binaries(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	const v = "v1.2.3-carried.7"
	plat := release.Platform{OS: "linux", Arch: runtime.GOARCH}
	// The caller's warm build cache: this test is about the -X value, not
	// reproducibility, which the tests above check with cold caches.
	assets, err := release.Build(context.Background(), release.BuildOptions{Root: repoRoot, Binaries: bins,
		Version: v, Platforms: []release.Platform{plat}, OutDir: t.TempDir(), Env: env(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(assets) != len(bins) {
		t.Fatalf("%d assets for %d binaries", len(assets), len(bins))
	}
	for i, a := range assets {
		b, err := os.ReadFile(a.Path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(v)) {
			t.Errorf("%s does not carry the version %s", a.Name, v)
		}
		switch bins[i] {
		case "nixops-dora":
			checkVersionLine(t, a, "nixops-dora "+v)
		case "nixops-sbom":
			checkModules(t, a)
		}
	}
}

func checkVersionLine(t *testing.T, a release.Asset, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()
	cmd := exec.CommandContext(ctx, a.Path, "-repo", dir, "-output-dir", filepath.Join(dir, "out"))
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + dir, "GIT_CONFIG_NOSYSTEM=1", "GIT_CEILING_DIRECTORIES=" + dir}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if first, _, _ := strings.Cut(stderr.String(), "\n"); first != want {
		t.Errorf("%s: first line %q, want %q (all: %q)", a.Name, first, want, stderr.String())
	}
	if err == nil {
		t.Errorf("%s measured a directory that is no repository", a.Name)
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
