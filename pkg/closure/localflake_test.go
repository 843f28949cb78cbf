package closure

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestParseLocalFlake(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "flake.nix"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	for spec, want := range map[string]string{
		dir + "#pkg":           "/wt/sub#pkg",
		"path:" + dir + "#pkg": "path:/wt/sub#pkg",
		dir:                    "/wt/sub",
	} {
		f, err := ParseLocalFlake(spec)
		if err != nil {
			t.Errorf("%q: %v", spec, err)
			continue
		}
		if f.Dir != dir {
			t.Errorf("%q: Dir %q, want %q", spec, f.Dir, dir)
		}
		if got := f.In("/wt", "sub"); got != want {
			t.Errorf("%q in /wt/sub = %q", spec, got)
		}
	}
	for _, spec := range []string{"nixpkgs#hello", "github:o/r#x", t.TempDir() + "#x", "/nix/store/abc-x", dir + "?dir=x#y"} {
		if _, err := ParseLocalFlake(spec); !errors.Is(err, ErrNotLocalFlake) {
			t.Errorf("%q: %v, want ErrNotLocalFlake", spec, err)
		}
	}
}
