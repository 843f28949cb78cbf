package dora_test

import (
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/pkg/dora"
)

func TestDecodeReport(t *testing.T) {
	tests := []struct{ name, json, wantErr string }{
		{"current", `{"schema_version": 1, "repository": "o/r"}`, ""},
		{"unknown field", `{"schema_version": 1, "repo_name": "o/r"}`, `unknown field "repo_name"`},
		{"other version", `{"schema_version": 2}`, "schema_version 2, this version reads 1"},
		{"not JSON", `schema_version: 1`, "dora report: invalid character"},
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
