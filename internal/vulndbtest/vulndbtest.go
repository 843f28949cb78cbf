// Package vulndbtest builds small grype v6 vulnerability databases for
// tests with grype's own builder, from records in the formats grype's
// providers write (vunnel's envelope around an NVD API 2.0 CVE or an OSV
// record), so that matching is tested against the real schema offline.
package vulndbtest

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	grypedb "github.com/anchore/grype/grype/db"
	"github.com/anchore/grype/grype/db/provider"
	v6 "github.com/anchore/grype/grype/db/v6"
)

// Schemas of vunnel's result envelopes that grype's v6 processors accept
// (grype/db/processors: an "nvd" segment and major version 1; "osv").
const (
	NVDSchema = "https://raw.githubusercontent.com/anchore/vunnel/main/schema/vulnerability/nvd/schema-1.0.0.json"
	OSVSchema = "https://raw.githubusercontent.com/anchore/vunnel/main/schema/vulnerability/osv/schema-1.6.1.json"
)

// Record is one provider result: its id and the record itself.
type Record struct {
	ID   string
	Item any
}

// Build writes a database into root, as grype's curator
// expects it (root/6/vulnerability.db with its import.json), from records
// of one provider per schema
// (grype stamps it built now, whatever the providers' time).
func Build(t testing.TB, root string, providers map[string][]Record) {
	t.Helper()
	built := time.Now().UTC().Truncate(time.Second)
	work := t.TempDir()
	var states provider.States
	for name, records := range providers {
		w := provider.NewWorkspaceWriter(work, name)
		var files []provider.File
		for i, r := range records {
			env, err := json.Marshal(map[string]any{"schema": schemaOf(name), "identifier": r.ID, "item": r.Item})
			if err != nil {
				t.Fatal(err)
			}
			f, err := w.WriteResult(strconv.Itoa(i)+".json", env)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, *f)
		}
		if err := w.WriteListing(files); err != nil {
			t.Fatal(err)
		}
		state := provider.State{Provider: name, Version: 1, Processor: "vunnel@test", Timestamp: built, Store: "flat-file",
			Schema: provider.Schema{Version: "1.0.0", URL: schemaOf(name)}, URLs: []string{"https://example.invalid/" + name},
			Listing: &provider.File{Path: "results/listing.xxh64", Algorithm: "xxh64"}}
		if err := w.WriteState(state); err != nil {
			t.Fatal(err)
		}
		st, err := provider.ReadState(filepath.Join(work, name, "metadata.json"))
		if err != nil {
			t.Fatal(err)
		}
		states = append(states, *st)
	}
	err := grypedb.Build(grypedb.BuildConfig{SchemaVersion: v6.ModelVersion, Directory: filepath.Join(root, strconv.Itoa(v6.ModelVersion)),
		States: states, Timestamp: built, Hydrate: true,
		// grype's CLI default; none would drop every CPE configuration.
		IncludeCPEParts: []string{"a", "h", "o"},
		// As grype's published database does: an NVD range's exclusive end
		// is the version that fixes it.
		InferNVDFixVersions: true})
	if err != nil {
		t.Fatalf("grype's database builder: %v", err)
	}
}

func schemaOf(providerName string) string {
	if providerName == "nvd" {
		return NVDSchema
	}
	return OSVSchema
}

// CVSS is a CVSS 3.1 vector with the base score and severity it gives
// (grype reads the vector, so the three must agree).
type CVSS struct {
	Vector   string
	Score    float64
	Severity string
}

// Three vectors and their scores, as NVD's calculator gives them.
var (
	Critical = CVSS{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "CRITICAL"}
	High     = CVSS{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5, "HIGH"}
	Medium   = CVSS{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", 5.3, "MEDIUM"}
)

// NVDCVE is an NVD API 2.0 CVE record whose one configuration makes every
// version of cpe below fixed (exclusive) vulnerable.
func NVDCVE(id, cpe, fixed string, c CVSS) Record {
	impact := map[string]string{"CRITICAL": "HIGH", "HIGH": "HIGH", "MEDIUM": "LOW"}[c.Severity]
	other := map[string]string{"CRITICAL": "HIGH", "HIGH": "NONE", "MEDIUM": "NONE"}[c.Severity]
	return Record{ID: id, Item: map[string]any{"cve": map[string]any{
		"id": id, "sourceIdentifier": "cve@mitre.org", "published": "2026-01-05T10:00:00.000",
		"lastModified": "2026-01-06T10:00:00.000", "vulnStatus": "Analyzed",
		"descriptions": []any{map[string]any{"lang": "en", "value": "A test vulnerability in " + cpe + " before " + fixed + "."}},
		"metrics": map[string]any{"cvssMetricV31": []any{map[string]any{
			"source": "nvd@nist.gov", "type": "Primary",
			"cvssData": map[string]any{"version": "3.1", "vectorString": c.Vector,
				"baseScore": c.Score, "baseSeverity": c.Severity, "attackVector": "NETWORK", "attackComplexity": "LOW",
				"privilegesRequired": "NONE", "userInteraction": "NONE", "scope": "UNCHANGED",
				"confidentialityImpact": impact, "integrityImpact": other, "availabilityImpact": other},
			"exploitabilityScore": 3.9}}},
		"weaknesses": []any{},
		"configurations": []any{map[string]any{"nodes": []any{map[string]any{"operator": "OR", "negate": false,
			"cpeMatch": []any{map[string]any{"vulnerable": true, "criteria": cpe, "versionEndExcluding": fixed,
				"matchCriteriaId": "00000000-0000-0000-0000-000000000001"}}}}}},
		"references": []any{map[string]any{"url": "https://example.invalid/" + id, "source": "cve@mitre.org"}},
	}}}
}

// GoOSV is an OSV record of the Go vulnerability database: module before
// fixed is affected.
func GoOSV(id, module, fixed string) Record {
	return Record{ID: id, Item: map[string]any{
		"schema_version": "1.6.0", "id": id, "modified": "2026-01-06T10:00:00Z", "published": "2026-01-05T10:00:00Z",
		"summary": "A test vulnerability in " + module,
		"details": "A test vulnerability in " + module + " before " + fixed + ".",
		"affected": []any{map[string]any{
			"package": map[string]any{"ecosystem": "Go", "name": module},
			"ranges": []any{map[string]any{"type": "SEMVER",
				"events": []any{map[string]any{"introduced": "0"}, map[string]any{"fixed": fixed}}}}}},
		"references": []any{map[string]any{"type": "WEB", "url": "https://example.invalid/" + id}},
	}}
}
