package nixinstall

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/httpclient/httpclienttest"
	"github.com/voidnxsec/nixops-actions/pkg/nixinstall/releasetest"
)

const (
	testVersion = "2.99.1"
	testSystem  = "x86_64-linux"
)

const fakeNix = "#!/bin/sh\necho 'nix (Nix) 2.99.1'\n"

type entry = releasetest.Entry

func release(extra ...entry) []entry {
	return releasetest.Release(testVersion, testSystem, fakeNix, extra...)
}

func tarball(t testing.TB, es []entry) []byte { return releasetest.Tarball(t, es) }

func sum(b []byte) string { return releasetest.SHA256(b) }

func releaseServer(t testing.TB, body []byte, serve func(n int, w http.ResponseWriter) bool) (*releasetest.Server, *atomic.Int32) {
	s := releasetest.Serve(t, testVersion, testSystem, body, serve)
	return s, &s.Hits
}

func request(t *testing.T, srv *releasetest.Server, want string, args []string) (Request, string) {
	home := t.TempDir()
	return Request{
		Client: srv.Client(), BaseURL: srv.URL, Version: testVersion, System: testSystem, SHA256: want,
		WorkDir: t.TempDir(), Args: args, Env: []string{"HOME=" + home, "PATH=/usr/bin:/bin", "NIX_INSTALLER_TEST=1"},
		Out: io.Discard, Clock: httpclienttest.NewClock(time.Now()),
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
	escape := tarball(t, release(entry{Name: "../evil", Body: "x"}))
	absName := tarball(t, release(entry{Name: "/tmp/evil", Body: "x"}))
	linkOut := tarball(t, release(entry{Name: "store/cccc-x/up", Link: "../../../../etc"}))
	absOut := tarball(t, release(entry{Name: "store/cccc-x/passwd", Link: "/etc/passwd"}))
	foreignStore := tarball(t, release(entry{Name: "store/cccc-x/other", Link: "/nix/store/zzzz-not-here/bin"}))
	through := tarball(t, release(entry{Name: "store/dddd/l", Link: "."}, entry{Name: "store/dddd/l/f", Body: "x"}))
	hardOut := tarball(t, release(entry{Name: "store/eeee", Link: "../etc/passwd", Hard: true}))
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
	if w := req.Clock.(*httpclienttest.Clock).Waits(); fmt.Sprint(w) != "[1s]" {
		t.Errorf("waits %v, want the 1s Retry-After asked for", w)
	}
	var he *HashError
	srv2, hits2 := releaseServer(t, body, nil)
	req2, _ := request(t, srv2, strings.Repeat("0", 64), nil)
	if _, err := Install(context.Background(), req2); !errors.As(err, &he) || hits2.Load() != 1 {
		t.Errorf("a hash mismatch is final: %v after %d requests", err, hits2.Load())
	}
}
