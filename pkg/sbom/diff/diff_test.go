package diff_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/pkg/sbom"
	"github.com/voidnxsec/nixops-actions/pkg/sbom/diff"
	"github.com/voidnxsec/nixops-actions/pkg/sbom/sbomtest"
)

func nixPkg(name, version, output, path string, size int64, license string) diff.Package {
	key := "pkg:nix/" + name
	if output != "out" {
		key += "?output=" + output
	}
	return diff.Package{Key: key, Name: name, Version: version, Type: "nix", Output: output, StorePath: path, NarSize: size, License: license}
}

func npmPkg(name, version string) diff.Package {
	return diff.Package{Key: "pkg:npm/" + name, Name: name, Version: version, Type: "npm", Embedded: true}
}

// TestCompare covers each way a package can differ, in one pair of
// closures: added, removed, a version change, a license change at the same
// version, a rebuild, two versions of one package of which one goes, the
// same npm package found in two store paths, and the lib and dev outputs
// of one derivation as two packages.
func TestCompare(t *testing.T) {
	old := []diff.Package{
		nixPkg("app", "1.0", "out", "/nix/store/a1-app-1.0", 1000, "MIT"),
		nixPkg("libgreet", "2.0.1", "lib", "/nix/store/l1-libgreet-2.0.1-lib", 300, "Zlib"),
		nixPkg("libgreet", "2.0.1", "dev", "/nix/store/d1-libgreet-2.0.1-dev", 50, "Zlib"),
		nixPkg("openssl", "1.1", "out", "/nix/store/o1-openssl-1.1", 400, ""),
		nixPkg("openssl", "3.0", "out", "/nix/store/o3-openssl-3.0", 500, ""),
		nixPkg("gone", "0.1", "out", "/nix/store/g1-gone-0.1", 20, "MIT"),
		npmPkg("ms", "2.1.3"), npmPkg("ms", "2.1.3"), npmPkg("once", "1.4.0"),
	}
	new := []diff.Package{
		nixPkg("app", "1.0", "out", "/nix/store/a2-app-1.0", 1100, "MIT"),
		nixPkg("libgreet", "2.1.0", "lib", "/nix/store/l2-libgreet-2.1.0-lib", 350, "Zlib"),
		nixPkg("libgreet", "2.0.1", "dev", "/nix/store/d1-libgreet-2.0.1-dev", 50, "MIT"),
		nixPkg("openssl", "3.0", "out", "/nix/store/o3-openssl-3.0", 500, ""),
		nixPkg("tool", "0.5", "out", "/nix/store/t1-tool-0.5", 70, ""),
		npmPkg("ms", "2.1.2"), npmPkg("ms", "2.1.2"), npmPkg("once", "1.4.0"), npmPkg("wrappy", "1.0.2"), npmPkg("wrappy", "1.0.2"),
	}
	d := diff.Compare(old, new)
	want := &diff.Diff{
		Added: []diff.Package{nixPkg("tool", "0.5", "out", "/nix/store/t1-tool-0.5", 70, ""), npmPkg("wrappy", "1.0.2")},
		Removed: []diff.Package{
			nixPkg("gone", "0.1", "out", "/nix/store/g1-gone-0.1", 20, "MIT"),
			nixPkg("openssl", "1.1", "out", "/nix/store/o1-openssl-1.1", 400, ""),
		},
		Changed: []diff.Change{
			{Key: "pkg:nix/libgreet?output=lib", Name: "libgreet", Type: "nix", Output: "lib", Old: []string{"2.0.1"}, New: []string{"2.1.0"}, SizeDelta: 50},
			{Key: "pkg:npm/ms", Name: "ms", Type: "npm", Embedded: true, Old: []string{"2.1.3"}, New: []string{"2.1.2"}},
		},
		Licenses: []diff.LicenseChange{{Key: "pkg:nix/libgreet?output=dev", Name: "libgreet", Type: "nix", Output: "dev", Old: "Zlib", New: "MIT"}},
		Rebuilt:  1, // app
		Old:      diff.Side{StorePaths: 6, Embedded: 3, Bytes: 2270},
		New:      diff.Side{StorePaths: 5, Embedded: 5, Bytes: 2070},
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("Compare:\n got %+v\nwant %+v", d, want)
	}
	if d.BytesDelta() != -200 || d.Empty() {
		t.Errorf("BytesDelta %d, Empty %v", d.BytesDelta(), d.Empty())
	}
	if same := diff.Compare(old, old); !same.Empty() || same.Rebuilt != 0 {
		t.Errorf("a closure against itself: %+v", same)
	}
}

// TestReadBack: a BOM and the CycloneDX document written from it give the
// same packages, for every fixture (several roots, embedded packages,
// license lists, outputs).
func TestReadBack(t *testing.T) {
	files, err := filepath.Glob("../testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b := sbomtest.Load(t, f)
			direct, err := diff.FromBOM(b)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := sbom.Encode(&buf, b, sbom.CycloneDXJSON); err != nil {
				t.Fatal(err)
			}
			read, err := diff.ReadCycloneDX(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(direct, read) {
				t.Errorf("from the BOM:\n%+v\nread back:\n%+v", direct, read)
			}
			if len(direct) != len(b.Components) {
				t.Errorf("%d packages from %d components", len(direct), len(b.Components))
			}
		})
	}
}

// TestReadCycloneDXEmbedded: an embedded package is keyed by its own purl
// and carries no store path or size; store paths keep theirs.
func TestReadCycloneDXEmbedded(t *testing.T) {
	ps, err := diff.FromBOM(sbomtest.Load(t, "../testdata/embedded.json"))
	if err != nil {
		t.Fatal(err)
	}
	var embedded, paths int
	for _, p := range ps {
		if p.Embedded {
			embedded++
			if p.StorePath != "" || p.NarSize != 0 || strings.HasPrefix(p.Key, "pkg:nix/") || strings.HasSuffix(p.Key, "@"+p.Version) {
				t.Errorf("embedded %+v", p)
			}
			continue
		}
		paths++
		if !strings.HasPrefix(p.StorePath, "/nix/store/") || strings.Contains(p.Key, "drvpath") || strings.HasSuffix(p.Key, "@"+p.Version) {
			t.Errorf("store path %+v", p)
		}
	}
	if embedded == 0 || paths == 0 {
		t.Errorf("%d embedded, %d store paths in %+v", embedded, paths, ps)
	}
}

func TestReadCycloneDXRefuses(t *testing.T) {
	for name, doc := range map[string]string{
		"empty":     "",
		"spdx":      `{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT"}`,
		"truncated": `{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [`,
		"xml":       `<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.6"/>`,
	} {
		if _, err := diff.ReadCycloneDX(strings.NewReader(doc)); !errors.Is(err, diff.ErrNotCycloneDX) {
			t.Errorf("%s: %v, want ErrNotCycloneDX", name, err)
		}
	}
}

// TestMarkdownEscapes: names, versions and licenses from a document cannot
// break the tables or inject markup.
func TestMarkdownEscapes(t *testing.T) {
	evil := diff.Package{Key: "pkg:npm/x", Name: "a|b</details><img src=x>", Version: "1`2|3", Type: "npm", License: "<b>MIT</b> | *x*", Embedded: true}
	md := diff.Markdown(diff.Compare(nil, []diff.Package{evil}), 3)
	// In a code span GitHub shows HTML as text; only \| needs escaping there.
	if !strings.Contains(md, "`a\\|b</details><img src=x>`") {
		t.Errorf("the name is not in a code span:\n%s", md)
	}
	for _, bad := range []string{"<b>", "| *x*"} {
		if strings.Contains(md, bad) {
			t.Errorf("%q reaches the Markdown unescaped:\n%s", bad, md)
		}
	}
	for _, l := range strings.Split(strings.TrimSpace(md), "\n") {
		if strings.HasPrefix(l, "| `") && strings.Count(strings.ReplaceAll(l, `\|`, ""), "|") != 6 {
			t.Errorf("row %q does not have 5 cells", l)
		}
	}
}

func TestMarkdown(t *testing.T) {
	old := []diff.Package{nixPkg("libgreet", "2.0.1", "lib", "/nix/store/l1", 2048, "Zlib"), nixPkg("gone", "", "out", "/nix/store/g", 10, "")}
	new := []diff.Package{nixPkg("libgreet", "2.1.0", "lib", "/nix/store/l2", 3072, "MIT"), npmPkg("ms", "2.1.3")}
	got := diff.Markdown(diff.Compare(old, new), 4)
	want := "|                   |  before |   after |  change |\n" +
		"|-------------------|--------:|--------:|--------:|\n" +
		"| store paths       |       2 |       1 |      -1 |\n" +
		"| embedded packages |       0 |       1 |      +1 |\n" +
		"| closure size      | 2.0 KiB | 3.0 KiB | +1014 B |\n" +
		"\n#### Added (1)\n\n" +
		"| package | kind | version | license | size |\n" +
		"|---------|------|---------|---------|-----:|\n" +
		"| `ms`    | npm  | `2.1.3` | unknown |      |\n" +
		"\n#### Removed (1)\n\n" +
		"| package | kind | version | license | size |\n" +
		"|---------|------|---------|---------|-----:|\n" +
		"| `gone`  | nix  | none    | unknown | 10 B |\n" +
		"\n#### Version changes (1)\n\n" +
		"| package    | kind      | before  | after   | size change |\n" +
		"|------------|-----------|---------|---------|------------:|\n" +
		"| `libgreet` | nix (lib) | `2.0.1` | `2.1.0` |    +1.0 KiB |\n" +
		"\n#### License changes (1)\n\n" +
		"| package    | kind      | before | after |\n" +
		"|------------|-----------|--------|-------|\n" +
		"| `libgreet` | nix (lib) | Zlib   | MIT   |\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
