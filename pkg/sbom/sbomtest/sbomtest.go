// Package sbomtest reads the BOM fixtures of pkg/sbom/testdata for the
// tests of the packages that render a BOM, and writes SBOMs for the tests
// of those that read one.
package sbomtest

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/sbom"
)

// Load reads the BOM fixture at path, rejecting fields the model lacks so
// a typo in a fixture cannot silently leave a field empty.
func Load(t testing.TB, path string) *sbom.BOM {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var b sbom.BOM
	if err := dec.Decode(&b); err != nil {
		t.Fatalf("fixture %s: %v", path, err)
	}
	return &b
}

// Write writes the closure of comps, each a root, as the sbom action's
// document in format f, and returns its path: the SBOM a test of a
// consumer (the scan) reads.
func Write(t testing.TB, f sbom.Format, comps ...sbom.Component) string {
	t.Helper()
	b := &sbom.BOM{Target: ".#default", Timestamp: time.Unix(1767225600, 0).UTC(), ToolName: "nixops-sbom", ToolVersion: "test",
		Components: comps}
	for _, c := range comps {
		b.Roots = append(b.Roots, c.Ref)
	}
	files, err := sbom.WriteFiles(t.TempDir(), b, []sbom.Format{f})
	if err != nil {
		t.Fatal(err)
	}
	return files[f]
}
