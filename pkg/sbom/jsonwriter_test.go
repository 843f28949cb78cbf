package sbom

import (
	"bytes"
	"encoding/json"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	spdxjson "github.com/spdx/tools-golang/json"
)

// hostile holds strings that exercise every escape encoding/json makes.
var hostile = []string{
	`a <b> & c`, `a literal \u0026 and \\u003c`, "quote \" backslash \\ slash /",
	"controls \x00\x01\b\f\n\r\t\x1f\x7f", "separators \u2028 \u2029", "bad utf-8 \xff\xfe end \xe2\x82",
	"unicode é 漢字 🦀", "",
}

// hostileBOM puts the hostile strings in every free-text field.
func hostileBOM(t *testing.T) *BOM {
	b := loadBOM(t, "licenses")
	for i := range b.Components {
		c := &b.Components[i]
		s := hostile[i%len(hostile)]
		c.Description, c.Homepage = s, s+"h"
		c.Maintainers = append(c.Maintainers, s+"m")
		c.SourceURLs = append(c.SourceURLs, "https://x/"+s)
		c.Patches = append(c.Patches, s+".patch")
		c.Properties = append(c.Properties, Property{Name: "nix:x" + s, Value: s})
		if c.Version != "" {
			c.Version += s
		}
	}
	b.Target = hostile[0] + hostile[4]
	b.ToolVersion = hostile[0]
	return b
}

// TestJSONWriterMatchesLibraries checks that our writers give the bytes
// the library encoders give, pretty and compact (the compact form is what
// serial numbers and namespaces are hashed from, so a difference would
// change every document's identity).
func TestJSONWriterMatchesLibraries(t *testing.T) {
	boms := map[string]*BOM{"hostile": hostileBOM(t), "big": bigBOM(300)}
	for _, name := range fixtures(t) {
		boms[name] = loadBOM(t, name)
	}
	for name, b := range boms {
		v, err := newView(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Run(name+"/cyclonedx", func(t *testing.T) {
			doc := cdxDocument(v)
			doc.SerialNumber = "urn:uuid:x"
			if !cdxWritable(doc) {
				t.Fatal("document not covered by the fast writer")
			}
			for _, pretty := range []bool{false, true} {
				var want, got bytes.Buffer
				if err := cdx.NewBOMEncoder(&want, cdx.BOMFileFormatJSON).SetPretty(pretty).Encode(doc); err != nil {
					t.Fatal(err)
				}
				wantBytes := want.Bytes()
				if pretty {
					wantBytes = unescapeHTML(wantBytes)
				}
				if err := writeCDXJSON(newJSONWriter(&got, pretty, !pretty), doc); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Bytes(), wantBytes) {
					t.Errorf("pretty=%v: writer and library differ\n got: %s\nwant: %s", pretty, got.Bytes(), wantBytes)
				}
			}
		})
		t.Run(name+"/spdx", func(t *testing.T) {
			doc := spdxDocument(v)
			if !spdxWritable(doc) {
				t.Fatal("document not covered by the fast writer")
			}
			for _, pretty := range []bool{false, true} {
				var want, got bytes.Buffer
				opts := []spdxjson.WriteOption{}
				if pretty {
					opts = append(opts, spdxjson.Indent("  "), spdxjson.EscapeHTML(false))
				}
				if err := spdxjson.Write(doc, &want, opts...); err != nil {
					t.Fatal(err)
				}
				if err := writeSPDXJSON(newJSONWriter(&got, pretty, !pretty), doc); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Bytes(), want.Bytes()) {
					t.Errorf("pretty=%v: writer and library differ\n got: %s\nwant: %s", pretty, got.Bytes(), want.Bytes())
				}
			}
		})
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range hostile {
		checkAppendJSONString(t, s)
	}
}

// checkAppendJSONString checks that s comes out as encoding/json writes it,
// with and without HTML escaping.
func checkAppendJSONString(t *testing.T, s string) {
	t.Helper()
	for _, esc := range []bool{false, true} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(esc)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		if got := string(appendJSONString(nil, s, esc)) + "\n"; got != want.String() {
			t.Errorf("escapeHTML=%v: %q gives %s, want %s", esc, s, got, want.String())
		}
	}
}

// TestFastWriterFallsBack checks that a document using a field our writer
// does not know is left to the library rather than written without it.
func TestFastWriterFallsBack(t *testing.T) {
	v, err := newView(loadBOM(t, "runtime-deps"))
	if err != nil {
		t.Fatal(err)
	}
	doc := cdxDocument(v)
	(*doc.Components)[0].Group = "org.example"
	if cdxWritable(doc) {
		t.Error("a component with a group passes as writable")
	}
	sdoc := spdxDocument(v)
	sdoc.Packages[0].PackageDescription = "long text"
	if spdxWritable(sdoc) {
		t.Error("a package with a description passes as writable")
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Fuzz(checkAppendJSONString)
}
