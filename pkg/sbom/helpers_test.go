package sbom

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/schematest"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// fixtures lists the BOM fixtures of testdata, by case name.
func fixtures(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob("testdata/*.json")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures in testdata: %v", err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, strings.TrimSuffix(filepath.Base(p), ".json"))
	}
	return names
}

// loadBOM reads testdata/<name>.json, rejecting fields the model lacks so a
// typo in a fixture cannot silently leave a field empty.
func loadBOM(t *testing.T, name string) *BOM {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var b BOM
	if err := dec.Decode(&b); err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	return &b
}

func encode(t *testing.T, b *BOM, f Format) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, b, f); err != nil {
		t.Fatalf("Encode %s: %v", f, err)
	}
	return buf.Bytes()
}

// spdxLicenseIDs is the SPDX license list as the CycloneDX schema
// enumerates it.
func spdxLicenseIDs(t *testing.T) map[string]bool {
	t.Helper()
	doc := schematest.ReadJSON(t, testenv.Shared(t, "schemas/cyclonedx/spdx.schema.json")).(map[string]any)
	ids := map[string]bool{}
	for _, id := range doc["enum"].([]any) {
		ids[id.(string)] = true
	}
	if len(ids) < 500 {
		t.Fatalf("SPDX license list has only %d ids", len(ids))
	}
	return ids
}
