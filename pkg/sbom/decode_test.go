package sbom

import (
	"bytes"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	spdxjson "github.com/spdx/tools-golang/json"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"
)

func decodeSPDX(t *testing.T, data []byte) *spdx.Document {
	t.Helper()
	var doc spdx.Document
	if err := spdxjson.ReadInto(bytes.NewReader(data), &doc); err != nil {
		t.Fatalf("decoding SPDX JSON: %v\n%s", err, data)
	}
	return &doc
}

func decodeCDX(t *testing.T, data []byte, format cdx.BOMFileFormat) *cdx.BOM {
	t.Helper()
	var doc cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), format).Decode(&doc); err != nil {
		t.Fatalf("decoding CycloneDX: %v\n%s", err, data)
	}
	return &doc
}
