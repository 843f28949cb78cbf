package setupnix

import (
	"testing"

	"github.com/voidnxsec/nixops-actions/pkg/nixinstall"
)

// TestVersionsTable: the committed table is well-formed, every version
// names its source, and the default version has every system.
func TestVersionsTable(t *testing.T) {
	table, err := nixinstall.ParseTable(VersionsJSON)
	if err != nil {
		t.Fatal(err)
	}
	newest := table.Newest()
	if len(table.Versions) > 0 && newest == "" {
		t.Fatalf("no version of the table has all of %v, so there is no default to install", nixinstall.Systems)
	}
	for v, r := range table.Versions {
		if len(r.SHA256) == 0 {
			t.Errorf("version %s has no hash: leave it out instead", v)
		}
	}
	if len(table.Versions) == 0 {
		t.Log("the table is empty: installs need nix-version and nix-sha256 until a refresh fills it")
	}
}
