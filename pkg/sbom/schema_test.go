package sbom

import (
	"bytes"
	"testing"

	"github.com/spdx/tools-golang/spdxlib"
	"github.com/spdx/tools-golang/tagvalue"

	"github.com/voidnxsec/nixops-actions/internal/schematest"
)

// TestSchemas checks every fixture in every format against the official
// schema of the format, or for tag-value, the SPDX library's own reader and
// validator.
func TestSchemas(t *testing.T) {
	for _, name := range fixtures(t) {
		b := loadBOM(t, name)
		t.Run(name+"/cyclonedx-json", func(t *testing.T) {
			schematest.Validate(t, schematest.CycloneDX(t), encode(t, b, CycloneDXJSON))
		})
		t.Run(name+"/cyclonedx-xml", func(t *testing.T) {
			schematest.ValidateXML(t, encode(t, b, CycloneDXXML))
		})
		t.Run(name+"/spdx-json", func(t *testing.T) {
			data := encode(t, b, SPDXJSON)
			schematest.Validate(t, schematest.SPDX(t), data)
			if err := spdxlib.ValidateDocument(decodeSPDX(t, data)); err != nil {
				t.Errorf("spdxlib rejects the document: %v", err)
			}
		})
		t.Run(name+"/spdx-tag-value", func(t *testing.T) {
			doc, err := tagvalue.Read(bytes.NewReader(encode(t, b, SPDXTagValue)))
			if err != nil {
				t.Fatalf("tag-value reader rejects the document: %v", err)
			}
			if err := spdxlib.ValidateDocument(doc); err != nil {
				t.Errorf("spdxlib rejects the document: %v", err)
			}
		})
	}
}
