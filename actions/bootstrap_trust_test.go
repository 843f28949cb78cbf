package actions_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// sourceTree is a throw-away action repository holding the hello command,
// an embedded-style data file and the checksums file of a branch.
func sourceTree(t *testing.T, actionDir string) tree {
	t.Helper()
	tr := newTree(t, actionDir)
	testenv.CopyDir(t, filepath.Join("testdata", "source"), tr.root)
	writeFile(t, filepath.Join(tr.root, "pkg", "closure", "meta.nix"), "{ drv }: drv.meta or { }\n", 0o644)
	writeFile(t, filepath.Join(tr.root, "actions", "checksums.txt"), "# a branch: no release\n", 0o644)
	return tr
}

// A commit SHA is what security advice says to pin; its tree's checksums
// name one release, which is downloaded and verified, never compiled.
func TestBootstrapSHARefDownloads(t *testing.T) {
	testenv.LookPath(t, "curl")
	binary := []byte("#!/bin/sh\necho release build\n")
	const sha = "0123456789abcdef0123456789abcdef01234567"
	const asset = fakeName + "_v1.4.0_linux_amd64"
	for _, tc := range []struct {
		name, actionDir string
		env             map[string]string
	}{
		{"runner-checkout-directory", "_actions/voidnxsec/nixops-actions/" + sha + "/sbom", nil},
		{"action-ref", "repo/sbom", map[string]string{"ACTION_REF": sha, "ACTION_REPOSITORY": "voidnxsec/nixops-actions"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rel := newRelease(t, map[string][]byte{"/voidnxsec/nixops-actions/releases/download/v1.4.0/" + asset: binary})
			tr := newTree(t, tc.actionDir)
			writeFile(t, filepath.Join(tr.root, "actions", "checksums.txt"), sum(binary)+"  "+asset+"\n", 0o644)
			env := map[string]string{"NIXOPS_RELEASE_HOST": rel.srv.URL, "PATH": pathWithout(t, "go")}
			for k, v := range tc.env {
				env[k] = v
			}
			r := tr.bootstrap(t, fakeName, env)
			if r.exit != 0 || !strings.Contains(r.log, "ref "+sha+" resolves to release v1.4.0") {
				t.Fatalf("exit %d, want the release of the pinned commit:\n%s", r.exit, r.log)
			}
			assertRuns(t, r.path(), "release build")
		})
	}
}

// A binary that someone else put in the tool cache is never run: not one
// without the hash recorded at build time, not one whose hash changed, not
// one in a directory others can write.
func TestBootstrapPlantedBinaryNotRun(t *testing.T) {
	testenv.LookPath(t, "go")
	plants := map[string]func(t *testing.T, bin string){
		"no-recorded-hash": func(t *testing.T, bin string) {
			writeFile(t, bin, "#!/bin/sh\necho planted\n", 0o755)
			_ = os.Remove(bin + ".sha256")
		},
		"binary-replaced": func(t *testing.T, bin string) {
			writeFile(t, bin, "#!/bin/sh\necho planted\n", 0o755)
		},
		"hash-and-binary-replaced-in-a-shared-dir": func(t *testing.T, bin string) {
			writeFile(t, bin, "#!/bin/sh\necho planted\n", 0o755)
			writeFile(t, bin+".sha256", sum([]byte("#!/bin/sh\necho planted\n"))+"\n", 0o644)
			if err := os.Chmod(filepath.Dir(bin), 0o777); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, plant := range plants {
		t.Run(name, func(t *testing.T) {
			tr := sourceTree(t, "repo/hello-action")
			first := tr.bootstrap(t, "hello", nil)
			if first.exit != 0 {
				t.Fatalf("exit %d:\n%s", first.exit, first.log)
			}
			if info, err := os.Stat(filepath.Dir(first.path())); err != nil || info.Mode().Perm() != 0o700 {
				t.Errorf("build dir %v, %v: want mode 0700", info, err)
			}
			plant(t, first.path())
			next := tr.bootstrap(t, "hello", nil)
			if next.exit != 0 || !strings.Contains(next.log, "built hello from source") {
				t.Fatalf("next run: exit %d, want a fresh build:\n%s", next.exit, next.log)
			}
			assertRuns(t, next.path(), "hello from source")
			if shared := strings.Contains(name, "shared"); shared != strings.HasPrefix(next.path(), tr.temp) {
				t.Errorf("rebuilt at %s: want RUNNER_TEMP exactly when the cache dir is shared", next.path())
			}
		})
	}
}

// Files that go:embed takes (meta.nix) are part of the source hash.
func TestBootstrapEmbeddedFileChangesHash(t *testing.T) {
	testenv.LookPath(t, "go")
	tr := sourceTree(t, "repo/hello-action")
	first := tr.bootstrap(t, "hello", nil)
	writeFile(t, filepath.Join(tr.root, "pkg", "closure", "meta.nix"), "{ drv }: { }\n", 0o644)
	second := tr.bootstrap(t, "hello", nil)
	if first.exit != 0 || second.exit != 0 || first.path() == second.path() || !strings.Contains(second.log, "built hello from source") {
		t.Fatalf("meta.nix changed but the build was reused:\n%s\n%s", first.log, second.log)
	}
}

// The job's Go settings do not leak into the action's own build.
func TestBootstrapIgnoresJobGoEnv(t *testing.T) {
	testenv.LookPath(t, "go")
	tr := sourceTree(t, "repo/hello-action")
	r := tr.bootstrap(t, "hello", map[string]string{"GOOS": "windows", "GOARCH": "arm64", "GOFLAGS": "-tags=nosuchtag -race", "CGO_ENABLED": "1", "GOWORK": "/nonexistent/go.work"})
	if r.exit != 0 {
		t.Fatalf("exit %d:\n%s", r.exit, r.log)
	}
	assertRuns(t, r.path(), "hello from source")
}

// A server that trickles bytes is cut off at the deadline, and nothing of
// the download is left.
func TestBootstrapDownloadDeadline(t *testing.T) {
	testenv.LookPath(t, "curl")
	const asset = fakeName + "_v1.2.3_linux_amd64"
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", "1000000")
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
				_, _ = w.Write([]byte("x"))
				w.(http.Flusher).Flush()
			}
		}
	}))
	t.Cleanup(func() { close(stop); srv.Close() })
	tr := newTree(t, "repo/sbom")
	writeFile(t, filepath.Join(tr.root, "actions", "checksums.txt"), sum([]byte("x"))+"  "+asset+"\n", 0o644)
	r := tr.bootstrap(t, fakeName, map[string]string{"NIXOPS_RELEASE_HOST": srv.URL, "NIXOPS_DOWNLOAD_MAX_TIME": "1",
		"ACTION_REF": "v1.2.3", "ACTION_REPOSITORY": "voidnxsec/nixops-actions"})
	if r.exit != 1 || !strings.Contains(r.log, "::error::download of "+asset+" failed") || !strings.Contains(r.log, "within 1s") {
		t.Fatalf("exit %d, want a failed download at the deadline:\n%s", r.exit, r.log)
	}
	if files := regularFiles(t, tr.cache); len(files) != 0 {
		t.Errorf("the cut-off download left %v", files)
	}
}
