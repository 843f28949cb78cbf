package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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
	// A missing series fails: it is not read as 0.
	for k, v := range want {
		if g, ok := got[k]; !ok {
			t.Errorf("sbom.prom lacks %s", k)
		} else if g != v {
			t.Errorf("sbom.prom %s = %v, want %v", k, g, v)
		}
	}
	if g, ok := got["nixops_sbom_closure_size_bytes"]; !ok || g <= 0 {
		t.Errorf("sbom.prom closure size = %v (present: %v), want > 0", g, ok)
	}
}

// TestBadInput: each mistake is named with what is accepted, the step
// exits 1 and no document is left behind.
func TestBadInput(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	noStore := filepath.Join(t.TempDir(), "no-such-store")
	tests := []struct {
		name   string
		inputs map[string]string
		env    map[string]string
		want   string
		// notMade is a directory the step must not create.
		notMade string
	}{
		{"no target", map[string]string{}, nil, `input "target"`, ""},
		{"closure", map[string]string{"target": ".#x", "closure": "sideways"}, nil, `input "closure": "sideways" is not one of runtime, buildtime, both`, ""},
		{"format", map[string]string{"target": ".#x", "format": "cyclonedx-json,pdf"}, nil, `cyclonedx-json, cyclonedx-xml, spdx-json, spdx-tag-value`, ""},
		{"embedded", map[string]string{"target": ".#x", "embedded": "yes"}, nil, `input "embedded"`, ""},
		{"meta", map[string]string{"target": ".#x", "meta": "yes"}, nil, `input "meta": "yes"`, ""},
		{"workers", map[string]string{"target": ".#x", "workers": "-2"}, nil, `input "workers"`, ""},
		{"output-dir", map[string]string{"target": ".#x", "output-dir": filepath.Join(notDir, "out")}, nil, `input "output-dir"`, filepath.Join(notDir, "out")},
		{"epoch", map[string]string{"target": ".#x"}, map[string]string{"SOURCE_DATE_EPOCH": "yesterday"}, `SOURCE_DATE_EPOCH="yesterday"`, ""},
		// Nix would make an empty store there, and the target would read
		// as not built.
		{"nix-store", map[string]string{"target": ".#x", "nix-store": noStore}, nil, `input "nix-store": "` + noStore + `": no such file or directory`, noStore},
		{"nix-store root", map[string]string{"target": ".#x", "nix-store": "local?root=" + noStore}, nil, `input "nix-store"`, noStore},
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
			// Nothing in the output directory the step was given; for the
			// one below a file, nothing beside the file.
			dir, keep := tt.inputs["output-dir"], 0
			if tt.name == "output-dir" {
				dir, keep = filepath.Dir(notDir), 1
			}
			if entries, err := os.ReadDir(dir); err != nil || len(entries) != keep {
				t.Errorf("%s holds %v (%v), want %d entries", dir, entries, err, keep)
			}
			if tt.notMade != "" {
				if _, err := os.Lstat(tt.notMade); err == nil {
					t.Errorf("%s was created", tt.notMade)
				}
			}
		})
	}
}

// TestNixFailures: problems found by Nix carry Nix's own words, and the
// input to change with what to do.
func TestNixFailures(t *testing.T) {
	uri, installable, storeDir := builtFlake(t)
	missing := storeDir + "/00000000000000000000000000000000-missing-1.0"
	flake := strings.TrimSuffix(installable, "#default")
	tests := []struct{ name, target, closure, want string }{
		{"unknown attribute", flake + "#nosuch", "runtime", "does not evaluate"},
		{"not built", flake + "#greeting-docs", "runtime", "closure: buildtime"},
		{"not in store", missing, "runtime", "is not in the store"},
		{"import from derivation", flake + "#ifd", "buildtime", `input "target": "` + flake + `#ifd": evaluating it needs a build first (import from derivation)`},
		{"no deriver", addedFile(t, uri), "buildtime", `input "closure": target "` + addedFile(t, uri) + `" has no known derivation`},
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
	// Without a derivation the runtime closure is still there.
	t.Run("no deriver, runtime", func(t *testing.T) {
		r := newRunner(t, map[string]string{"target": addedFile(t, uri), "nix-store": uri, "output-dir": t.TempDir(), "embedded": "false"})
		if code := r.run(); code != 0 || r.Outputs(t)["components"] != "1" {
			t.Errorf("exit %d, outputs %v: want 0 and one component\n%s", code, r.Outputs(t), r.Log())
		}
	})
	// A binary cache answers Nix's queries but holds no files to scan.
	t.Run("binary cache", func(t *testing.T) {
		out := nixEval(t, uri, installable+".outPath")
		cache := "file://" + t.TempDir() + "?store=" + storeDir
		testenv.Run(t, "nix", "--extra-experimental-features", "nix-command", "copy", "--from", uri, "--to", cache+"&compression=none", out)
		r := newRunner(t, map[string]string{"target": out, "nix-store": cache, "output-dir": t.TempDir()})
		want := `input "embedded": the store keeps its files where only Nix can reach them (` + cache + `): there are no files to scan, set embedded: false`
		if code := r.run(); code != 1 || !strings.Contains(r.Stdout.String(), want) {
			t.Errorf("exit %d, want 1 and %q:\n%s", code, want, r.Log())
		}
		r = newRunner(t, map[string]string{"target": out, "nix-store": cache, "output-dir": t.TempDir(), "embedded": "false"})
		if code := r.run(); code != 0 || r.Outputs(t)["components"] != "2" {
			t.Errorf("embedded: false: exit %d, outputs %v; want 0 and the 2 store paths\n%s", code, r.Outputs(t), r.Log())
		}
	})
	t.Run("nix missing", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		r := newRunner(t, map[string]string{"target": installable, "output-dir": t.TempDir()})
		if code := r.run(); code != 1 || !strings.Contains(r.Stdout.String(), "setup-nix") {
			t.Errorf("exit %d, stdout %q: want 1 and a pointer to setup-nix", code, r.Stdout.String())
		}
	})
}

// addedFile adds a file to the store with nix-store --add, which records
// no deriver, and returns its store path (the same for the same content).
func addedFile(t *testing.T, uri string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(file, []byte("added by hand\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("nix-store", "--store", uri, "--add", file).Output()
	if err != nil {
		t.Fatalf("nix-store --add: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// TestTargets: each kind of target the README names, and the store named
// by NIX_REMOTE rather than nix-store, give the components the flake
// installable gives: a store path, a ./result link (relative to the
// working directory) and a relative link to that link for the runtime
// closure, the .drv for the build-time closure.
func TestTargets(t *testing.T) {
	uri, installable, _ := builtFlake(t)
	out := nixEval(t, uri, installable+".outPath")
	drv := nixEval(t, uri, installable+".drvPath")
	dir := t.TempDir()
	for name, to := range map[string]string{"result": out, "chain": "result"} {
		if err := os.Symlink(to, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	want := map[string][]string{
		"runtime":   componentRefs(t, map[string]string{"target": installable, "nix-store": uri, "closure": "runtime"}),
		"buildtime": componentRefs(t, map[string]string{"target": installable, "nix-store": uri, "closure": "buildtime"}),
	}
	if len(want["runtime"]) != 2 || len(want["buildtime"]) != 6 {
		t.Fatalf("the flake target gives %v", want)
	}
	tests := []struct{ name, target, closure string }{
		{"store path", out, "runtime"},
		{"./result", "./result", "runtime"},
		{"link to the link", "chain", "runtime"},
		{".drv", drv, "buildtime"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := componentRefs(t, map[string]string{"target": tt.target, "nix-store": uri, "closure": tt.closure})
			if !slices.Equal(got, want[tt.closure]) {
				t.Errorf("components %v, the flake target gives %v", got, want[tt.closure])
			}
		})
	}
	t.Run("NIX_REMOTE", func(t *testing.T) {
		t.Setenv("NIX_REMOTE", uri) // for Nix, which reads the process environment
		got := componentRefs(t, map[string]string{"target": installable, "closure": "runtime", "NIX_REMOTE": uri})
		if !slices.Equal(got, want["runtime"]) {
			t.Errorf("components %v, with nix-store %v", got, want["runtime"])
		}
	})
}

// componentRefs runs the step (no embedded scan, CycloneDX JSON) and
// returns the bom-refs of the document, the target's own in its metadata
// included; an input named NIX_REMOTE goes to the step's environment.
func componentRefs(t *testing.T, inputs map[string]string) []string {
	t.Helper()
	remote := inputs["NIX_REMOTE"]
	delete(inputs, "NIX_REMOTE")
	inputs["output-dir"], inputs["format"], inputs["embedded"] = t.TempDir(), "cyclonedx-json", "false"
	r := newRunner(t, inputs)
	if remote != "" {
		r.Env["NIX_REMOTE"] = remote
	}
	if code := r.run(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, r.Log())
	}
	type component struct {
		Ref string `json:"bom-ref"`
	}
	var doc struct {
		Metadata struct {
			Component component `json:"component"` // the target's own
		} `json:"metadata"`
		Components []component `json:"components"`
	}
	data, err := os.ReadFile(filepath.Join(inputs["output-dir"], "sbom.cdx.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	refs := []string{doc.Metadata.Component.Ref}
	for _, c := range doc.Components {
		refs = append(refs, c.Ref)
	}
	slices.Sort(refs)
	return refs
}

func nixEval(t *testing.T, uri, attr string) string {
	t.Helper()
	out, err := exec.Command("nix", "--extra-experimental-features", "nix-command flakes", "--option", "eval-cache", "false",
		"eval", "--store", uri, "--raw", attr).Output()
	if err != nil {
		t.Fatalf("nix eval %s: %v", attr, err)
	}
	return string(out)
}
