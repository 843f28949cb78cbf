// Package sbomtest reads the BOM fixtures of pkg/sbom/testdata for the
// tests of the packages that render a BOM.
package sbomtest

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

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
