package scan_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/voidnxsec/nixops-actions/pkg/scan"
)

// TestAnchorPackages: a package the flake names is anchored at that line,
// a comment or a longer name does not count, the rest stay at line 1.
func TestAnchorPackages(t *testing.T) {
	dir := t.TempDir()
	flake := `{
  # readline is mentioned in a comment first
  outputs = { nixpkgs, ... }: {
    packages.x86_64-linux.default = pkgs.stdenv.mkDerivation {
      buildInputs = [ pkgs.libreadline2 pkgs.readline pkgs.zlib ];
    };
  };
}
`
	if err := os.WriteFile(filepath.Join(dir, "flake.nix"), []byte(flake), 0o644); err != nil {
		t.Fatal(err)
	}
	fs := []scan.Finding{
		{Kind: scan.KindVulnerability, Package: "readline", File: "flake.nix", Line: 1},
		{Kind: scan.KindLicense, Package: "zlib", File: "flake.nix", Line: 1},
		{Kind: scan.KindVulnerability, Package: "openssl", File: "flake.nix", Line: 1},
		{Kind: scan.KindSecret, File: "a.env", Line: 4},
	}
	scan.AnchorPackages(dir, "flake.nix", fs)
	for i, want := range []int{5, 5, 1, 4} {
		if fs[i].Line != want {
			t.Errorf("%+v: line %d, want %d", fs[i], fs[i].Line, want)
		}
	}
}
