package e2e_test

import (
	"encoding/json"
	"encoding/xml"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/schematest"
)

// closureDoc is an SBOM reduced to what the fixture decides, so that the
// CycloneDX JSON, CycloneDX XML and SPDX JSON documents and what nix-store
// and the flake say compare as one value.
type closureDoc struct {
	Root string // store path the document describes
	// DependsOn holds every store path, with the store paths it refers to.
	DependsOn map[string][]string
	// Contains holds the store paths with embedded packages: their purls.
	Contains map[string][]string
	// Licenses holds the store paths with declared licenses, as an SPDX
	// expression ("MIT AND ISC").
	Licenses map[string]string
	// Components counts every component: store paths and embedded ones.
	Components int
	// Stray lists what fits none of the above: an edge from an embedded
	// package, to an unknown ref, or of an unexpected kind.
	Stray []string
}

// fixtureLicenses are the meta.license values of e2e/testdata/flake, by
// store path name.
var fixtureLicenses = map[string]string{
	"e2e-app-2.3":                "Apache-2.0",
	"e2e-lib-1.0":                "MIT",
	"gohello-0.1.0":              "BSD-3-Clause",
	"python3.12-requests-2.31.0": "Apache-2.0",
	"webapp-1.0.0-source":        "MIT AND ISC",
}

// fixtureEmbedded are the packages syft must find in the fixture closure,
// by the name of the store path holding them: the modules of gohello's
// build info, the dist-info, and the lock file's packages plus the project
// owning it.
func fixtureEmbedded(goVersion string) map[string][]string {
	return map[string][]string{
		"gohello-0.1.0": {
			"pkg:golang/example.com/hello", // built from a directory: no version
			"pkg:golang/golang.org/x/text@v0.43.0",
			"pkg:golang/stdlib@" + strings.TrimPrefix(goVersion, "go"),
		},
		"python3.12-requests-2.31.0": {"pkg:pypi/requests@2.31.0"},
		"webapp-1.0.0-source":        {"pkg:npm/ms@2.1.3", "pkg:npm/once@1.4.0", "pkg:npm/webapp@1.0.0"},
	}
}

// want is the document the fixture calls for: its runtime closure as
// nix-store reports it, plus the embedded packages and the flake's
// licenses when the case asks for them.
func (fx fixture) want(embedded, licenses bool) closureDoc {
	d := closureDoc{Root: fx.storePath, DependsOn: map[string][]string{}, Contains: map[string][]string{}, Licenses: map[string]string{}}
	for _, p := range fx.closure {
		d.DependsOn[p] = set(fx.refs[p])
		d.Components++
		if licenses {
			d.Licenses[p] = fixtureLicenses[storeName(p)]
		}
		if embedded {
			if purls := fixtureEmbedded(fx.goVersion)[storeName(p)]; purls != nil {
				d.Contains[p] = set(purls)
				d.Components += len(purls)
			}
		}
	}
	return d
}

// checkDocuments validates every document the action reported against its
// official schema, reduces it and compares it with want. The components
// output must count the CycloneDX JSON's components, and sbom.prom the
// store paths and embedded packages.
func checkDocuments(t *testing.T, r actRun, want closureDoc) {
	t.Helper()
	outs := r.outputs("sbom")
	docs := []struct {
		format   string
		validate func(t *testing.T, data []byte)
		parse    func(t *testing.T, data []byte) closureDoc
	}{
		{"cyclonedx-json", func(t *testing.T, data []byte) { schematest.Validate(t, schematest.CycloneDX(t), data) }, parseCycloneDXJSON},
		{"cyclonedx-xml", func(t *testing.T, data []byte) { schematest.ValidateXML(t, data) }, parseCycloneDXXML},
		{"spdx-json", func(t *testing.T, data []byte) { schematest.Validate(t, schematest.SPDX(t), data) }, parseSPDXJSON},
	}
	checked := 0
	for _, d := range docs {
		file := outs[d.format]
		if file == "" {
			continue
		}
		checked++
		data := []byte(read(t, file))
		// Its own subtest, so that without the shared schemas only the
		// validation is skipped.
		t.Run(d.format+"-schema", func(t *testing.T) { d.validate(t, data) })
		got := d.parse(t, data)
		compareDocs(t, d.format, got, want)
		if d.format == "cyclonedx-json" && outs["components"] != strconv.Itoa(got.Components) {
			t.Errorf("components output %q, but the CycloneDX JSON has %d components (metadata.component + components)", outs["components"], got.Components)
		}
	}
	if checked == 0 {
		t.Fatalf("the action reported no JSON or XML document; outputs: %v", outs)
	}
	if outs["components"] != strconv.Itoa(want.Components) {
		t.Errorf("components output %q, want %d", outs["components"], want.Components)
	}
	storePaths := len(want.DependsOn)
	checkMetric(t, outs["metrics-file"], `nixops_sbom_components{kind="store_path"}`, int64(storePaths))
	checkMetric(t, outs["metrics-file"], `nixops_sbom_components{kind="embedded"}`, int64(want.Components-storePaths))
}

// checkMetric fails t unless the Prometheus text file holds the sample
// (metric name and labels as written) with value want. The value is
// parsed: the text format writes 2637232 as 2.637232e+06.
func checkMetric(t *testing.T, file, sample string, want int64) {
	t.Helper()
	text := read(t, file)
	for _, line := range strings.Split(text, "\n") {
		value, ok := strings.CutPrefix(line, sample+" ")
		if !ok {
			continue
		}
		got, err := strconv.ParseFloat(value, 64)
		if err != nil || got != float64(want) {
			t.Errorf("%s: %s = %q, want %d", file, sample, value, want)
		}
		return
	}
	t.Errorf("%s lacks %s:\n%s", file, sample, text)
}

func compareDocs(t *testing.T, format string, got, want closureDoc) {
	t.Helper()
	fields := []struct {
		name      string
		got, want any
	}{
		{"described store path", got.Root, want.Root},
		{"store path graph (nix-store -q --references of each)", got.DependsOn, want.DependsOn},
		{"embedded packages by the store path holding them", got.Contains, want.Contains},
		{"declared licenses of the store paths", got.Licenses, want.Licenses},
		{"component count", got.Components, want.Components},
		{"stray edges", got.Stray, want.Stray},
	}
	for _, f := range fields {
		if !reflect.DeepEqual(f.got, f.want) {
			t.Errorf("%s: %s\n got %v\nwant %v", format, f.name, f.got, f.want)
		}
	}
}

// cdxNode is one CycloneDX component, JSON or XML.
type cdxNode struct {
	ref, purl, storePath, licenses string
}

// fromCycloneDX reduces a CycloneDX document: components with the property
// nix:store_path are store paths, the others embedded packages, which the
// dependencies array hangs under the store path holding them.
func fromCycloneDX(t *testing.T, format string, root cdxNode, comps []cdxNode, deps map[string][]string) closureDoc {
	t.Helper()
	d := closureDoc{Root: root.storePath, DependsOn: map[string][]string{}, Contains: map[string][]string{}, Licenses: map[string]string{}}
	byRef := map[string]cdxNode{}
	for _, c := range append([]cdxNode{root}, comps...) {
		if _, dup := byRef[c.ref]; dup || c.ref == "" {
			t.Errorf("%s: bom-ref %q is empty or not unique", format, c.ref)
		}
		byRef[c.ref] = c
		d.Components++
		if c.storePath == "" {
			continue
		}
		d.DependsOn[c.storePath] = nil
		if c.licenses != "" {
			d.Licenses[c.storePath] = c.licenses
		}
	}
	for _, from := range slices.Sorted(maps.Keys(deps)) {
		src, ok := byRef[from]
		for _, to := range deps[from] {
			dst, known := byRef[to]
			switch {
			case !ok || !known || src.storePath == "":
				d.Stray = append(d.Stray, from+" -> "+to)
			case dst.storePath != "":
				d.DependsOn[src.storePath] = append(d.DependsOn[src.storePath], dst.storePath)
			default:
				d.Contains[src.storePath] = append(d.Contains[src.storePath], dst.purl)
			}
		}
	}
	return normalize(d)
}

type cdxJSONComponent struct {
	Ref      string `json:"bom-ref"`
	PURL     string `json:"purl"`
	Licenses []struct {
		License struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"license"`
		Expression string `json:"expression"`
	} `json:"licenses"`
	Properties []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"properties"`
}

func (c cdxJSONComponent) node() cdxNode {
	n := cdxNode{ref: c.Ref, purl: c.PURL}
	var ls []string
	for _, l := range c.Licenses {
		ls = append(ls, l.Expression+l.License.ID+l.License.Name)
	}
	n.licenses = strings.Join(ls, " AND ")
	for _, p := range c.Properties {
		if p.Name == "nix:store_path" {
			n.storePath = p.Value
		}
	}
	return n
}

func parseCycloneDXJSON(t *testing.T, data []byte) closureDoc {
	t.Helper()
	var bom struct {
		BOMFormat   string `json:"bomFormat"`
		SpecVersion string `json:"specVersion"`
		Metadata    struct {
			Component cdxJSONComponent `json:"component"`
		} `json:"metadata"`
		Components   []cdxJSONComponent `json:"components"`
		Dependencies []struct {
			Ref       string   `json:"ref"`
			DependsOn []string `json:"dependsOn"`
		} `json:"dependencies"`
	}
	if err := json.Unmarshal(data, &bom); err != nil {
		t.Fatalf("CycloneDX JSON: %v", err)
	}
	if bom.BOMFormat != "CycloneDX" || bom.SpecVersion != "1.6" {
		t.Errorf("CycloneDX JSON: bomFormat %q specVersion %q, want CycloneDX 1.6", bom.BOMFormat, bom.SpecVersion)
	}
	var comps []cdxNode
	for _, c := range bom.Components {
		comps = append(comps, c.node())
	}
	deps := map[string][]string{}
	for _, d := range bom.Dependencies {
		deps[d.Ref] = append(deps[d.Ref], d.DependsOn...)
	}
	return fromCycloneDX(t, "CycloneDX JSON", bom.Metadata.Component.node(), comps, deps)
}

type cdxXMLComponent struct {
	Ref      string `xml:"bom-ref,attr"`
	PURL     string `xml:"purl"`
	Licenses []struct {
		ID   string `xml:"id"`
		Name string `xml:"name"`
	} `xml:"licenses>license"`
	Expression string `xml:"licenses>expression"`
	Properties []struct {
		Name  string `xml:"name,attr"`
		Value string `xml:",chardata"`
	} `xml:"properties>property"`
}

func (c cdxXMLComponent) node() cdxNode {
	n := cdxNode{ref: c.Ref, purl: c.PURL, licenses: c.Expression}
	var ls []string
	for _, l := range c.Licenses {
		ls = append(ls, l.ID+l.Name)
	}
	if len(ls) > 0 {
		n.licenses = strings.Join(ls, " AND ")
	}
	for _, p := range c.Properties {
		if p.Name == "nix:store_path" {
			n.storePath = p.Value
		}
	}
	return n
}

// parseCycloneDXXML reads the document the way a consumer does; the tool
// in metadata/tools is no component of the SBOM and is not counted.
func parseCycloneDXXML(t *testing.T, data []byte) closureDoc {
	t.Helper()
	var bom struct {
		XMLName  xml.Name `xml:"http://cyclonedx.org/schema/bom/1.6 bom"`
		Metadata struct {
			Component cdxXMLComponent `xml:"component"`
		} `xml:"metadata"`
		Components   []cdxXMLComponent `xml:"components>component"`
		Dependencies []struct {
			Ref       string `xml:"ref,attr"`
			DependsOn []struct {
				Ref string `xml:"ref,attr"`
			} `xml:"dependency"`
		} `xml:"dependencies>dependency"`
	}
	if err := xml.Unmarshal(data, &bom); err != nil {
		t.Fatalf("CycloneDX XML: %v", err)
	}
	var comps []cdxNode
	for _, c := range bom.Components {
		comps = append(comps, c.node())
	}
	deps := map[string][]string{}
	for _, d := range bom.Dependencies {
		for _, on := range d.DependsOn {
			deps[d.Ref] = append(deps[d.Ref], on.Ref)
		}
	}
	return fromCycloneDX(t, "CycloneDX XML", bom.Metadata.Component.node(), comps, deps)
}

// parseSPDXJSON reduces an SPDX document: packages with a /nix/store
// packageFileName are store paths, the others embedded packages known by
// their purl; DEPENDS_ON links store paths and CONTAINS hangs an embedded
// package under its store path.
func parseSPDXJSON(t *testing.T, data []byte) closureDoc {
	t.Helper()
	var doc struct {
		SPDXVersion string `json:"spdxVersion"`
		Packages    []struct {
			ID              string `json:"SPDXID"`
			FileName        string `json:"packageFileName"`
			LicenseDeclared string `json:"licenseDeclared"`
			ExternalRefs    []struct {
				Type    string `json:"referenceType"`
				Locator string `json:"referenceLocator"`
			} `json:"externalRefs"`
		} `json:"packages"`
		Relationships []struct {
			A    string `json:"spdxElementId"`
			Type string `json:"relationshipType"`
			B    string `json:"relatedSpdxElement"`
		} `json:"relationships"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("SPDX JSON: %v", err)
	}
	if doc.SPDXVersion != "SPDX-2.3" {
		t.Errorf("SPDX JSON: spdxVersion %q, want SPDX-2.3", doc.SPDXVersion)
	}
	d := closureDoc{DependsOn: map[string][]string{}, Contains: map[string][]string{}, Licenses: map[string]string{}}
	storePaths, purls := map[string]string{}, map[string]string{}
	for _, p := range doc.Packages {
		d.Components++
		if strings.HasPrefix(p.FileName, "/nix/store/") {
			storePaths[p.ID] = p.FileName
			d.DependsOn[p.FileName] = nil
			if p.LicenseDeclared != "NOASSERTION" && p.LicenseDeclared != "" {
				d.Licenses[p.FileName] = p.LicenseDeclared
			}
			continue
		}
		for _, r := range p.ExternalRefs {
			if r.Type == "purl" {
				purls[p.ID] = r.Locator
			}
		}
	}
	for _, r := range doc.Relationships {
		a, b := storePaths[r.A], storePaths[r.B]
		switch {
		case r.Type == "DESCRIBES" && r.A == "SPDXRef-DOCUMENT" && b != "" && d.Root == "":
			d.Root = b
		case r.Type == "DEPENDS_ON" && a != "" && b != "":
			d.DependsOn[a] = append(d.DependsOn[a], b)
		case r.Type == "CONTAINS" && a != "" && purls[r.B] != "":
			d.Contains[a] = append(d.Contains[a], purls[r.B])
		default:
			d.Stray = append(d.Stray, r.A+" "+r.Type+" "+r.B)
		}
	}
	return normalize(d)
}

// normalize sorts every list, so that order in a document does not count.
func normalize(d closureDoc) closureDoc {
	for k, v := range d.DependsOn {
		d.DependsOn[k] = set(v)
	}
	for k, v := range d.Contains {
		d.Contains[k] = set(v)
	}
	d.Stray = set(d.Stray)
	return d
}

// set is xs sorted without duplicates, nil when empty.
func set(xs []string) []string {
	if len(xs) == 0 {
		return nil
	}
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}

// storeName is the name part of a store path: /nix/store/<hash>-<name>.
func storeName(p string) string {
	base := filepath.Base(p)
	if len(base) < 33 {
		return base
	}
	return base[33:]
}
