package scan_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/voidnxsec/nixops-actions/internal/schematest"
	"github.com/voidnxsec/nixops-actions/pkg/scan"
)

// TestPolicySchemaAgrees: the README's policy is read by ReadPolicy and
// valid against scan/policy.schema.json, and the schema rejects what
// ReadPolicy rejects for a misspelt field.
func TestPolicySchemaAgrees(t *testing.T) {
	const file = "testdata/policy.yaml"
	p, err := scan.ReadPolicy(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Exceptions) != 1 || p.Exceptions[0].Expires != time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC) ||
		!p.FailOnNewOnly || len(p.Licenses.Deny) != 3 || p.Licenses.UnknownFails {
		t.Errorf("read %+v", p)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	body := string(data[strings.Index(string(data), "fail-on:"):])
	if !strings.Contains(string(readme), "```yaml\n"+body+"```\n") {
		t.Errorf("the README's policy example is not %s", file)
	}
	schema := schematest.File(t, "../../scan/policy.schema.json")
	schematest.Validate(t, schema, yamlAsJSON(t, data))
	if err := schema.Validate(map[string]any{"fail_on": "high"}); err == nil {
		t.Error("the schema accepts a misspelt field")
	}
}

// yamlAsJSON converts a YAML document to JSON, dates as YYYY-MM-DD.
func yamlAsJSON(t *testing.T, data []byte) []byte {
	t.Helper()
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var fix func(v any) any
	fix = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				x[k] = fix(e)
			}
		case []any:
			for i, e := range x {
				x[i] = fix(e)
			}
		case time.Time:
			return x.Format(time.DateOnly)
		}
		return v
	}
	out, err := json.Marshal(fix(doc))
	if err != nil {
		t.Fatal(err)
	}
	return out
}
