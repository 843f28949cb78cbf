package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/procbench"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/internal/vulndbtest"
)

// benchSBOM returns the names of three components of the SBOM, each the
// subject of one NVD record in the benchmark's database. With -short it
// keeps the first 500 components (and no dependency graph), so the smoke
// run stays short.
func benchSBOM(b *testing.B, path string) []string {
	b.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		b.Fatal(err)
	}
	comps := doc["components"].([]any)
	if testing.Short() {
		doc["components"] = comps[:500]
		delete(doc, "dependencies")
		if data, err = json.Marshal(doc); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	var names []string
	for _, c := range comps[:3] {
		names = append(names, c.(map[string]any)["name"].(string))
	}
	return names
}

// BenchmarkVulnerabilities10kProcess measures the vulnerability scan as
// users meet it: the nixops-scan binary on the CycloneDX SBOM the sbom
// action writes of the 10,000-package synthetic system of ../shared,
// against the grype v0.121.3 CLI (`grype sbom:FILE --add-cpes-if-none`,
// the same database, no update), whole processes alternating, medians of
// b.N rounds, and both peak resident sizes. Issue 12's target: at most
// 1.0x. nixops-scan also checks every component's license (the synthetic
// system declares none: 10,000 findings) and writes SARIF, JSON and VEX.
func BenchmarkVulnerabilities10kProcess(b *testing.B) {
	grype := testenv.LookPath(b, "grype")
	st := testenv.SynthStore(b)
	dir := b.TempDir()
	bins := map[string]string{}
	for _, name := range []string{"nixops-sbom", "nixops-scan"} {
		bins[name] = filepath.Join(dir, name)
		if out, err := exec.Command(testenv.LookPath(b, "go"), "build", "-o", bins[name], "../"+name).CombinedOutput(); err != nil {
			b.Fatalf("go build %s: %v\n%s", name, err, out)
		}
	}
	sbomDir := filepath.Join(dir, "sbom")
	if out, err := exec.Command(bins["nixops-sbom"], "--nix-store", st, "--target", testenv.SynthTop, "--embedded=false",
		"--format", "cyclonedx-json", "--output-dir", sbomDir).CombinedOutput(); err != nil {
		b.Fatalf("nixops-sbom: %v\n%s", err, out)
	}
	sbomFile := filepath.Join(sbomDir, "sbom.cdx.json")
	synthVulnerable := benchSBOM(b, sbomFile)
	db := filepath.Join(dir, "db")
	var records []vulndbtest.Record
	for i, name := range synthVulnerable {
		records = append(records, vulndbtest.NVDCVE("CVE-2026-3000"+string(rune('1'+i)), "cpe:2.3:a:"+name+":"+name+":*:*:*:*:*:*:*:*", "999", vulndbtest.High))
	}
	vulndbtest.Build(b, db, map[string][]vulndbtest.Record{"nvd": records})
	empty := b.TempDir()
	out := filepath.Join(dir, "out")
	grypeEnv := append(os.Environ(), "GRYPE_DB_CACHE_DIR="+db, "GRYPE_DB_AUTO_UPDATE=false", "GRYPE_DB_VALIDATE_AGE=false",
		"GRYPE_CHECK_FOR_APP_UPDATE=false", "HOME="+dir)
	var ours, theirs procbench.Side
	var gotOurs, gotTheirs int
	b.ResetTimer()
	for range b.N {
		gl := exec.Command(grype, "sbom:"+sbomFile, "--add-cpes-if-none", "-o", "json", "--file", filepath.Join(dir, "grype.json"), "-q")
		gl.Env = grypeEnv
		s, _ := procbench.Run(b, gl)
		theirs = append(theirs, s)
		gotTheirs = grypeMatches(b, filepath.Join(dir, "grype.json"))
		ns := exec.Command(bins["nixops-scan"], "--path", empty, "--history", "none", "--fail-on", "none", "--sbom", sbomFile,
			"--db-path", db, "--db-update=false", "--output-dir", out)
		ns.Env = append(os.Environ(), "GITHUB_ACTIONS=")
		s, _ = procbench.Run(b, ns)
		ours = append(ours, s)
		gotOurs = vulnerabilityFindings(b, filepath.Join(out, "scan.json"))
	}
	b.StopTimer()
	if gotOurs != len(synthVulnerable) {
		b.Errorf("nixops-scan found %d vulnerabilities, want %d", gotOurs, len(synthVulnerable))
	}
	o, t := ours.Median(procbench.Wall), theirs.Median(procbench.Wall)
	peakOurs, peakTheirs := ours.Peak(), theirs.Peak()
	b.ReportMetric(o.Seconds(), "s/nixops-scan")
	b.ReportMetric(t.Seconds(), "s/grype")
	b.ReportMetric(o.Seconds()/t.Seconds(), "ratio-vs-grype")
	b.ReportMetric(float64(peakOurs)/1e6, "peak-MB")
	b.Logf("%s, median of %d: nixops-scan %v (%d vulnerabilities), grype %v (%d matches), %.2fx; peak RSS %.0f MB against %.0f MB; target: at most 1.0x",
		map[bool]string{false: "10,000 components", true: "500 components (-short)"}[testing.Short()], b.N, o, gotOurs, t, gotTheirs, o.Seconds()/t.Seconds(), float64(peakOurs)/1e6, float64(peakTheirs)/1e6)
}

func grypeMatches(b *testing.B, path string) int {
	b.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var doc struct {
		Matches []json.RawMessage `json:"matches"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		b.Fatalf("grype's JSON: %v", err)
	}
	return len(doc.Matches)
}

func vulnerabilityFindings(b *testing.B, path string) int {
	b.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var rep struct {
		Findings []struct {
			Kind string `json:"kind"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, f := range rep.Findings {
		if f.Kind == "vulnerability" {
			n++
		}
	}
	return n
}
