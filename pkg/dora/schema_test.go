package dora_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/voidnxsec/nixops-actions/internal/schematest"
	"github.com/voidnxsec/nixops-actions/pkg/dora"
)

func reportSchema(t *testing.T) *jsonschema.Schema {
	return schematest.File(t, "../../dora/report.schema.json")
}

// TestSchemaFixtures: the hand-made reports the writers are tested on are
// reports EncodeReport could write (so those tests cover real shapes).
func TestSchemaFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/reports/*.json")
	if err != nil || len(files) < 3 {
		t.Fatalf("found %d fixture reports (%v), want the writers' 3 or more", len(files), err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r, err := dora.DecodeReport(bytes.NewReader([]byte(read(t, f))))
			if err != nil {
				t.Fatal(err)
			}
			data, err := dora.EncodeReport(r)
			if err != nil {
				t.Fatal(err)
			}
			schematest.Validate(t, reportSchema(t), data)
		})
	}
}

// TestSchemaRejects: the schema is strict enough to catch a report that
// drifted from it; each mutation of a valid report must be refused.
func TestSchemaRejects(t *testing.T) {
	valid := read(t, "testdata/reports/full.json")
	tests := []struct {
		name   string
		mutate func(m map[string]any)
	}{
		{"missing field", func(m map[string]any) { delete(m, "head") }},
		{"unknown field", func(m map[string]any) { m["extra"] = 1 }},
		{"schema version", func(m map[string]any) { m["schema_version"] = 2 }},
		{"ratio above 1", func(m map[string]any) { metric(m, "change_fail_rate")["value"] = 1.5 }},
		{"unknown band", func(m map[string]any) { metric(m, "change_lead_time")["band"] = "great" }},
		{"negative duration", func(m map[string]any) { deployment(m, 0)["recovery_seconds"] = -1 }},
		{"unknown cause", func(m map[string]any) { deployment(m, 1)["cause"] = "bad luck" }},
		{"short commit", func(m map[string]any) { deployment(m, 0)["commit"] = "a0000000" }},
		{"week not at midnight", func(m map[string]any) { m["weekly"].([]any)[0].(map[string]any)["start"] = "2024-01-01T12:00:00Z" }},
		{"unknown deployments mode", func(m map[string]any) { m["inputs"].(map[string]any)["deployments"] = "nightly" }},
		{"null list", func(m map[string]any) { m["rules"] = nil }},
	}
	s := reportSchema(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal([]byte(valid), &m); err != nil {
				t.Fatal(err)
			}
			tt.mutate(m)
			if err := s.Validate(m); err == nil {
				t.Error("the schema accepts the mutated report")
			}
		})
	}
}

func metric(m map[string]any, name string) map[string]any {
	return m["metrics"].(map[string]any)[name].(map[string]any)
}

func deployment(m map[string]any, i int) map[string]any {
	return m["deployments"].([]any)[i].(map[string]any)
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
