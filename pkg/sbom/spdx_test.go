package sbom

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"
	"github.com/spdx/tools-golang/tagvalue"
)

// spdxDoc is a decoded SPDX document with look-ups keyed by BOM ref.
type spdxDoc struct {
	*spdx.Document
	raw map[string]any
}

func (d spdxDoc) pkg(t *testing.T, id string) *spdx.Package {
	t.Helper()
	for _, p := range d.Packages {
		if string(p.PackageSPDXIdentifier) == id {
			return p
		}
	}
	t.Fatalf("no package SPDXRef-%s", id)
	return nil
}

// rawPkg is the package with the given id as plain JSON, to see which keys
// are present.
func (d spdxDoc) rawPkg(t *testing.T, id string) map[string]any {
	t.Helper()
	for _, p := range d.raw["packages"].([]any) {
		if m := p.(map[string]any); m["SPDXID"] == "SPDXRef-"+id {
			return m
		}
	}
	t.Fatalf("no package SPDXRef-%s", id)
	return nil
}

func relationships(doc *spdx.Document) []string {
	var out []string
	for _, r := range doc.Relationships {
		out = append(out, fmt.Sprintf("%s %s %s", common.RenderDocElementID(r.RefA), r.Relationship, common.RenderDocElementID(r.RefB)))
	}
	return out
}

func extRefsSPDX(p *spdx.Package) []string {
	var out []string
	for _, r := range p.PackageExternalReferences {
		out = append(out, r.Category+" "+r.RefType+" "+r.Locator)
	}
	return out
}

func rel(a, typ, b string) string { return "SPDXRef-" + a + " " + typ + " SPDXRef-" + b }

func TestSPDX(t *testing.T) {
	tests := []struct {
		name  string
		check func(t *testing.T, d spdxDoc)
	}{
		{"runtime-deps", func(t *testing.T, d spdxDoc) {
			equal(t, "name", d.DocumentName, "nixpkgs#hello")
			equal(t, "created", d.CreationInfo.Created, "2024-05-01T10:00:00Z")
			equal(t, "creators", d.CreationInfo.Creators, []common.Creator{{Creator: "nixops-sbom-0.1.0", CreatorType: "Tool"}})
			h := d.pkg(t, hello)
			equal(t, "hello", []string{h.PackageName, h.PackageVersion, h.PackageFileName, h.PackageDownloadLocation, h.PackageHomePage,
				h.PackageLicenseDeclared, h.PackageLicenseConcluded, h.PackageCopyrightText, h.PackageSummary, h.PrimaryPackagePurpose, h.PackageSupplier.Supplier},
				[]string{"hello", "2.12.1", "/nix/store/" + hello, "https://ftpmirror.gnu.org/hello/hello-2.12.1.tar.gz", "https://www.gnu.org/software/hello/manual/",
					"GPL-3.0-or-later", "NOASSERTION", "NOASSERTION", "Program that produces a familiar, friendly greeting", "APPLICATION", "NOASSERTION"})
			equal(t, "hello checksums", h.PackageChecksums, []common.Checksum{{Algorithm: "SHA256", Value: "1a4f8d0e3a7c6b5e2f9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f"}})
			equal(t, "hello refs", extRefsSPDX(h), []string{"PACKAGE-MANAGER purl pkg:nix/hello@2.12.1"})
			equal(t, "hello comment", h.PackageComment, strings.Join([]string{
				"nix:store_path: /nix/store/" + hello,
				"nix:drv_path: /nix/store/0jsj1m5yxq0zy8xg2nnbr6dg4w2hqvq3-hello-2.12.1.drv",
				"nix:output: out", "nix:nar_size: 226560", "nix:scope: runtime",
				"nix:maintainer: stv0g", "nix:system: x86_64-linux",
			}, "\n"))
			if h.FilesAnalyzed || d.rawPkg(t, hello)["filesAnalyzed"] != false {
				t.Error("filesAnalyzed is not false")
			}
			equal(t, "glibc source info", d.pkg(t, glibc).PackageSourceInfo,
				"patches applied: /nix/store/r2a7d8a3rkfd8b9qk2yv8vlq6ywk6p8n-2.39-master.patch.gz /nix/store/9n2pb8m5hq9gk8cl3r2h0x7z8s1fkl4d-nix-locale-archive.patch /nix/store/4k6wq0lq3zdh5c0l0lq8n5rn3v5r3dxr-CVE-2024-2961.patch")
			l := d.pkg(t, libidn2)
			equal(t, "libidn2 license", l.PackageLicenseDeclared, "LGPL-2.0-or-later AND GPL-3.0-or-later")
			equal(t, "libidn2 download", l.PackageDownloadLocation, "NOASSERTION")
			equal(t, "relationships", relationships(d.Document), []string{
				rel("DOCUMENT", "DESCRIBES", hello),
				rel(hello, "DEPENDS_ON", glibc),
				rel(glibc, "DEPENDS_ON", libidn2),
			})
			if !strings.HasPrefix(d.DocumentNamespace, namespaceBase+"nixpkgs-hello-") {
				t.Errorf("namespace %q", d.DocumentNamespace)
			}
		}},
		{"multi-output", func(t *testing.T, d spdxDoc) {
			equal(t, "relationships", relationships(d.Document), []string{
				rel("DOCUMENT", "DESCRIBES", curlBin),
				rel(curlBin, "DEPENDS_ON", curlOut),
				rel(sslDev, "BUILD_DEPENDENCY_OF", curlOut),
				rel(curlOut, "DEPENDS_ON", sslOut),
			})
			equal(t, "dev purl", extRefsSPDX(d.pkg(t, sslDev)), []string{"PACKAGE-MANAGER purl pkg:nix/openssl@3.0.13?output=dev"})
			equal(t, "expression", d.pkg(t, sslDev).PackageLicenseDeclared, "Apache-2.0")
		}},
		{"build-only", func(t *testing.T, d spdxDoc) {
			equal(t, "relationships", relationships(d.Document), []string{
				rel("DOCUMENT", "DESCRIBES", app),
				rel(bash, "BUILD_DEPENDENCY_OF", gcc),
				rel(gcc, "BUILD_DEPENDENCY_OF", app),
				rel(src, "BUILD_DEPENDENCY_OF", app),
				rel(app, "DEPENDS_ON", bash),
			})
			s := d.pkg(t, src)
			equal(t, "source", []string{s.PackageDownloadLocation, s.PackageSourceInfo, s.PrimaryPackagePurpose},
				[]string{"https://github.com/example/app/archive/v1.0.tar.gz", "further sources: https://mirror.example.org/app-1.0.tar.gz", "FILE"})
			equal(t, "source checksum", s.PackageChecksums, []common.Checksum{{Algorithm: "SHA256", Value: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}})
		}},
		{"licenses", func(t *testing.T, d spdxDoc) {
			unfree := "LicenseRef-Unfree--redistributable--see-COPYING---NOTICE-"
			for id, want := range map[string]string{
				"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-compound-1": "(MIT OR Apache-2.0) AND BSD-3-Clause",
				"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-listed-1":   "GPL-2.0-or-later AND LGPL-2.1-only",
				"cccccccccccccccccccccccccccccccc-unknown-1":  unfree + " AND MIT",
				"dddddddddddddddddddddddddddddddd-ref-1":      "LicenseRef-vendor-eula OR MIT",
			} {
				equal(t, id, d.pkg(t, id).PackageLicenseDeclared, want)
			}
			var others []string
			for _, o := range d.OtherLicenses {
				others = append(others, o.LicenseIdentifier+"="+o.LicenseName+"="+o.ExtractedText)
			}
			equal(t, "extracted licenses", others, []string{
				unfree + "=Unfree, redistributable (see COPYING & NOTICE)=Unfree, redistributable (see COPYING & NOTICE)",
				"LicenseRef-vendor-eula=vendor-eula=vendor-eula",
			})
			equal(t, "describes every root", len(relationships(d.Document)), 4)
		}},
		{"cpe", func(t *testing.T, d spdxDoc) {
			equal(t, "refs", extRefsSPDX(d.pkg(t, sslOut)), []string{
				"PACKAGE-MANAGER purl pkg:nix/openssl@3.0.13",
				"SECURITY cpe23Type cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*",
			})
		}},
		{"embedded", func(t *testing.T, d spdxDoc) {
			comm := "k3j2h1g0f9d8s7a6p5o4i3u2y1t0r9e8-prometheus-2.51.0-pkg-golang-github.com-prometheus-common-v0.50.0"
			net := "k3j2h1g0f9d8s7a6p5o4i3u2y1t0r9e8-prometheus-2.51.0-pkg-golang-golang.org-x-net-v0.22.0"
			pypi := "m1n2b3v4c5x6z7l8k9j0h1g2f3d4s5a6-python3.12-requests-2.31.0-pkg-pypi-requests-2.31.0"
			npm := "p0o9i8u7y6t5r4e3w2q1a2s3d4f5g6h7-webapp-0.3.0-pkg-npm--40types-node-20.11.30"
			equal(t, "relationships", relationships(d.Document), []string{
				rel("DOCUMENT", "DESCRIBES", prom),
				rel(prom, "CONTAINS", comm),
				rel(prom, "CONTAINS", net),
				rel(prom, "DEPENDS_ON", requests),
				rel(prom, "DEPENDS_ON", webapp),
				rel(comm, "DEPENDS_ON", net),
				rel(requests, "CONTAINS", pypi),
				rel(webapp, "CONTAINS", npm),
			})
			n := d.pkg(t, net)
			equal(t, "embedded go module", []string{n.PackageName, n.PackageVersion, n.PackageFileName, n.PackageDownloadLocation, n.PackageComment},
				[]string{"golang.org/x/net", "v0.22.0", "", "NOASSERTION", "nix:embedded_in: /nix/store/" + prom})
			equal(t, "npm purl", extRefsSPDX(d.pkg(t, npm)), []string{"PACKAGE-MANAGER purl pkg:npm/%40types/node@20.11.30"})
			equal(t, "pypi license", d.pkg(t, pypi).PackageLicenseDeclared, "Apache-2.0")
		}},
		{"minimal", func(t *testing.T, d spdxDoc) {
			equal(t, "name", d.DocumentName, "nix-closure")
			equal(t, "creators", d.CreationInfo.Creators, []common.Creator{{Creator: "nixops-sbom", CreatorType: "Tool"}})
			p := d.rawPkg(t, "4a5s6d7f8g9h0j1k2l3z4x5c6v7b8n9m-minimal")
			equal(t, "package keys", sortedKeys(p), []string{"SPDXID", "copyrightText", "downloadLocation", "filesAnalyzed",
				"licenseConcluded", "licenseDeclared", "name", "primaryPackagePurpose", "supplier"})
			equal(t, "license", p["licenseDeclared"], any("NOASSERTION"))
			equal(t, "top-level keys", sortedKeys(d.raw), []string{"SPDXID", "creationInfo", "dataLicense", "documentNamespace", "name", "packages", "relationships", "spdxVersion"})
		}},
		{"several-roots", func(t *testing.T, d spdxDoc) {
			equal(t, "relationships", relationships(d.Document), []string{
				rel("DOCUMENT", "DESCRIBES", jq),
				rel("DOCUMENT", "DESCRIBES", yq),
				rel(jq, "DEPENDS_ON", onig),
				rel(yq, "DEPENDS_ON", jq),
			})
		}},
		{"id-collision", func(t *testing.T, d spdxDoc) {
			digest := func(ref string) string {
				sum := sha256.Sum256([]byte(ref))
				return hex.EncodeToString(sum[:4])
			}
			doc := "DOCUMENT-" + digest("DOCUMENT")
			at := "x-pkg-npm-a-1.0-" + digest("x#pkg:npm/a@1.0")
			slash := "x-pkg-npm-a-1.0-" + digest("x#pkg:npm/a/1.0")
			equal(t, "the ref that is an id already keeps it", d.pkg(t, "x-pkg-npm-a-1.0").PackageName, "plain")
			equal(t, "DOCUMENT is reserved", d.pkg(t, doc).PackageName, "document")
			equal(t, "clash", d.pkg(t, at).PackageExternalReferences[0].Locator, "pkg:npm/a@1.0")
			equal(t, "clash", d.pkg(t, slash).PackageExternalReferences, []*spdx.PackageExternalReference(nil))
			equal(t, "relationships", relationships(d.Document), []string{
				rel("DOCUMENT", "DESCRIBES", doc),
				rel(doc, "CONTAINS", slash),
				rel(doc, "CONTAINS", at),
				rel(doc, "DEPENDS_ON", "x-pkg-npm-a-1.0"),
			})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := encode(t, loadBOM(t, tt.name), SPDXJSON)
			var raw map[string]any
			if err := json.Unmarshal(data, &raw); err != nil {
				t.Fatal(err)
			}
			tt.check(t, spdxDoc{decodeSPDX(t, data), raw})
		})
	}
}

var (
	spdxIDPattern    = regexp.MustCompile(`^SPDXRef-[A-Za-z0-9.-]+$`)
	namespacePattern = regexp.MustCompile(`^https://voidnxsec\.github\.io/nixops-actions/spdx/[A-Za-z0-9.-]+-[0-9a-f]{32}$`)
)

// TestSPDXInvariants checks what the SPDX JSON schema leaves out: id
// syntax and uniqueness, relationships between known elements, licenses
// from the SPDX list or defined in the document, every root described.
func TestSPDXInvariants(t *testing.T) {
	known := spdxLicenseIDs(t)
	for _, name := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			b := loadBOM(t, name)
			data := encode(t, b, SPDXJSON)
			var raw map[string]any
			if err := json.Unmarshal(data, &raw); err != nil {
				t.Fatal(err)
			}
			d := decodeSPDX(t, data)
			if !namespacePattern.MatchString(d.DocumentNamespace) {
				t.Errorf("namespace %q", d.DocumentNamespace)
			}
			ids := map[string]bool{"SPDXRef-DOCUMENT": true}
			for _, p := range raw["packages"].([]any) {
				id := p.(map[string]any)["SPDXID"].(string)
				if !spdxIDPattern.MatchString(id) || ids[id] {
					t.Errorf("SPDXID %q is malformed or not unique", id)
				}
				ids[id] = true
			}
			equal(t, "one package per component", len(d.Packages), len(b.Components))
			described := 0
			for _, r := range relationships(d) {
				f := strings.Fields(r)
				if !ids[f[0]] || !ids[f[2]] {
					t.Errorf("relationship %q names an unknown element", r)
				}
				if f[1] == "DESCRIBES" {
					described++
				}
			}
			equal(t, "DESCRIBES per root", described, len(b.Roots))
			defined := map[string]bool{}
			for _, o := range d.OtherLicenses {
				defined[o.LicenseIdentifier] = true
			}
			for _, p := range d.Packages {
				checkLicense(t, p.PackageLicenseDeclared, known, defined)
			}
		})
	}
}

func checkLicense(t *testing.T, expr string, known, defined map[string]bool) {
	t.Helper()
	if expr == "NOASSERTION" {
		return
	}
	tokens := strings.Fields(strings.NewReplacer("(", " ", ")", " ").Replace(expr))
	for i, tok := range tokens {
		switch {
		case tok == "AND" || tok == "OR" || tok == "WITH":
		case i > 0 && tokens[i-1] == "WITH": // an exception id
		case strings.HasPrefix(tok, "LicenseRef-"):
			if !defined[tok] {
				t.Errorf("license %q of %q has no hasExtractedLicensingInfos entry", tok, expr)
			}
		case !known[tok]:
			t.Errorf("license %q of %q is not on the SPDX license list", tok, expr)
		}
	}
}

// TestSPDXTagValue reads the tag-value document back and checks that it
// says what the JSON document says.
func TestSPDXTagValue(t *testing.T) {
	for _, name := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			b := loadBOM(t, name)
			fromJSON := decodeSPDX(t, encode(t, b, SPDXJSON))
			fromTV, err := tagvalue.Read(bytes.NewReader(encode(t, b, SPDXTagValue)))
			if err != nil {
				t.Fatalf("reading tag-value: %v", err)
			}
			equal(t, "namespace", fromTV.DocumentNamespace, fromJSON.DocumentNamespace)
			equal(t, "name", fromTV.DocumentName, fromJSON.DocumentName)
			equal(t, "creation info", fromTV.CreationInfo, fromJSON.CreationInfo)
			equal(t, "packages", packageSummaries(fromTV), packageSummaries(fromJSON))
			equal(t, "relationships", relationships(fromTV), relationships(fromJSON))
			equal(t, "other licenses", fromTV.OtherLicenses, fromJSON.OtherLicenses)
			if len(fromJSON.Packages) != len(b.Components) {
				t.Errorf("%d packages for %d components", len(fromJSON.Packages), len(b.Components))
			}
		})
	}
}

// packageSummaries renders the fields both encodings carry, sorted by id.
func packageSummaries(doc *spdx.Document) []string {
	var out []string
	for _, p := range doc.Packages {
		out = append(out, fmt.Sprintf("%s|%s|%s|%s|%s|%v|%v|%s|%s|%s|%s|%s|%s|%q|%q|%v|%s",
			p.PackageSPDXIdentifier, p.PackageName, p.PackageVersion, p.PackageFileName, p.PackageDownloadLocation,
			p.FilesAnalyzed, p.PackageChecksums, p.PackageHomePage, p.PackageLicenseConcluded, p.PackageLicenseDeclared,
			p.PackageCopyrightText, p.PackageSummary, p.PackageSupplier.Supplier, p.PackageSourceInfo, p.PackageComment,
			extRefsSPDX(p), strings.ReplaceAll(p.PrimaryPackagePurpose, "-", "_")))
	}
	slices.Sort(out)
	return out
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"abc-hello-1.0":      "abc-hello-1.0",
		"abc-gtk+-3.24_x=?y": "abc-gtk--3.24-x--y",
		"Ünïcode+":           "-n-code-", // one "-" per character, not per byte
		"":                   "",
	} {
		if got := sanitize(in); got != want {
			t.Errorf("sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}
