// Package schematest validates documents against the official schemas of
// the shared directory (CycloneDX 1.6, SPDX 2.3, SARIF 2.1.0, GitHub's
// webhook payloads), offline.
package schematest

import (
	"bytes"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

var (
	mu    sync.Mutex
	cache = map[string]*jsonschema.Schema{}
	// compilers keeps one compiler per schema file that Definition reads,
	// so that the file is parsed once however many definitions are used.
	compilers = map[string]*jsonschema.Compiler{}
)

// newCompiler returns a compiler that asserts formats, with a correct
// "uri-template" one.
func newCompiler() *jsonschema.Compiler {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	c.RegisterFormat(uriTemplate)
	return c
}

// Compile compiles an official JSON schema of the shared directory. The
// CycloneDX one refers to its neighbours by URL; they are registered under
// their $id so that nothing is fetched from the network.
func Compile(t testing.TB, rel string, neighbours ...string) *jsonschema.Schema {
	t.Helper()
	path := testenv.Shared(t, rel)
	mu.Lock()
	defer mu.Unlock()
	if s := cache[path]; s != nil {
		return s
	}
	c := newCompiler()
	var mainID string
	for i, p := range append([]string{path}, neighbours...) {
		if i > 0 {
			p = filepath.Join(filepath.Dir(path), p)
		}
		doc := ReadJSON(t, p)
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
	cache[path] = s
	return s
}

// ReadJSON reads a JSON file the way the schema library wants it.
func ReadJSON(t testing.TB, path string) any {
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

// Validate fails t unless data is JSON that s accepts.
func Validate(t testing.TB, s *jsonschema.Schema, data []byte) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("document is not JSON: %v", err)
	}
	if err := s.Validate(doc); err != nil {
		t.Errorf("document does not match the schema: %v", err)
	}
}

// CycloneDX is the CycloneDX 1.6 JSON schema.
func CycloneDX(t testing.TB) *jsonschema.Schema {
	return Compile(t, "schemas/cyclonedx/bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json")
}

// SPDX is the SPDX 2.3 JSON schema.
func SPDX(t testing.TB) *jsonschema.Schema {
	return Compile(t, "schemas/spdx/spdx-2.3.schema.json")
}

// GitHubEvent is the definition of GitHub's webhook schema for one event
// and action, keyed as the schema keys them: "pull_request$synchronize",
// "release$published", or "push$event" for an event without actions.
func GitHubEvent(t testing.TB, definition string) *jsonschema.Schema {
	return Definition(t, "schemas/github/webhooks.schema.json", definition)
}

// pointerToken escapes a name into one JSON-pointer reference token.
var pointerToken = strings.NewReplacer("~", "~0", "/", "~1")

// Definition compiles one entry of the "definitions" of an official JSON
// schema of the shared directory. Validating against the entry that fits
// a document names the property at fault, where a top-level oneOf over
// all entries only says that none matched. The file is registered under
// its own path, as the GitHub webhook schema has no $id.
func Definition(t testing.TB, rel, name string) *jsonschema.Schema {
	t.Helper()
	path := testenv.Shared(t, rel)
	loc := path + "#/definitions/" + url.PathEscape(pointerToken.Replace(name))
	mu.Lock()
	defer mu.Unlock()
	if s := cache[loc]; s != nil {
		return s
	}
	c := compilers[path]
	if c == nil {
		c = newCompiler()
		if err := c.AddResource(path, ReadJSON(t, path)); err != nil {
			t.Fatal(err)
		}
		compilers[path] = c
	}
	s, err := c.Compile(loc)
	if err != nil {
		t.Fatalf("compiling %s of %s: %v", name, rel, err)
	}
	cache[loc] = s
	return s
}

// ValidateXML runs xmllint offline against the CycloneDX XSD, with the
// catalog resolving the SPDX schema it imports to the file beside it.
func ValidateXML(t testing.TB, data []byte) {
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
		t.Errorf("xmllint rejects the document: %v\n%s", err, out)
	}
}

// File compiles a JSON schema kept in this repository (such as
// dora/report.schema.json) from its path, offline: it is registered under
// its own $id, and the 2020-12 meta-schema is built into the library.
func File(t testing.TB, path string) *jsonschema.Schema {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return compileByID(t, abs, "$id")
}

// SARIF compiles OASIS's SARIF 2.1.0 schema of the shared directory. It is
// a draft-04 schema, named by "id" where later drafts write "$id".
func SARIF(t testing.TB) *jsonschema.Schema {
	t.Helper()
	return compileByID(t, testenv.Shared(t, "schemas/sarif/sarif-schema-2.1.0.json"), "id")
}

// compileByID compiles the schema at path, registered under the value of
// its idKey member, once per path.
func compileByID(t testing.TB, path, idKey string) *jsonschema.Schema {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if s := cache[path]; s != nil {
		return s
	}
	doc := ReadJSON(t, path)
	id, _ := doc.(map[string]any)[idKey].(string)
	if id == "" {
		t.Fatalf("%s has no %s", path, idKey)
	}
	c := newCompiler()
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(id)
	if err != nil {
		t.Fatalf("compiling %s: %v", path, err)
	}
	cache[path] = s
	return s
}
