package sbom

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/golden")

// TestGolden pins the exact bytes of small documents, so that any change of
// output (a library upgrade, a field moved) shows up in review. Regenerate
// with go test ./pkg/sbom -run TestGolden -update, then read the diff.
func TestGolden(t *testing.T) {
	for _, name := range []string{"runtime-deps", "embedded"} {
		for _, f := range Formats {
			t.Run(name+"/"+string(f), func(t *testing.T) {
				got := encode(t, loadBOM(t, name), f)
				path := filepath.Join("testdata", "golden", name+f.Extension())
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from the golden file; if the change is intended, run with -update and review the diff\n%s", f, got)
				}
			})
		}
	}
}
