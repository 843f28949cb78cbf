package dora_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/fuzzcorpus"
	"github.com/voidnxsec/nixops-actions/pkg/dora"
)

func TestDecodeReport(t *testing.T) {
	tests := []struct{ name, json, wantErr string }{
		{"current", `{"schema_version": 1, "repository": "o/r"}`, ""},
		{"unknown field", `{"schema_version": 1, "repo_name": "o/r"}`, `unknown field "repo_name"`},
		{"other version", `{"schema_version": 2}`, "schema_version 2, this version reads 1"},
		{"not JSON", `schema_version: 1`, "dora report: invalid character"},
		{"two reports", `{"schema_version": 1, "repository": "o/r"} {"schema_version": 1}`, "more data after the report"},
		{"trailing garbage", `{"schema_version": 1, "repository": "o/r"}]`, "more data after the report"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := dora.DecodeReport(strings.NewReader(tt.json))
			if tt.wantErr == "" {
				if err != nil || r.Repository != "o/r" {
					t.Fatalf("DecodeReport = %+v, %v; want repository o/r", r, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// FuzzDecodeReport: whatever DecodeReport accepts is a report of this
// schema version that survives a round trip: encoded again and decoded, it
// encodes to the same bytes (nothing was half-read or dropped).
func FuzzDecodeReport(f *testing.F) {
	fuzzcorpus.AddFiles(f, filepath.Join("testdata", "reports", "*.json"))
	f.Add([]byte(`{"schema_version": 1, "repository": "o/r"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := dora.DecodeReport(bytes.NewReader(data))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "dora report: ") {
				t.Errorf("error %q does not say what it read", err)
			}
			return
		}
		if r.SchemaVersion != dora.SchemaVersion {
			t.Fatalf("accepted schema_version %d", r.SchemaVersion)
		}
		first, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("a decoded report does not encode: %v", err)
		}
		again, err := dora.DecodeReport(bytes.NewReader(first))
		if err != nil {
			t.Fatalf("the encoding of a decoded report does not decode: %v\n%s", err, first)
		}
		second, err := json.Marshal(again)
		if err != nil || !bytes.Equal(first, second) {
			t.Fatalf("round trip changed the report (%v):\n%s\n%s", err, first, second)
		}
	})
}
