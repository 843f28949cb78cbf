package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/pkg/action/actiontest"
	"github.com/voidnxsec/nixops-actions/pkg/nixinstall"
)

// TestRefresh: published .sha256 files fill the table, a system without
// one is left out, and the result is a valid table.
func TestRefresh(t *testing.T) {
	published := map[string]string{
		"/nix-2.50.1/nix-2.50.1-x86_64-linux.tar.xz.sha256":   strings.Repeat("a", 64) + "\n",
		"/nix-2.50.1/nix-2.50.1-aarch64-linux.tar.xz.sha256":  strings.Repeat("b", 64) + "  nix-2.50.1-aarch64-linux.tar.xz\n",
		"/nix-2.50.1/nix-2.50.1-aarch64-darwin.tar.xz.sha256": strings.Repeat("c", 64),
		"/nix-2.50.2/nix-2.50.2-x86_64-linux.tar.xz.sha256":   strings.Repeat("d", 64),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".tar.xz") {
			t.Errorf("a tarball was requested: %s", r.URL.Path)
		}
		body, ok := published[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	table := filepath.Join(t.TempDir(), "versions.json")
	if err := os.WriteFile(table, []byte(`{"versions":{}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	r := actiontest.New(t, map[string]string{"table": table, "versions": "2.50.1,2.50.2", "release-url": srv.URL})
	if code := r.Run(context.Background(), run); code != 0 {
		t.Fatalf("exit %d:\n%s", code, r.Log())
	}
	data, _ := os.ReadFile(table)
	got, err := nixinstall.ParseTable(data)
	if err != nil {
		t.Fatal(err)
	}
	if got.Newest() != "2.50.1" || got.Versions["2.50.1"].SHA256["aarch64-linux"] != strings.Repeat("b", 64) || len(got.Versions["2.50.2"].SHA256) != 1 {
		t.Errorf("table %s", data)
	}
	if !strings.Contains(got.Versions["2.50.1"].Source, srv.URL+"/nix-2.50.1/nix-2.50.1-<system>.tar.xz.sha256") {
		t.Errorf("source %q", got.Versions["2.50.1"].Source)
	}
	if !strings.Contains(r.Log(), "Nix 2.50.2: no published SHA-256 for [aarch64-linux aarch64-darwin]") {
		t.Errorf("no warning for the missing systems:\n%s", r.Log())
	}
	published["/nix-2.50.3/nix-2.50.3-x86_64-linux.tar.xz.sha256"] = "<html>"
	r = actiontest.New(t, map[string]string{"table": table, "versions": "2.50.3", "release-url": srv.URL})
	if code := r.Run(context.Background(), run); code != 1 || !strings.Contains(r.Log(), "does not hold a SHA-256") {
		t.Errorf("a bad .sha256 file: exit %d\n%s", code, r.Log())
	}
}
