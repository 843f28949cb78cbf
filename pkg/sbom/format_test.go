package sbom

import (
	"bytes"
	"strings"
	"testing"
)

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in   string
		want Format
		ext  string
	}{
		{"cyclonedx-json", CycloneDXJSON, ".cdx.json"},
		{"cyclonedx-xml", CycloneDXXML, ".cdx.xml"},
		{"spdx-json", SPDXJSON, ".spdx.json"},
		{"spdx-tag-value", SPDXTagValue, ".spdx"},
	}
	for _, tt := range tests {
		got, err := ParseFormat(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if got.Extension() != tt.ext {
			t.Errorf("%s.Extension() = %q, want %q", got, got.Extension(), tt.ext)
		}
	}
	if len(Formats) != len(tests) {
		t.Errorf("Formats has %d entries, the test knows %d", len(Formats), len(tests))
	}
}

func TestParseFormatUnknown(t *testing.T) {
	for _, in := range []string{"", "cyclonedx", "SPDX-JSON", "spdx-yaml"} {
		_, err := ParseFormat(in)
		if err == nil {
			t.Fatalf("ParseFormat(%q) accepted it", in)
		}
		for _, f := range Formats {
			if !strings.Contains(err.Error(), string(f)) {
				t.Errorf("ParseFormat(%q) error %q does not name %s", in, err, f)
			}
		}
	}
}

func TestEncodeUnknownFormat(t *testing.T) {
	var buf bytes.Buffer
	err := Encode(&buf, loadBOM(t, "minimal"), Format("cyclonedx"))
	if err == nil || !strings.Contains(err.Error(), "spdx-json") {
		t.Errorf("Encode with an unknown format: err = %v, want one naming the formats", err)
	}
	if buf.Len() != 0 {
		t.Errorf("Encode wrote %d bytes on error", buf.Len())
	}
}
