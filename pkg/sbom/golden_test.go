package sbom

import (
	"path/filepath"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/golden"
)

// TestGolden pins the exact bytes of small documents, so that any change of
// output (a library upgrade, a field moved) shows up in review. Regenerate
// with go test ./pkg/sbom -run TestGolden -update, then read the diff.
func TestGolden(t *testing.T) {
	for _, name := range []string{"runtime-deps", "embedded"} {
		for _, f := range Formats {
			t.Run(name+"/"+string(f), func(t *testing.T) {
				got := encode(t, loadBOM(t, name), f)
				golden.Check(t, filepath.Join("testdata", "golden", name+f.Extension()), got)
			})
		}
	}
}
