package pathinfo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// TestParseLiveNix parses what the installed Nix prints for a file added to
// a throw-away store, and checks the hashes against `nix hash`.
func TestParseLiveNix(t *testing.T) {
	nix := testenv.LookPath(t, "nix")
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	file := filepath.Join(dir, "greeting.txt")
	if err := os.WriteFile(file, []byte("hello from nixops\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		return strings.TrimSpace(testenv.Run(t, nix, args...))
	}
	added := run("store", "add-file", "--store", store, file)
	const missing = "/nix/store/00000000000000000000000000000000-nixops-missing"
	out := run("path-info", "--json", "--store", store, added, missing)

	infos, err := Parse([]byte(out), "/nix/store")
	if err != nil {
		t.Fatalf("Parse(%s): %v", out, err)
	}
	if len(infos) != 2 {
		t.Fatalf("got %d infos, want 2: %#v", len(infos), infos)
	}
	byPath := map[string]Info{infos[0].Path: infos[0], infos[1].Path: infos[1]}
	if got := byPath[missing]; got.Valid || got.NarHash != "" {
		t.Errorf("missing path parsed as %#v, want only Path set", got)
	}
	info, ok := byPath[added]
	if !ok || !info.Valid {
		t.Fatalf("added path %s not valid in %#v", added, infos)
	}
	hexHash, err := NarHashHex(info.NarHash)
	if err != nil {
		t.Fatal(err)
	}
	if want := run("hash", "path", "--base16", file); hexHash != want {
		t.Errorf("NarHashHex(%q) = %s, want `nix hash path` %s", info.NarHash, hexHash, want)
	}
	if want := "fixed:sha256:" + run("hash", "file", "--base32", file); info.CA != want {
		t.Errorf("CA = %q, want %q", info.CA, want)
	}
	if info.NarSize <= 0 || len(info.References) != 0 || info.Deriver != "" {
		t.Errorf("unexpected fields for an added file: %#v", info)
	}
}
