//go:build linux

package nixchroot

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// Run builds the test binary of the package in pkgDir, then runs it inside
// every chroot of NIXOPS_NIX_CHROOTS, one subtest per chroot; extra args go
// to the test binary (e.g. "-test.run=Integration"). Only tests in pkgDir
// and its testdata/ are available inside.
func Run(t *testing.T, pkgDir string, args ...string) {
	t.Helper()
	if name := os.Getenv(InnerVar); name != "" {
		t.Skipf("already inside chroot %s", name)
	}
	list := os.Getenv(ChrootsVar)
	if list == "" {
		testenv.Skip(t, ChrootsVar+" is not set (make chroots with .ci/nix-chroots DIR, then set it to DIR/trixie:DIR/forky)")
	}
	if os.Geteuid() != 0 {
		testenv.Skip(t, "chroot and mount need root")
	}
	pkgDir, err := filepath.Abs(pkgDir)
	if err != nil {
		t.Fatal(err)
	}
	bin := buildTest(t, pkgDir)
	for _, root := range strings.Split(list, ":") {
		if root == "" {
			continue
		}
		t.Run(filepath.Base(root), func(t *testing.T) { runIn(t, root, pkgDir, bin, args) })
	}
}

func buildTest(t *testing.T, pkgDir string) string {
	t.Helper()
	// go test puts its own GOROOT/bin first on the test's PATH.
	goBin := testenv.LookPath(t, "go")
	bin := filepath.Join(t.TempDir(), "pkg.test")
	cmd := exec.Command(goBin, "test", "-c", "-o", bin, ".")
	cmd.Dir = pkgDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the test binary of %s: %v\n%s", pkgDir, err, out)
	}
	return bin
}

func runIn(t *testing.T, root, pkgDir, bin string, args []string) {
	if _, err := os.Stat(filepath.Join(root, "usr/bin/nix")); err != nil {
		t.Fatalf("%s has no usr/bin/nix: make it with .ci/nix-chroots %s", root, filepath.Dir(root))
	}
	want := dpkgVersion(t, root, "nix-bin")
	lock(t, root)
	work, err := os.MkdirTemp(filepath.Join(root, "tmp"), "nixchroot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(work) })
	pkg := filepath.Join(work, "pkg")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, bin, filepath.Join(pkg, "pkg.test"))
	if _, err := os.Stat(filepath.Join(pkgDir, "testdata")); err == nil {
		if err := os.CopyFS(filepath.Join(pkg, "testdata"), os.DirFS(filepath.Join(pkgDir, "testdata"))); err != nil {
			t.Fatalf("copying testdata into %s: %v", root, err)
		}
	}
	mountAll(t, root)

	inner := "/" + strings.TrimPrefix(pkg, strings.TrimSuffix(root, "/")+"/")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	// os/exec would check Dir outside the chroot, so the shell changes
	// directory inside it.
	shArgs := []string{"-c", `cd "$1" && shift && exec ./pkg.test "$@"`, "sh", inner,
		"-test.v", "-test.count=1", "-test.timeout=14m"}
	cmd := exec.CommandContext(ctx, "/bin/sh", append(shArgs, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root}
	cmd.Env = []string{
		"PATH=/usr/bin:/bin",
		"HOME=" + filepath.Dir(inner),
		"TMPDIR=/tmp",
		testenv.NoSkipVar + "=1",
		InnerVar + "=" + filepath.Base(root),
		VersionVar + "=" + want,
	}
	out, err := cmd.CombinedOutput()
	t.Logf("inside %s (nix-bin %s):\n%s", root, want, out)
	if err != nil {
		t.Fatalf("tests inside %s failed: %v", root, err)
	}
	if !bytes.Contains(out, []byte("\nPASS")) && !bytes.HasPrefix(out, []byte("PASS")) {
		t.Fatalf("tests inside %s printed no PASS", root)
	}
}

var upstreamRE = regexp.MustCompile(`^(?:\d+:)?([0-9][0-9.]*)`)

// dpkgVersion reads the upstream version of pkg from the chroot's dpkg
// database, independently of the nix binary under test.
func dpkgVersion(t *testing.T, root, pkg string) string {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "var/lib/dpkg/status"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	in := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			in = false
		case strings.HasPrefix(line, "Package: "):
			in = strings.TrimPrefix(line, "Package: ") == pkg
		case in && strings.HasPrefix(line, "Version: "):
			if m := upstreamRE.FindStringSubmatch(strings.TrimPrefix(line, "Version: ")); m != nil {
				return strings.TrimSuffix(m[1], ".")
			}
		}
	}
	t.Fatalf("%s is not installed in %s", pkg, root)
	return ""
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o755); err != nil {
		t.Fatal(err)
	}
}

// mountAll mounts what Nix needs inside (it reads /proc/self/exe) and
// unmounts at cleanup, also when the test fails.
func mountAll(t *testing.T, root string) {
	t.Helper()
	mounts := []struct{ src, dir, fstype, data string }{
		{"proc", "proc", "proc", ""},
		{"devpts", "dev/pts", "devpts", "newinstance,ptmxmode=0666"},
	}
	for _, m := range mounts {
		dir := filepath.Join(root, m.dir)
		if mounted(dir) {
			continue // someone else's mount (e.g. `.ci/nix-chroots mount`): leave it
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Mount(m.src, dir, m.fstype, 0, m.data); err != nil {
			testenv.Skip(t, "cannot mount "+m.fstype+" in "+root+": "+err.Error())
		}
		t.Cleanup(func() {
			if err := syscall.Unmount(dir, 0); err != nil {
				_ = syscall.Unmount(dir, syscall.MNT_DETACH)
			}
		})
	}
}

func mounted(dir string) bool {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	abs, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) > 4 && f[4] == abs {
			return true
		}
	}
	return false
}

// lock gives this test binary the chroot alone until the test ends: go test
// runs packages in parallel, and one package unmounting /proc under
// another's running Nix breaks it.
func lock(t *testing.T, root string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(root, "tmp", ".nixchroot.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		t.Fatalf("locking %s: %v", root, err)
	}
	t.Cleanup(func() { f.Close() })
}
