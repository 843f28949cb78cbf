// Package releasetest builds Nix release tarballs in the official layout
// (nix-<v>-<system>/install plus store/) and serves them from a local
// release host, for tests of installing Nix offline.
package releasetest

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ulikunitz/xz"
)

// Entry is one tarball member: a directory (Name ends in /), a file
// (Body), a symlink (Link) or, with Hard, a hard link.
type Entry struct {
	Name, Body, Link string
	Hard             bool
}

// RecordingInstall stands in for a release's install script: it writes
// its arguments and environment to $HOME/install-args and
// $HOME/install-env, and copies the release's bin/nix into the
// single-user profile, as the real installer links it there.
const RecordingInstall = `#!/bin/sh
printf '%s\n' "$@" > "$HOME/install-args"
env | sort > "$HOME/install-env"
mkdir -p "$HOME/.nix-profile/bin"
cp "$(dirname "$0")"/store/*-nix-*/bin/nix "$HOME/.nix-profile/bin/nix"
`

// Release is the official layout for version and system with nix as the
// store's bin/nix script, then extra entries (relative names are put
// below nix-<v>-<system>/).
func Release(version, system, nix string, extra ...Entry) []Entry {
	top := "nix-" + version + "-" + system + "/"
	store := top + "store/aaaa-nix-" + version + "/"
	es := []Entry{
		{Name: top}, {Name: top + "install", Body: RecordingInstall},
		{Name: top + "store/"}, {Name: store}, {Name: store + "bin/"}, {Name: store + "bin/nix", Body: nix},
		{Name: store + "bin/nix-build", Link: "nix"},
		// Store paths refer to each other through /nix/store.
		{Name: top + "store/bbbb-cacert/"}, {Name: top + "store/bbbb-cacert/nix", Link: "/nix/store/aaaa-nix-" + version + "/bin/nix"},
		{Name: top + ".reginfo", Body: "paths\n"},
	}
	for _, e := range extra {
		if !strings.HasPrefix(e.Name, "/") && !strings.HasPrefix(e.Name, "..") {
			e.Name = top + e.Name
		}
		es = append(es, e)
	}
	return es
}

// Tarball is es as an xz-compressed tar, as the releases are.
func Tarball(t testing.TB, es []Entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	xw, err := xz.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(xw)
	for _, e := range es {
		h := &tar.Header{Name: e.Name, Mode: 0o755, Typeflag: tar.TypeReg, Size: int64(len(e.Body))}
		switch {
		case e.Hard:
			h.Typeflag, h.Linkname, h.Size = tar.TypeLink, e.Link, 0
		case e.Link != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, e.Link, 0
		case strings.HasSuffix(e.Name, "/"):
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.Body)); err != nil {
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

// SHA256 is the hex SHA-256 of b.
func SHA256(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Server is a local release host serving one tarball at
// /nix-<v>/nix-<v>-<system>.tar.xz.
type Server struct {
	*httptest.Server
	Hits atomic.Int32
}

// Serve starts a release host for body. serve, when set, may answer a
// request itself (it is given the request's number, from 1) and return
// true.
func Serve(t testing.TB, version, system string, body []byte, serve func(n int, w http.ResponseWriter) bool) *Server {
	s := &Server{}
	path := "/nix-" + version + "/nix-" + version + "-" + system + ".tar.xz"
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(s.Hits.Add(1))
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		if serve != nil && serve(n, w) {
			return
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}
