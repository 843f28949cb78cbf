package nixinstall

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ulikunitz/xz"
)

const (
	testVersion = "2.99.1"
	testSystem  = "x86_64-linux"
)

// entry is one tarball member; link is the target of a symlink ("" for a
// file or directory, which a trailing / marks).
type entry struct {
	name, body, link string
	hard             bool
}

// recordingInstall stands in for the release's install script: it writes
// its arguments and environment where the test reads them, and leaves a
// nix in the single-user profile as the real one does.
const recordingInstall = `#!/bin/sh
printf '%s\n' "$@" > "$HOME/install-args"
env | sort > "$HOME/install-env"
mkdir -p "$HOME/.nix-profile/bin"
cp "$(dirname "$0")/store/aaaa-nix-2.99.1/bin/nix" "$HOME/.nix-profile/bin/nix"
`

const fakeNix = "#!/bin/sh\necho 'nix (Nix) 2.99.1'\n"

func release(extra ...entry) []entry {
	top := "nix-" + testVersion + "-" + testSystem + "/"
	es := []entry{
		{name: top}, {name: top + "install", body: recordingInstall},
		{name: top + "store/"}, {name: top + "store/aaaa-nix-2.99.1/bin/nix", body: fakeNix},
		{name: top + "store/aaaa-nix-2.99.1/bin/nix-build", link: "nix"},
		// Store paths point at each other through /nix/store.
		{name: top + "store/bbbb-cacert/ca.crt", link: "/nix/store/aaaa-nix-2.99.1/bin/nix"},
		{name: top + ".reginfo", body: "paths\n"},
	}
	for _, e := range extra {
		if !strings.HasPrefix(e.name, "/") && !strings.HasPrefix(e.name, "..") {
			e.name = top + e.name
		}
		es = append(es, e)
	}
	return es
}

// tarball builds an xz-compressed tar of es, as the releases are.
func tarball(t testing.TB, es []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	xw, err := xz.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(xw)
	for _, e := range es {
		h := &tar.Header{Name: e.name, Mode: 0o755, Typeflag: tar.TypeReg, Size: int64(len(e.body))}
		switch {
		case e.hard:
			h.Typeflag, h.Linkname, h.Size = tar.TypeLink, e.link, 0
		case e.link != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, e.link, 0
		case strings.HasSuffix(e.name, "/"):
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := xw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// ReleaseServer serves body as the test release's tarball; serve may
// change what each request gets.
func releaseServer(t testing.TB, body []byte, serve func(n int, w http.ResponseWriter) bool) (*httptest.Server, *atomic.Int32) {
	var hits atomic.Int32
	path := "/nix-" + testVersion + "/nix-" + testVersion + "-" + testSystem + ".tar.xz"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(hits.Add(1))
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		if serve != nil && serve(n, w) {
			return
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func request(t *testing.T, srv *httptest.Server, want string, args []string) (Request, string) {
	home := t.TempDir()
	return Request{
		Client: srv.Client(), BaseURL: srv.URL, Version: testVersion, System: testSystem, SHA256: want,
		WorkDir: t.TempDir(), Args: args, Env: []string{"HOME=" + home, "PATH=/usr/bin:/bin", "NIX_INSTALLER_TEST=1"},
		Out: io.Discard,
	}, home
}

func TestInstallOffline(t *testing.T) {
	body := tarball(t, release())
	for _, args := range [][]string{InstallArgs(false, "linux"), InstallArgs(true, "linux")} {
		t.Run(args[0], func(t *testing.T) {
			srv, _ := releaseServer(t, body, nil)
			req, home := request(t, srv, sum(body), args)
			tm, err := Install(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if tm.Bytes != int64(len(body)) {
				t.Errorf("downloaded %d bytes, served %d", tm.Bytes, len(body))
			}
			got, err := os.ReadFile(filepath.Join(home, "install-args"))
			if err != nil {
				t.Fatalf("the installer did not run: %v", err)
			}
			if want := strings.Join(args, "\n") + "\n"; string(got) != want {
				t.Errorf("installer arguments %q, want %q", got, want)
			}
			env, _ := os.ReadFile(filepath.Join(home, "install-env"))
			if !strings.Contains(string(env), "NIX_INSTALLER_TEST=1\n") || !strings.Contains(string(env), "HOME="+home+"\n") {
				t.Errorf("installer environment lacks what was given:\n%s", env)
			}
			layout := Layout(filepath.Join(req.WorkDir, "unpack"), testVersion, testSystem)
			if l, err := os.Readlink(filepath.Join(layout, "store/aaaa-nix-2.99.1/bin/nix-build")); err != nil || l != "nix" {
				t.Errorf("symlink unpacked as %q, %v", l, err)
			}
			if fi, err := os.Stat(filepath.Join(layout, "install")); err != nil || fi.Mode().Perm()&0o100 == 0 {
				t.Errorf("install script not executable: %v", err)
			}
			v, err := Version(context.Background(), filepath.Join(home, ".nix-profile/bin/nix"))
			if err != nil || v.String() != "2.99.1" {
				t.Errorf("installed nix says %v, %v", v, err)
			}
		})
	}
	if got := InstallArgs(false, "darwin"); got[0] != "--daemon" {
		t.Errorf("macOS installs are multi-user: %q", got)
	}
}

// TestInstallStopsBeforeRunning: each bad download or tarball is refused
// before its install script can run.
func TestInstallStopsBeforeRunning(t *testing.T) {
	good := tarball(t, release())
	tampered := append([]byte(nil), good...)
	tampered[len(tampered)/2] ^= 0x40
	escape := tarball(t, release(entry{name: "../evil", body: "x"}))
	absName := tarball(t, release(entry{name: "/tmp/evil", body: "x"}))
	linkOut := tarball(t, release(entry{name: "store/cccc-x/up", link: "../../../../etc"}))
	absOut := tarball(t, release(entry{name: "store/cccc-x/passwd", link: "/etc/passwd"}))
	foreignStore := tarball(t, release(entry{name: "store/cccc-x/other", link: "/nix/store/zzzz-not-here/bin"}))
	through := tarball(t, release(entry{name: "store/dddd/l", link: "."}, entry{name: "store/dddd/l/f", body: "x"}))
	hardOut := tarball(t, release(entry{name: "store/eeee", link: "../etc/passwd", hard: true}))
	for _, tc := range []struct {
		name  string
		body  []byte
		want  string // the hash the table holds
		serve func(int, http.ResponseWriter) bool
		msg   []string
	}{
		{"tampered", tampered, sum(good), nil, []string{"SHA-256 mismatch", "expected " + sum(good), "got " + sum(tampered)}},
		{"wrong hash", good, strings.Repeat("ab", 32), nil, []string{"expected " + strings.Repeat("ab", 32), "got " + sum(good)}},
		{"truncated", good, sum(good), func(_ int, w http.ResponseWriter) bool {
			_, _ = w.Write(good[:len(good)/3]) // no Content-Length: the cut is only visible in the hash
			return true
		}, []string{"expected " + sum(good), "got " + sum(good[:len(good)/3])}},
		{"cut connection", good, sum(good), func(_ int, w http.ResponseWriter) bool {
			w.Header().Set("Content-Length", "999999")
			_, _ = w.Write(good[:100])
			return true
		}, []string{"after 100 bytes", "unexpected EOF"}},
		{"dot-dot entry", escape, sum(escape), nil, []string{`entry "../evil" climbs out of the tree`}},
		{"absolute entry", absName, sum(absName), nil, []string{`entry "/tmp/evil" has an absolute name`}},
		{"link out of the tree", linkOut, sum(linkOut), nil, []string{`links to "../../../../etc", outside the tree`}},
		{"absolute link", absOut, sum(absOut), nil, []string{`links to "/etc/passwd", outside the tree and the Nix store`}},
		{"link to a foreign store path", foreignStore, sum(foreignStore), nil, []string{"a store path the tarball does not hold"}},
		{"write through a link", through, sum(through), nil, []string{"is written through the link"}},
		{"hard link out", hardOut, sum(hardOut), nil, []string{`hard link to "../etc/passwd"`}},
		{"not found", good, sum(good), func(_ int, w http.ResponseWriter) bool {
			w.WriteHeader(http.StatusNotFound)
			return true
		}, []string{"404 Not Found"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := releaseServer(t, tc.body, tc.serve)
			req, home := request(t, srv, tc.want, InstallArgs(false, "linux"))
			req.Attempts = 2
			_, err := Install(context.Background(), req)
			if err == nil {
				t.Fatal("Install succeeded")
			}
			for _, m := range tc.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q lacks %q", err, m)
				}
			}
			if _, err := os.Stat(filepath.Join(home, "install-args")); err == nil {
				t.Error("the install script ran")
			}
		})
	}
}

func TestDownloadRetries(t *testing.T) {
	body := tarball(t, release())
	srv, hits := releaseServer(t, body, func(n int, w http.ResponseWriter) bool {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	req, _ := request(t, srv, sum(body), InstallArgs(false, "linux"))
	if _, err := Install(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 2 {
		t.Errorf("%d requests, want 2 (one 503, one success)", hits.Load())
	}
	var he *HashError
	srv2, hits2 := releaseServer(t, body, nil)
	req2, _ := request(t, srv2, strings.Repeat("0", 64), nil)
	if _, err := Install(context.Background(), req2); !errors.As(err, &he) || hits2.Load() != 1 {
		t.Errorf("a hash mismatch is final: %v after %d requests", err, hits2.Load())
	}
}
