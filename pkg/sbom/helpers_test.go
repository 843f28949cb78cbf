package sbom

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
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

var (
	schemaMu    sync.Mutex
	schemaCache = map[string]*jsonschema.Schema{}
)

// schema compiles an official JSON schema of the shared directory. The
// CycloneDX one refers to its neighbours by URL; they are registered under
// their $id so that nothing is fetched from the network.
func schema(t *testing.T, rel string, neighbours ...string) *jsonschema.Schema {
	t.Helper()
	path := testenv.Shared(t, rel)
	schemaMu.Lock()
	defer schemaMu.Unlock()
	if s := schemaCache[path]; s != nil {
		return s
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	var mainID string
	for i, p := range append([]string{path}, neighbours...) {
		if i > 0 {
			p = filepath.Join(filepath.Dir(path), p)
		}
		doc := readJSON(t, p)
		id, _ := doc.(map[string]any)["$id"].(string)
		if id == "" {
			t.Fatalf("%s has no $id", p)
		}
		if err := c.AddResource(id, doc); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			mainID = id
		}
	}
	s, err := c.Compile(mainID)
	if err != nil {
		t.Fatalf("compiling %s: %v", rel, err)
	}
	schemaCache[path] = s
	return s
}

func readJSON(t *testing.T, path string) any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc
}

func validateJSON(t *testing.T, s *jsonschema.Schema, data []byte) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	if err := s.Validate(doc); err != nil {
		t.Errorf("output does not match the schema: %v\n%s", err, data)
	}
}

func cdxSchema(t *testing.T) *jsonschema.Schema {
	return schema(t, "schemas/cyclonedx/bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json")
}

func spdxSchema(t *testing.T) *jsonschema.Schema {
	return schema(t, "schemas/spdx/spdx-2.3.schema.json")
}

// validateXML runs xmllint offline against the CycloneDX XSD, with the
// catalog resolving the SPDX schema it imports to the file beside it.
func validateXML(t *testing.T, data []byte) {
	t.Helper()
	xsd := testenv.Shared(t, "schemas/cyclonedx/bom-1.6.xsd")
	catalog := testenv.Shared(t, "schemas/cyclonedx/xmlcatalog.xml")
	xmllint := testenv.LookPath(t, "xmllint")
	file := filepath.Join(t.TempDir(), "bom.cdx.xml")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(xmllint, "--nonet", "--noout", "--schema", xsd, file)
	cmd.Env = append(os.Environ(), "XML_CATALOG_FILES="+catalog)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("xmllint rejects the document: %v\n%s\n%s", err, out, data)
	}
}

// spdxLicenseIDs is the SPDX license list as the CycloneDX schema
// enumerates it.
func spdxLicenseIDs(t *testing.T) map[string]bool {
	t.Helper()
	doc := readJSON(t, testenv.Shared(t, "schemas/cyclonedx/spdx.schema.json")).(map[string]any)
	ids := map[string]bool{}
	for _, id := range doc["enum"].([]any) {
		ids[id.(string)] = true
	}
	if len(ids) < 500 {
		t.Fatalf("SPDX license list has only %d ids", len(ids))
	}
	return ids
}
