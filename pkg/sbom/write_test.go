package sbom

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
)

// TestWriteFiles: each file holds what Encode gives, under its name, and
// nothing else is left in the directory.
func TestWriteFiles(t *testing.T) {
	b := loadBOM(t, "runtime-deps")
	dir := t.TempDir()
	files, err := WriteFiles(dir, b, Formats)
	if err != nil {
		t.Fatal(err)
	}
	names := map[Format]string{CycloneDXJSON: "sbom.cdx.json", CycloneDXXML: "sbom.cdx.xml", SPDXJSON: "sbom.spdx.json", SPDXTagValue: "sbom.spdx"}
	for f, name := range names {
		if files[f] != filepath.Join(dir, name) {
			t.Errorf("%s written to %q, want %s", f, files[f], filepath.Join(dir, name))
		}
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if want := encode(t, b, f); !bytes.Equal(got, want) {
			t.Errorf("%s differs from what Encode gives", name)
		}
	}
	var listed []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		listed = append(listed, e.Name())
	}
	if want := []string{"sbom.cdx.json", "sbom.cdx.xml", "sbom.spdx", "sbom.spdx.json"}; !slices.Equal(listed, want) {
		t.Errorf("directory holds %v, want %v", listed, want)
	}
}

// TestWriteFilesInvalid: a BOM that does not encode leaves no file.
func TestWriteFilesInvalid(t *testing.T) {
	b := loadBOM(t, "runtime-deps")
	b.Dependencies[b.Components[0].Ref] = []string{"no-such-ref"}
	dir := t.TempDir()
	if _, err := WriteFiles(dir, b, Formats); err == nil {
		t.Fatal("WriteFiles of an invalid BOM succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files left behind: %v", entries)
	}
	if _, err := WriteFiles(filepath.Join(dir, "missing"), loadBOM(t, "runtime-deps"), Formats); err == nil {
		t.Error("WriteFiles into a missing directory succeeded")
	}
}

// TestSelfHash: the serial number and the namespace are the hash of the
// JSON file as written, with the placeholder where they stand, and the XML
// and tag-value documents of the same BOM carry the same ones.
func TestSelfHash(t *testing.T) {
	b := loadBOM(t, "runtime-deps")
	check := func(jsonFmt, otherFmt Format, re *regexp.Regexp, placeholder func(string) string, value func([]byte) string) {
		t.Helper()
		doc := encode(t, b, jsonFmt)
		m := re.FindSubmatch(doc)
		if m == nil {
			t.Fatalf("%s: no value matching %s", jsonFmt, re)
		}
		got := string(m[1])
		sum := sha256.Sum256(bytes.Replace(doc, m[1], []byte(placeholder(got)), 1))
		if want := value(sum[:]); got != want {
			t.Errorf("%s: %s, want the hash of the file with the placeholder, %s", jsonFmt, got, want)
		}
		if !bytes.Contains(encode(t, b, otherFmt), m[1]) {
			t.Errorf("%s does not carry the JSON's %s", otherFmt, got)
		}
	}
	check(CycloneDXJSON, CycloneDXXML, regexp.MustCompile(`"serialNumber": "([^"]+)"`),
		func(string) string { return serialPlaceholder }, cdxSerial)
	name := targetName(b)
	check(SPDXJSON, SPDXTagValue, regexp.MustCompile(`"documentNamespace": "([^"]+)"`),
		func(string) string { return namespacePlaceholder(name) }, func(sum []byte) string { return spdxNamespace(name, sum) })
}
