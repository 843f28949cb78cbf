package atomicfile_test

// Real failures (a directory the process may not write, a write that the
// kernel cuts short) are produced in a child process: it gives up privileges
// or lowers its file-size limit for itself only, so parallel tests in this
// process are unaffected.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/voidnxsec/nixops-actions/pkg/atomicfile"
)

const (
	helperVar = "ATOMICFILE_TEST_HELPER" // scenario the child runs
	pathVar   = "ATOMICFILE_TEST_PATH"   // destination the child writes
	fileLimit = 4096                     // RLIMIT_FSIZE in the "efbig" child
)

func TestMain(m *testing.M) {
	if scenario := os.Getenv(helperVar); scenario != "" {
		os.Exit(helper(scenario, os.Getenv(pathVar)))
	}
	os.Exit(m.Run())
}

// helper runs in the child. It prints the error the package returned and
// exits 0, or exits 3 when the write wrongly succeeded.
func helper(scenario, path string) int {
	mode, stream, _ := strings.Cut(scenario, "+")
	var err error
	switch mode {
	case "unwritable":
		err = dropDACOverride()
	case "efbig":
		signal.Ignore(syscall.SIGXFSZ) // get EFBIG from write instead of dying
		err = syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: fileLimit, Max: fileLimit})
	default:
		err = fmt.Errorf("unknown scenario %q", scenario)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper setup:", err)
		return 4
	}
	data := bytes.Repeat([]byte("x"), 16*fileLimit)
	if stream == "stream" {
		err = writeStream(path, data)
	} else {
		err = atomicfile.Write(path, data, 0o644)
	}
	if err == nil {
		return 3
	}
	fmt.Print(err)
	return 0
}

// writeStream writes in chunks, as an encoder would, ignoring write errors
// the way careless callers do: Commit must still refuse.
func writeStream(path string, data []byte) error {
	f, err := atomicfile.Create(path, 0o644)
	if err != nil {
		return err
	}
	defer f.Abort()
	for chunk := range slices.Chunk(data, 1000) {
		_, _ = f.Write(chunk)
	}
	return f.Commit()
}

// dropDACOverride removes the capabilities that let root ignore file modes,
// so a 0555 directory is unwritable even when the tests run as root.
func dropDACOverride() error {
	const (
		capV3          = 0x20080522
		dacOverride    = 1
		dacReadSearch  = 2
		fowner         = 3
		linuxImmutable = 9
	)
	hdr := struct {
		version uint32
		pid     int32
	}{version: capV3}
	var data [2]struct{ effective, permitted, inheritable uint32 }
	if _, _, e := syscall.RawSyscall(syscall.SYS_CAPGET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data[0])), 0); e != 0 {
		return fmt.Errorf("capget: %w", e)
	}
	keep := ^uint32(1<<dacOverride | 1<<dacReadSearch | 1<<fowner | 1<<linuxImmutable)
	data[0].effective &= keep
	data[0].permitted &= keep
	data[0].inheritable &= keep
	_, _, e := syscall.AllThreadsSyscall(syscall.SYS_CAPSET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data[0])), 0)
	if e == syscall.ENOTSUP {
		// With cgo (go test -race) only this thread can be changed: keep
		// the goroutine on it, since regular-file syscalls run in place.
		runtime.LockOSThread()
		_, _, e = syscall.RawSyscall(syscall.SYS_CAPSET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data[0])), 0)
	}
	if e != 0 {
		return fmt.Errorf("capset: %w", e)
	}
	return nil
}

func runHelper(t *testing.T, scenario, path string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperVar+"="+scenario, pathVar+"="+path)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 3 {
		t.Fatalf("scenario %s: writing %s succeeded, want a failure", scenario, path)
	}
	if err != nil {
		t.Fatalf("scenario %s: helper failed: %v\n%s", scenario, err, stderr.Bytes())
	}
	return stdout.String()
}

func TestUnwritableDirectory(t *testing.T) {
	t.Parallel()
	for _, scenario := range []string{"unwritable", "unwritable+stream"} {
		t.Run(scenario, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "ro")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "sbom.json")
			if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, 0o555); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = os.Chmod(dir, 0o755) }) // so TempDir can be removed

			got := runHelper(t, scenario, path)
			want := `output directory "` + dir + `" is not writable: fix its permissions or choose another output path: open ` + dir + "/.sbom.json.tmp-"
			if !strings.HasPrefix(got, want) || !strings.HasSuffix(got, ": permission denied") {
				t.Errorf("error\n%s\nwant prefix\n%s\nand suffix: permission denied", got, want)
			}
			wantContent(t, path, "old")
			wantEntries(t, dir, "sbom.json")
		})
	}
}

func TestFailureMidWrite(t *testing.T) {
	t.Parallel()
	for _, scenario := range []string{"efbig", "efbig+stream"} {
		t.Run(scenario, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "sbom.json")
			if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			got := runHelper(t, scenario, path)
			want := `writing "` + path + `" failed (is the disk full?): write ` + dir + "/.sbom.json.tmp-"
			if !strings.HasPrefix(got, want) || !strings.HasSuffix(got, ": file too large") {
				t.Errorf("error\n%s\nwant prefix\n%s\nand suffix: file too large", got, want)
			}
			wantContent(t, path, "old")
			wantEntries(t, dir, "sbom.json")
		})
	}
}
