package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/procbench"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/nixinstall"
	"github.com/voidnxsec/nixops-actions/pkg/nixinstall/releasetest"
)

// benchInstall is the installer in the benchmark's release: it copies the
// store into the profile's home and links bin/nix, as the official
// single-user installer copies its store paths into /nix/store. Absolute
// programs: setup-nix runs it with the step's PATH, which holds no Nix.
const benchInstall = `#!/bin/sh
set -e
here=$(/usr/bin/dirname "$0")
/bin/mkdir -p "$HOME/store" "$HOME/.nix-profile/bin"
/bin/cp -RPp "$here"/store/* "$HOME/store/"
/bin/ln -s "$HOME"/store/*-nix-*/bin/nix "$HOME/.nix-profile/bin/nix"
`

// BenchmarkInstall is issue 11's install measurement: setup-nix in install
// mode (download, SHA-256 while streaming, unpack in Go, the installer,
// then Nix's configuration read back) against curl, sha256sum -c and
// tar -xJ of the same tarball and the same installer, then nix --version,
// as whole processes against a local release host. The release holds the
// real Nix behind a script plus about 100 MB of real shared libraries
// (10 MB with -short), near the size of an official tarball unpacked.
func BenchmarkInstall(b *testing.B) {
	for _, d := range nixinstall.SearchDirs("", "")[:2] {
		if _, err := os.Stat(d); err == nil {
			b.Skipf("%s exists: setup-nix would adopt that Nix", d)
		}
	}
	curl, nix := testenv.LookPath(b, "curl"), testenv.LookPath(b, "nix")
	system, err := nixinstall.System(runtime.GOOS, runtime.GOARCH)
	if err != nil {
		b.Skip(err)
	}
	version := realVersion(b)
	tarball := benchTarball(b, version, system, nix)
	body, err := os.ReadFile(tarball)
	if err != nil {
		b.Fatal(err)
	}
	sum := releasetest.SHA256(body)
	srv := releasetest.Serve(b, version, system, body, nil)
	url := fmt.Sprintf("%s/nix-%s/nix-%s-%s.tar.xz", srv.URL, version, version, system)
	bin, base := procbench.Build(b, "."), b.TempDir()
	empty := filepath.Join(base, "empty")
	os.MkdirAll(empty, 0o755)
	home := filepath.Join(base, "home")
	ours := func() *exec.Cmd {
		fresh(b, home)
		cmd := exec.Command(bin, "-nix-version", version, "-nix-sha256", sum, "-release-url", srv.URL)
		cmd.Env = []string{"HOME=" + home, "PATH=" + empty, "RUNNER_TEMP=" + base}
		return cmd
	}
	script := `set -e; cd "$HOME"; "$CURL" -sSf -o n.tar.xz "$URL"; echo "$SUM  n.tar.xz" | sha256sum -c --quiet; tar -xJf n.tar.xz; ./nix-*/install --no-daemon --yes --no-channel-add; "$HOME/.nix-profile/bin/nix" --version`
	theirs := func() *exec.Cmd {
		fresh(b, home)
		cmd := exec.Command("/bin/sh", "-c", script)
		cmd.Env = []string{"HOME=" + home, "PATH=/usr/bin:/bin", "CURL=" + curl, "URL=" + url, "SUM=" + sum}
		return cmd
	}
	b.ResetTimer()
	o, t := procbench.Compare(b, procbench.Pairs(b, 5), ours, theirs)
	b.StopTimer()
	b.Logf("release tarball %.1f MiB", float64(len(body))/(1<<20))
	procbench.Report(b, o, t)
}

func fresh(b *testing.B, dir string) {
	if err := os.RemoveAll(dir); err != nil {
		b.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
}

// benchTarball lays out nix-<v>-<system>/ with the installer, the real
// Nix behind a script, and a store path of shared libraries, and packs it
// with tar and xz as the release's tarballs are.
func benchTarball(b *testing.B, version, system, nix string) string {
	b.Helper()
	dir := b.TempDir()
	top := filepath.Join(dir, "nix-"+version+"-"+system)
	nixBin := filepath.Join(top, "store", "aaaa-nix-"+version, "bin")
	libs := filepath.Join(top, "store", "bbbb-libs", "lib")
	for _, d := range []string{nixBin, libs} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			b.Fatal(err)
		}
	}
	write := func(name, text string) {
		if err := os.WriteFile(name, []byte(text), 0o755); err != nil {
			b.Fatal(err)
		}
	}
	write(filepath.Join(top, "install"), benchInstall)
	write(filepath.Join(nixBin, "nix"), "#!/bin/sh\nexec "+nix+" \"$@\"\n")
	budget := int64(100 << 20)
	if testing.Short() {
		budget = 10 << 20
	}
	copyLibs(b, libs, budget)
	out := filepath.Join(dir, "release.tar.xz")
	cmd := exec.Command("/bin/sh", "-c", `tar -C "$DIR" -cf - "$TOP" | xz -6 -T2 > "$OUT"`)
	cmd.Env = append(os.Environ(), "DIR="+dir, "TOP="+filepath.Base(top), "OUT="+out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("packing the release: %v\n%s", err, msg)
	}
	return out
}

// copyLibs copies regular files of the machine's shared libraries into dir
// until budget bytes.
func copyLibs(b *testing.B, dir string, budget int64) {
	names, _ := filepath.Glob("/usr/lib/*-linux-gnu/*.so*")
	for _, n := range names {
		fi, err := os.Lstat(n)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if fi.Size() > budget {
			continue // a library larger than what is left
		}
		budget -= fi.Size()
		data, err := os.ReadFile(n)
		if err != nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(n)), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	if budget > 1<<20 {
		b.Logf("the machine's shared libraries fall %d MiB short of the budget", budget>>20)
	}
}
