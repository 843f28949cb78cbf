package derivation

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// TestLiveNix instantiates testdata/host-derivations.nix with the installed
// Nix in a throw-away store and checks that the JSON Nix prints and the .drv
// files Nix writes parse to the same derivations, and to the expected ones.
func TestLiveNix(t *testing.T) {
	nix := testenv.LookPath(t, "nix")
	instantiate := testenv.LookPath(t, "nix-instantiate")
	store := filepath.Join(t.TempDir(), "store")
	drvPaths := strings.Fields(testenv.Run(t, instantiate, "--store", store, filepath.Join("testdata", "host-derivations.nix")))
	// `nix derivation show` is the name since 2.15; 2.8 only knows show-derivation.
	out := testenv.Run(t, nix, append([]string{"show-derivation", "--store", store, "-r"}, drvPaths...)...)
	got, err := ParseJSON([]byte(out), "/nix/store")
	if err != nil {
		t.Fatalf("ParseJSON: %v\n%s", err, out)
	}
	assertDerivations(t, got, hostDerivations())
	for p, d := range got {
		fromFile, err := ReadFile(filepath.Join(store, p))
		if err != nil {
			t.Fatal(err)
		}
		fromFile.Path = p
		if !reflect.DeepEqual(fromFile, d) {
			t.Errorf("%s: ATerm and JSON differ\nATerm: %#v\n JSON: %#v", p, fromFile, d)
		}
	}
}
