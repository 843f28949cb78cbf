package sbom

import (
	"bytes"
	"fmt"
	"io"
	"strings"
)

// Format names a document encoding of a BOM.
type Format string

const (
	CycloneDXJSON Format = "cyclonedx-json"
	CycloneDXXML  Format = "cyclonedx-xml"
	SPDXJSON      Format = "spdx-json"
	SPDXTagValue  Format = "spdx-tag-value"
)

// Formats lists every format Encode accepts, in the order help texts show them.
var Formats = []Format{CycloneDXJSON, CycloneDXXML, SPDXJSON, SPDXTagValue}

// ParseFormat turns a user-supplied format name into a Format.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown SBOM format %q: use one of %s", s, strings.Join(names, ", "))
}

// Extension is the conventional file name suffix of the format, dot included.
func (f Format) Extension() string {
	switch f {
	case CycloneDXJSON:
		return ".cdx.json"
	case CycloneDXXML:
		return ".cdx.xml"
	case SPDXJSON:
		return ".spdx.json"
	case SPDXTagValue:
		return ".spdx"
	}
	return ""
}

// Encode writes b to w as a document of format f. The output depends only on
// b: the same BOM always gives the same bytes. Nothing is written when b is
// invalid or cannot be encoded, so w never holds half a document (short of
// w's own write errors). The JSON formats are streamed to w in chunks: the
// document is encoded once, compactly, to derive its identity before any
// of it is written, so an encoding problem shows up first.
func Encode(w io.Writer, b *BOM, f Format) error {
	v, err := newView(b)
	if err != nil {
		return err
	}
	return encodeView(w, v, f)
}

// encodeView writes the validated view v in format f.
func encodeView(w io.Writer, v *view, f Format) error {
	var err error
	switch f {
	case CycloneDXJSON:
		return encodeCycloneDX(w, v, false)
	case SPDXJSON:
		return encodeSPDX(w, v, false)
	}
	var buf bytes.Buffer
	switch f {
	case CycloneDXXML:
		err = encodeCycloneDX(&buf, v, true)
	case SPDXTagValue:
		err = encodeSPDX(&buf, v, true)
	default:
		_, err = ParseFormat(string(f))
	}
	if err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}
