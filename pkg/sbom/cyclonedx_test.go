package sbom

import (
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/voidnxsec/nixops-actions/internal/schematest"
)

const (
	hello    = "5h2lcmb0bvgqkzfrqg4qcvqdkzbjd4ya-hello-2.12.1"
	glibc    = "ddwyrxif62r8n6xclvskjyy6szdhvj60-glibc-2.39-52"
	libidn2  = "mkx1p8vbd2q3lfh0xqc8kzmgz6x3wddf-libidn2-2.3.7"
	curlBin  = "0c7bmyb2q4zvc2kfpkzn4p7g05rqcwxq-curl-8.7.1-bin"
	curlOut  = "l4z9k3n0jlh2cb2x6k5p9q1m8d7g2f0s-curl-8.7.1"
	sslOut   = "q8dg4sfxpdmj0ljmj4ccfd9s3wxc5a9k-openssl-3.0.13"
	sslDev   = "hn8ibxvl8g5gqg2k0n9gdvjx8c9c2w7n-openssl-3.0.13-dev"
	app      = "7yq2a8m2n3f2vkx1l7a6z0c3b9w4d5e6-app-1.0"
	gcc      = "3bd4n9kq2m1l0p8o7i6u5y4t3r2e1w0q-gcc-13.2.0"
	src      = "9cq2wq0c2i0h0fbf4l1wz2fb2m4jg7d1-source"
	bash     = "z8x7c6v5b4n3m2l1k0j9h8g7f6d5s4a3-bash-5.2p26"
	prom     = "k3j2h1g0f9d8s7a6p5o4i3u2y1t0r9e8-prometheus-2.51.0"
	promComm = prom + "#pkg:golang/github.com/prometheus/common@v0.50.0"
	promNet  = prom + "#pkg:golang/golang.org/x/net@v0.22.0"
	requests = "m1n2b3v4c5x6z7l8k9j0h1g2f3d4s5a6-python3.12-requests-2.31.0"
	reqPypi  = requests + "#pkg:pypi/requests@2.31.0"
	webapp   = "p0o9i8u7y6t5r4e3w2q1a2s3d4f5g6h7-webapp-0.3.0"
	webNpm   = webapp + "#pkg:npm/%40types/node@20.11.30"
	jq       = "j1j1j1j1j1j1j1j1j1j1j1j1j1j1j1j1-jq-1.7.1-bin"
	yq       = "y2y2y2y2y2y2y2y2y2y2y2y2y2y2y2y2-yq-3.2.3"
	onig     = "o3o3o3o3o3o3o3o3o3o3o3o3o3o3o3o3-oniguruma-6.9.9-lib"
)

// cdxDoc is a decoded CycloneDX document with look-ups for the checks.
type cdxDoc struct {
	*cdx.BOM
	raw map[string]any
}

// component finds a component by bom-ref, in metadata or in components.
func (d cdxDoc) component(t *testing.T, ref string) *cdx.Component {
	t.Helper()
	if m := d.Metadata; m != nil && m.Component != nil && m.Component.BOMRef == ref {
		return m.Component
	}
	if d.Components != nil {
		for i := range *d.Components {
			if (*d.Components)[i].BOMRef == ref {
				return &(*d.Components)[i]
			}
		}
	}
	t.Fatalf("no component %q", ref)
	return nil
}

func (d cdxDoc) dependsOn(t *testing.T, ref string) []string {
	t.Helper()
	for _, dep := range *d.Dependencies {
		if dep.Ref == ref {
			if dep.Dependencies == nil {
				t.Fatalf("dependency entry of %q has no dependsOn", ref)
			}
			return *dep.Dependencies
		}
	}
	t.Fatalf("no dependency entry for %q", ref)
	return nil
}

func (d cdxDoc) componentRefs() []string {
	var refs []string
	if d.Components != nil {
		for _, c := range *d.Components {
			refs = append(refs, c.BOMRef)
		}
	}
	return refs
}

func props(c *cdx.Component) []string {
	var out []string
	if c.Properties != nil {
		for _, p := range *c.Properties {
			out = append(out, p.Name+"="+p.Value)
		}
	}
	return out
}

func licenses(c *cdx.Component) []string {
	var out []string
	if c.Licenses != nil {
		for _, l := range *c.Licenses {
			switch {
			case l.Expression != "":
				out = append(out, "expr:"+l.Expression+":"+string(*l.Acknowledgement))
			case l.License.ID != "":
				out = append(out, "id:"+l.License.ID+":"+string(l.License.Acknowledgement))
			default:
				out = append(out, "name:"+l.License.Name+":"+string(l.License.Acknowledgement))
			}
		}
	}
	return out
}

func extRefs(c *cdx.Component) []string {
	var out []string
	if c.ExternalReferences != nil {
		for _, r := range *c.ExternalReferences {
			out = append(out, string(r.Type)+"="+r.URL)
		}
	}
	return out
}

func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %#v\n want %#v", what, got, want)
	}
}

func TestCycloneDX(t *testing.T) {
	tests := []struct {
		name  string
		check func(t *testing.T, d cdxDoc)
	}{
		{"runtime-deps", func(t *testing.T, d cdxDoc) {
			equal(t, "timestamp", d.Metadata.Timestamp, "2024-05-01T10:00:00Z")
			tools := *d.Metadata.Tools.Components
			equal(t, "tool", []string{string(tools[0].Type), tools[0].Name, tools[0].Version}, []string{"application", "nixops-sbom", "0.1.0"})
			equal(t, "metadata component", d.Metadata.Component.BOMRef, hello)
			equal(t, "components (root is in metadata only)", d.componentRefs(), []string{glibc, libidn2})
			h := d.component(t, hello)
			equal(t, "hello fields", []string{string(h.Type), h.Name, h.Version, h.PackageURL, h.Description, string(h.Scope)},
				[]string{"application", "hello", "2.12.1", "pkg:nix/hello@2.12.1", "Program that produces a familiar, friendly greeting", "required"})
			equal(t, "hello hashes", *h.Hashes, []cdx.Hash{{Algorithm: "SHA-256", Value: "1a4f8d0e3a7c6b5e2f9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f"}})
			equal(t, "hello licenses", licenses(h), []string{"id:GPL-3.0-or-later:declared"})
			equal(t, "hello external refs", extRefs(h), []string{
				"website=https://www.gnu.org/software/hello/manual/",
				"source-distribution=https://ftpmirror.gnu.org/hello/hello-2.12.1.tar.gz",
			})
			equal(t, "hello properties", props(h), []string{
				"nix:store_path=/nix/store/" + hello,
				"nix:drv_path=/nix/store/0jsj1m5yxq0zy8xg2nnbr6dg4w2hqvq3-hello-2.12.1.drv",
				"nix:output=out", "nix:nar_size=226560", "nix:scope=runtime",
				"nix:maintainer=stv0g", "nix:system=x86_64-linux",
			})
			g := d.component(t, glibc)
			var patches []string
			for _, p := range *g.Pedigree.Patches {
				entry := string(p.Type) + "=" + p.Diff.URL
				if p.Resolves != nil {
					for _, is := range *p.Resolves {
						entry += " resolves " + string(is.Type) + ":" + is.ID
					}
				}
				patches = append(patches, entry)
			}
			equal(t, "glibc patches", patches, []string{
				"unofficial=/nix/store/r2a7d8a3rkfd8b9qk2yv8vlq6ywk6p8n-2.39-master.patch.gz",
				"unofficial=/nix/store/9n2pb8m5hq9gk8cl3r2h0x7z8s1fkl4d-nix-locale-archive.patch",
				"unofficial=/nix/store/4k6wq0lq3zdh5c0l0lq8n5rn3v5r3dxr-CVE-2024-2961.patch resolves security:CVE-2024-2961",
			})
			equal(t, "libidn2 licenses", licenses(d.component(t, libidn2)), []string{"id:LGPL-2.0-or-later:declared", "id:GPL-3.0-or-later:declared"})
			equal(t, "hello deps (self-reference dropped)", d.dependsOn(t, hello), []string{glibc})
			equal(t, "glibc deps", d.dependsOn(t, glibc), []string{libidn2})
			equal(t, "libidn2 deps (leaf)", d.dependsOn(t, libidn2), []string{})
		}},
		{"multi-output", func(t *testing.T, d cdxDoc) {
			for ref, want := range map[string][]string{
				curlBin: {"bin", "required", "pkg:nix/curl@8.7.1?output=bin"},
				curlOut: {"out", "required", "pkg:nix/curl@8.7.1"},
				sslOut:  {"out", "required", "pkg:nix/openssl@3.0.13"},
				sslDev:  {"dev", "excluded", "pkg:nix/openssl@3.0.13?output=dev"},
			} {
				c := d.component(t, ref)
				var out string
				for _, p := range *c.Properties {
					if p.Name == "nix:output" {
						out = p.Value
					}
				}
				equal(t, ref, []string{out, string(c.Scope), c.PackageURL}, want)
			}
			equal(t, "expression", licenses(d.component(t, sslDev)), []string{"expr:Apache-2.0:declared"})
			equal(t, "curl deps", d.dependsOn(t, curlOut), []string{sslDev, sslOut})
		}},
		{"build-only", func(t *testing.T, d cdxDoc) {
			equal(t, "gcc scope", d.component(t, gcc).Scope, cdx.ScopeExcluded)
			equal(t, "bash scope", d.component(t, bash).Scope, cdx.ScopeRequired)
			equal(t, "bash nix:scope", props(d.component(t, bash)), []string{"nix:store_path=/nix/store/" + bash, "nix:output=out", "nix:scope=both"})
			s := d.component(t, src)
			equal(t, "source type", s.Type, cdx.ComponentTypeFile)
			equal(t, "source hash", *s.Hashes, []cdx.Hash{{Algorithm: "SHA-256", Value: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}})
			equal(t, "source refs", extRefs(s), []string{
				"source-distribution=https://github.com/example/app/archive/v1.0.tar.gz",
				"source-distribution=https://mirror.example.org/app-1.0.tar.gz",
			})
			equal(t, "app deps", d.dependsOn(t, app), []string{gcc, src, bash})
		}},
		{"licenses", func(t *testing.T, d cdxDoc) {
			equal(t, "compound", licenses(d.component(t, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-compound-1")), []string{"expr:(MIT OR Apache-2.0) AND BSD-3-Clause:declared"})
			equal(t, "listed", licenses(d.component(t, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-listed-1")),
				[]string{"id:GPL-2.0-or-later:declared", "id:LGPL-2.1-only:declared", "id:GPL-2.0-or-later:declared"})
			equal(t, "unknown", licenses(d.component(t, "cccccccccccccccccccccccccccccccc-unknown-1")),
				[]string{"name:Unfree, redistributable (see COPYING & NOTICE):declared", "id:MIT:declared"})
			equal(t, "unfree and insecure", props(d.component(t, "cccccccccccccccccccccccccccccccc-unknown-1")),
				[]string{"nix:unfree=true", "nix:known_vulnerability=CVE-2024-0001", "nix:known_vulnerability=end of life since 2023"})
			equal(t, "licenseref", licenses(d.component(t, "dddddddddddddddddddddddddddddddd-ref-1")), []string{"expr:LicenseRef-vendor-eula OR MIT:declared"})
			if d.Metadata.Component.BOMRef != TargetRef {
				t.Errorf("four roots, but metadata.component is %q", d.Metadata.Component.BOMRef)
			}
		}},
		{"cpe", func(t *testing.T, d cdxDoc) {
			equal(t, "cpe", d.component(t, sslOut).CPE, "cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*")
		}},
		{"embedded", func(t *testing.T, d cdxDoc) {
			equal(t, "flat components", d.componentRefs(), []string{promComm, promNet, requests, reqPypi, webapp, webNpm})
			equal(t, "parent deps", d.dependsOn(t, prom), []string{promComm, promNet, requests, webapp})
			equal(t, "requests deps", d.dependsOn(t, requests), []string{reqPypi})
			equal(t, "go module deps", d.dependsOn(t, promComm), []string{promNet})
			n := d.component(t, promNet)
			equal(t, "purl", n.PackageURL, "pkg:golang/golang.org/x/net@v0.22.0")
			equal(t, "props", props(n), []string{"nix:embedded_in=/nix/store/" + prom})
			var locs []string
			for _, o := range *n.Evidence.Occurrences {
				locs = append(locs, o.Location)
			}
			equal(t, "occurrences", locs, []string{"/nix/store/" + prom + "/bin/prometheus", "/nix/store/" + prom + "/bin/promtool"})
			equal(t, "npm purl", d.component(t, webNpm).PackageURL, "pkg:npm/%40types/node@20.11.30")
			equal(t, "pypi licenses", licenses(d.component(t, reqPypi)), []string{"id:Apache-2.0:declared"})
		}},
		{"minimal", func(t *testing.T, d cdxDoc) {
			meta := d.raw["metadata"].(map[string]any)
			equal(t, "metadata keys", sortedKeys(meta), []string{"component", "timestamp"})
			equal(t, "component keys", sortedKeys(meta["component"].(map[string]any)), []string{"bom-ref", "name", "type"})
			equal(t, "top-level keys", sortedKeys(d.raw), []string{"$schema", "bomFormat", "dependencies", "metadata", "serialNumber", "specVersion", "version"})
			equal(t, "leaf deps", d.dependsOn(t, "4a5s6d7f8g9h0j1k2l3z4x5c6v7b8n9m-minimal"), []string{})
		}},
		{"several-roots", func(t *testing.T, d cdxDoc) {
			m := d.Metadata.Component
			equal(t, "synthetic target", []string{m.BOMRef, string(m.Type), m.Name}, []string{TargetRef, "application", "nixpkgs#{jq,yq}"})
			equal(t, "all roots are components", d.componentRefs(), []string{jq, onig, yq})
			equal(t, "target deps", d.dependsOn(t, TargetRef), []string{jq, yq})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := encode(t, loadBOM(t, tt.name), CycloneDXJSON)
			var raw map[string]any
			if err := json.Unmarshal(data, &raw); err != nil {
				t.Fatal(err)
			}
			tt.check(t, cdxDoc{decodeCDX(t, data, cdx.BOMFileFormatJSON), raw})
		})
	}
}

var serialPattern = regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestCycloneDXGraph checks what holds for every fixture: bom-refs are
// unique, every component has a dependency entry, every edge ends at a
// component, entries and lists are sorted, and XML says what JSON says.
func TestCycloneDXGraph(t *testing.T) {
	for _, name := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			b := loadBOM(t, name)
			jsonData := encode(t, b, CycloneDXJSON)
			d := decodeCDX(t, jsonData, cdx.BOMFileFormatJSON)
			if !serialPattern.MatchString(d.SerialNumber) {
				t.Errorf("serial %q is not a urn:uuid of version 5", d.SerialNumber)
			}
			refs := []string{d.Metadata.Component.BOMRef}
			refs = append(refs, cdxDoc{BOM: d}.componentRefs()...)
			if !slices.IsSorted(refs[1:]) {
				t.Errorf("components not sorted by bom-ref: %v", refs[1:])
			}
			set := map[string]bool{}
			for _, r := range refs {
				if set[r] {
					t.Errorf("bom-ref %q appears twice", r)
				}
				set[r] = true
			}
			var depRefs []string
			for _, dep := range *d.Dependencies {
				depRefs = append(depRefs, dep.Ref)
				if !slices.IsSorted(*dep.Dependencies) {
					t.Errorf("dependsOn of %q not sorted", dep.Ref)
				}
				for _, to := range *dep.Dependencies {
					if !set[to] {
						t.Errorf("%q depends on unknown %q", dep.Ref, to)
					}
				}
			}
			if want := slices.Sorted(slices.Values(refs)); !slices.Equal(depRefs, want) {
				t.Errorf("dependency entries %v, want one per component %v", depRefs, want)
			}
			x := decodeCDX(t, encode(t, b, CycloneDXXML), cdx.BOMFileFormatXML)
			if x.SerialNumber != d.SerialNumber {
				t.Errorf("XML serial %q differs from JSON serial %q", x.SerialNumber, d.SerialNumber)
			}
			equal(t, "XML components", x.Components, d.Components)
			equal(t, "XML metadata component", x.Metadata.Component, d.Metadata.Component)
			for i, dep := range *x.Dependencies {
				if dep.Dependencies == nil { // XML has one way to write both
					(*x.Dependencies)[i].Dependencies = &[]string{}
				}
			}
			equal(t, "XML dependencies", x.Dependencies, d.Dependencies)
		})
	}
}

// TestCycloneDXEscaping checks that text comes out as written: no HTML
// escapes in JSON, and text that looks like an escape survives the undoing
// of them.
func TestCycloneDXEscaping(t *testing.T) {
	b := loadBOM(t, "licenses")
	tricky := `a <b> & c, a literal \u0026, a backslash \ and "quotes"`
	b.Components[0].Description = tricky
	data := encode(t, b, CycloneDXJSON)
	if !strings.Contains(string(data), "COPYING & NOTICE") || strings.Contains(string(data), `\u003c`) {
		t.Errorf("HTML escapes left in the JSON output:\n%s", data)
	}
	d := cdxDoc{BOM: decodeCDX(t, data, cdx.BOMFileFormatJSON)}
	equal(t, "description", d.component(t, b.Components[0].Ref).Description, tricky)
	equal(t, "license name", licenses(d.component(t, "cccccccccccccccccccccccccccccccc-unknown-1"))[0], "name:Unfree, redistributable (see COPYING & NOTICE):declared")
	schematest.Validate(t, schematest.CycloneDX(t), data)
}
