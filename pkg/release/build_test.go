package release_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/release"
)

func TestBuildEnv(t *testing.T) {
	caller := []string{"PATH=/bin", "HOME=/home/u", "GOFLAGS=-race", "GOOS=windows", "GOARCH=386",
		"GOAMD64=v3", "GOEXPERIMENT=arenas", "CGO_ENABLED=1", "CGO_CFLAGS=-O3", "GOWORK=/w/go.work",
		"GOTOOLCHAIN=go1.99.0", "GOENV=/u/go.env", "GODEBUG=x=1", "GOCACHE=/c", "GOMODCACHE=/m",
		"GOPATH=/p", "GOPROXY=https://proxy.example", "GOPRIVATE=example.com/*"}
	got := release.BuildEnv(caller, release.Platform{OS: "darwin", Arch: "arm64"})
	want := []string{"PATH=/bin", "HOME=/home/u", "GOCACHE=/c", "GOMODCACHE=/m", "GOPATH=/p",
		"GOPROXY=https://proxy.example", "GOPRIVATE=example.com/*",
		"GOOS=darwin", "GOARCH=arm64", "CGO_ENABLED=0", "GOFLAGS=", "GOENV=off", "GOWORK=off", "GOTOOLCHAIN=local"}
	if !slices.Equal(got, want) {
		t.Errorf("BuildEnv:\n got %q\nwant %q", got, want)
	}
}

// noisyEnv is a caller whose Go settings would change the binaries if
// they reached the build: flags, target, CPU level, cgo, and the same
// again through a `go env -w` file.
func noisyEnv(t *testing.T) []string {
	goenv := filepath.Join(t.TempDir(), "go.env")
	writeFile(t, goenv, "GOFLAGS=-ldflags=-s\nGOAMD64=v3\n")
	return []string{"GOFLAGS=-ldflags=-s -tags=noise", "GOOS=windows", "GOARCH=386", "GOAMD64=v3",
		"GOARM64=v8.5", "CGO_ENABLED=1", "GOENV=" + goenv}
}

// build copies the module at src to dir and builds it with its own
// GOPATH and GOCACHE under dir.
func build(t *testing.T, src, dir string, bins []string, plats []release.Platform, extra ...string) []release.Asset {
	t.Helper()
	testenv.CopyDir(t, src, dir)
	out := filepath.Join(dir, "..", filepath.Base(dir)+"-dist")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	// GOMODCACHE too: a caller's would be shared, and cleaned below.
	e := env(t, append([]string{"GOPATH=" + dir + "-gopath", "GOMODCACHE=" + dir + "-gopath/pkg/mod",
		"GOCACHE=" + dir + "-gocache"}, extra...)...)
	t.Cleanup(func() { // module files are read-only; go removes them
		cmd := exec.Command("go", "clean", "-modcache")
		cmd.Env = release.BuildEnv(e, release.Platforms[0])
		_ = cmd.Run()
	})
	start := time.Now()
	assets, err := release.Build(context.Background(), release.BuildOptions{Root: dir, Binaries: bins,
		Version: "v1.2.3", Platforms: plats, OutDir: out, Env: e})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("built %d assets in %s from %s", len(assets), time.Since(start).Round(time.Millisecond), dir)
	return assets
}

// sameBytes fails unless a and b are the same assets with the same bytes,
// carrying the version when the binaries declare main.version.
func sameBytes(t *testing.T, a, b []release.Asset, versioned bool) {
	t.Helper()
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("%d assets against %d", len(a), len(b))
	}
	for i := range a {
		x, err := os.ReadFile(a[i].Path)
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(b[i].Path)
		if err != nil {
			t.Fatal(err)
		}
		if a[i].Name != b[i].Name || !bytes.Equal(x, y) || a[i].SHA256 != b[i].SHA256 || sha256Hex(x) != a[i].SHA256 {
			t.Errorf("%s (%s) and %s (%s) differ", a[i].Path, a[i].SHA256, b[i].Path, b[i].SHA256)
		}
		if versioned && !bytes.Contains(x, []byte("v1.2.3")) {
			t.Errorf("%s does not carry the version v1.2.3", a[i].Name)
		}
	}
}

// Two builds of the same source in different directories, with different
// GOPATH and GOCACHE (both cold) and a caller full of Go settings on one
// side, give the same bytes for every platform.
func TestBuildReproducible(t *testing.T) {
	testenv.LookPath(t, "go")
	src := filepath.Join("testdata", "module")
	bins := []string{"nixops-hello", "nixops-world"}
	a := build(t, src, filepath.Join(t.TempDir(), "a"), bins, release.Platforms)
	b := build(t, src, filepath.Join(t.TempDir(), "some", "deeper", "b"), bins, release.Platforms, noisyEnv(t)...)
	sameBytes(t, a, b, true)
	var names []string
	hashes := map[string]bool{}
	for _, as := range a {
		names = append(names, as.Name)
		hashes[as.SHA256] = true
	}
	want := []string{"nixops-hello_v1.2.3_darwin_amd64", "nixops-hello_v1.2.3_darwin_arm64",
		"nixops-hello_v1.2.3_linux_amd64", "nixops-hello_v1.2.3_linux_arm64",
		"nixops-world_v1.2.3_darwin_amd64", "nixops-world_v1.2.3_darwin_arm64",
		"nixops-world_v1.2.3_linux_amd64", "nixops-world_v1.2.3_linux_arm64"}
	if !slices.Equal(names, want) {
		t.Errorf("assets %q, want %q", names, want)
	}
	if len(hashes) != len(want) {
		t.Errorf("%d distinct binaries among %d assets", len(hashes), len(want))
	}
}

// The same for a real binary of the suite, nixops-publish for linux/amd64,
// with different module caches too: each build gets its modules from the
// host's module cache through a file:// proxy into its own GOPATH.
func TestBuildReproducibleRealBinary(t *testing.T) {
	testenv.LookPath(t, "go")
	modcache, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	proxy := []string{"GOPROXY=file://" + filepath.Join(strings.TrimSpace(string(modcache)), "cache", "download"), "GOSUMDB=off"}
	src := t.TempDir()
	copySource(t, src)
	plats := []release.Platform{{OS: "linux", Arch: "amd64"}}
	a := build(t, src, filepath.Join(t.TempDir(), "a"), []string{"nixops-publish"}, plats, proxy...)
	b := build(t, src, filepath.Join(t.TempDir(), "x", "b"), []string{"nixops-publish"}, plats, append(proxy, noisyEnv(t)...)...)
	sameBytes(t, a, b, true)
}

// copySource copies what this module's binaries are built from (go.mod,
// go.sum, cmd/, pkg/, internal/ without tests and testdata) to dst.
func copySource(t *testing.T, dst string) {
	t.Helper()
	for _, f := range []string{"go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(repoRoot, f))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dst, f), string(b))
	}
	for _, top := range []string{"cmd", "pkg", "internal"} {
		err := filepath.WalkDir(filepath.Join(repoRoot, top), func(p string, d os.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case d.IsDir() && d.Name() == "testdata":
				return filepath.SkipDir
			case d.IsDir() || strings.HasSuffix(p, "_test.go"):
				return nil
			}
			rel, err := filepath.Rel(repoRoot, p)
			if err != nil {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			writeFile(t, filepath.Join(dst, rel), string(b))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
