package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/voidnxsec/nixops-actions/internal/schematest"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/action/actiontest"
)

// runner is the step's runner environment; run runs the step in it.
type runner struct{ *actiontest.Runner }

func newRunner(t *testing.T, inputs map[string]string) *runner {
	r := &runner{actiontest.New(t, inputs)}
	r.Env["SOURCE_DATE_EPOCH"] = "1700000000"
	return r
}

func (r *runner) run() int {
	return r.Run(context.Background(), run)
}

// builtFlake builds the example flake into a store of the test's own and
// returns the store URI, the installable and the store directory.
func builtFlake(t *testing.T) (string, string, string) {
	t.Helper()
	testenv.LookPath(t, "nix")
	src, err := filepath.Abs("../../pkg/closure/testdata/flake")
	if err != nil {
		t.Fatal(err)
	}
	flake := filepath.Join(t.TempDir(), "flake")
	if err := os.CopyFS(flake, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	uri := "local?store=" + dir + "/store&state=" + dir + "/var&log=" + dir + "/log"
	installable := "path:" + flake + "#default"
	cmd := exec.Command("nix", "--extra-experimental-features", "nix-command flakes", "build", "--store", uri, "--no-link", installable)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nix build: %v\n%s", err, out)
	}
	return uri, installable, dir + "/store"
}

// TestSBOM runs the step on a real flake, in both closures, all formats:
// the documents validate against the official schemas, the outputs and
// metrics agree with them, and a second run gives the same bytes.
func TestSBOM(t *testing.T) {
	uri, installable, _ := builtFlake(t)
	var first map[string][]byte
	for i := range 2 {
		out := t.TempDir()
		r := newRunner(t, map[string]string{"target": installable, "nix-store": uri, "closure": "both", "output-dir": out,
			"format": "cyclonedx-json, cyclonedx-xml\nspdx-json,spdx-tag-value"})
		if code := r.run(); code != 0 {
			t.Fatalf("exit %d\n%s%s", code, r.Stdout.String(), r.Stderr.String())
		}
		files := map[string][]byte{}
		for _, name := range []string{"sbom.cdx.json", "sbom.cdx.xml", "sbom.spdx.json", "sbom.spdx", "sbom.prom"} {
			data, err := os.ReadFile(filepath.Join(out, name))
			if err != nil {
				t.Fatal(err)
			}
			files[name] = data
		}
		if i == 0 {
			first = files
			schematest.Validate(t, schematest.CycloneDX(t), files["sbom.cdx.json"])
			schematest.Validate(t, schematest.SPDX(t), files["sbom.spdx.json"])
			schematest.ValidateXML(t, files["sbom.cdx.xml"])
			checkOutputs(t, r.Outputs(t), out)
			checkMetrics(t, files["sbom.prom"])
			continue
		}
		for name, data := range files {
			if !bytes.Equal(data, first[name]) {
				t.Errorf("%s differs between two runs on the same closure", name)
			}
		}
	}
}

func checkOutputs(t *testing.T, got map[string]string, out string) {
	t.Helper()
	for name, want := range map[string]string{
		"components":     "6", // greeting, libgreet lib and dev, greet-tool, the source, the patch
		"cyclonedx-json": filepath.Join(out, "sbom.cdx.json"),
		"spdx-tag-value": filepath.Join(out, "sbom.spdx"),
		"metrics-file":   filepath.Join(out, "sbom.prom"),
	} {
		if got[name] != want {
			t.Errorf("output %s = %q, want %q", name, got[name], want)
		}
	}
}

func checkMetrics(t *testing.T, data []byte) {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("sbom.prom: %v", err)
	}
	got := map[string]float64{}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			key := name
			for _, l := range m.GetLabel() {
				key += "," + l.GetName() + "=" + l.GetValue()
			}
			got[key] = m.GetGauge().GetValue()
		}
	}
	want := map[string]float64{
		"nixops_sbom_components,kind=store_path":                    6,
		"nixops_sbom_components,kind=embedded":                      0,
		"nixops_sbom_license_components,license=MIT AND Apache-2.0": 1,
		"nixops_sbom_license_components,license=Zlib":               2,
		"nixops_sbom_license_components,license=MIT":                1,
		"nixops_sbom_license_components,license=unknown":            2,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("sbom.prom %s = %v, want %v", k, got[k], v)
		}
	}
	if got["nixops_sbom_closure_size_bytes"] <= 0 {
		t.Errorf("sbom.prom closure size = %v, want > 0", got["nixops_sbom_closure_size_bytes"])
	}
}

// TestBadInput: each mistake is named with what is accepted, the step
// exits 1 and no document is left behind.
func TestBadInput(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		inputs map[string]string
		env    map[string]string
		want   string
	}{
		{"no target", map[string]string{}, nil, `input "target"`},
		{"closure", map[string]string{"target": ".#x", "closure": "sideways"}, nil, `input "closure": "sideways" is not one of runtime, buildtime, both`},
		{"format", map[string]string{"target": ".#x", "format": "cyclonedx-json,pdf"}, nil, `cyclonedx-json, cyclonedx-xml, spdx-json, spdx-tag-value`},
		{"embedded", map[string]string{"target": ".#x", "embedded": "yes"}, nil, `input "embedded"`},
		{"workers", map[string]string{"target": ".#x", "workers": "-2"}, nil, `input "workers"`},
		{"output-dir", map[string]string{"target": ".#x", "output-dir": filepath.Join(notDir, "out")}, nil, `input "output-dir"`},
		{"epoch", map[string]string{"target": ".#x"}, map[string]string{"SOURCE_DATE_EPOCH": "yesterday"}, `SOURCE_DATE_EPOCH="yesterday"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := t.TempDir()
			if tt.inputs["output-dir"] == "" {
				tt.inputs["output-dir"] = out
			}
			r := newRunner(t, tt.inputs)
			for k, v := range tt.env {
				r.Env[k] = v
			}
			if code := r.run(); code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			if !strings.Contains(r.Stdout.String(), "::error::") || !strings.Contains(r.Stdout.String(), tt.want) {
				t.Errorf("stdout lacks an ::error:: with %q:\n%s", tt.want, r.Stdout.String())
			}
			if entries, _ := os.ReadDir(out); len(entries) != 0 {
				t.Errorf("files left in the output directory: %v", entries)
			}
		})
	}
}

// TestNixFailures: problems found by Nix carry Nix's own words.
func TestNixFailures(t *testing.T) {
	uri, installable, storeDir := builtFlake(t)
	missing := storeDir + "/00000000000000000000000000000000-missing-1.0"
	tests := []struct{ name, target, closure, want string }{
		{"unknown attribute", strings.TrimSuffix(installable, "#default") + "#nosuch", "runtime", "does not evaluate"},
		{"not built", strings.TrimSuffix(installable, "#default") + "#greeting-docs", "runtime", "closure: buildtime"},
		{"not in store", missing, "runtime", "is not in the store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			r := newRunner(t, map[string]string{"target": tt.target, "closure": tt.closure, "nix-store": uri, "output-dir": out})
			if code := r.run(); code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			if !strings.Contains(r.Stdout.String(), tt.want) {
				t.Errorf("stdout lacks %q:\n%s", tt.want, r.Stdout.String())
			}
			if entries, _ := os.ReadDir(out); len(entries) != 0 {
				t.Errorf("files left in the output directory: %v", entries)
			}
		})
	}
	t.Run("nix missing", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		r := newRunner(t, map[string]string{"target": installable, "output-dir": t.TempDir()})
		if code := r.run(); code != 1 || !strings.Contains(r.Stdout.String(), "setup-nix") {
			t.Errorf("exit %d, stdout %q: want 1 and a pointer to setup-nix", code, r.Stdout.String())
		}
	})
}
