package exposition_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/voidnxsec/nixops-actions/internal/golden"
	"github.com/voidnxsec/nixops-actions/internal/promtest"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
	"github.com/voidnxsec/nixops-actions/pkg/sbom/exposition"
	"github.com/voidnxsec/nixops-actions/pkg/sbom/sbomtest"
)

// load reads the BOM fixture pkg/sbom/testdata/<name>.json.
func load(t *testing.T, name string) *sbom.BOM {
	return sbomtest.Load(t, filepath.Join("..", "testdata", name+".json"))
}

// TestWrite renders the stats of two BOM fixtures; the values are counted
// by hand from the fixtures.
func TestWrite(t *testing.T) {
	tests := []struct {
		name string
		want map[string]float64 // series with labels, as "name{label=value}"
	}{
		{"licenses", map[string]float64{
			`nixops_sbom_components{kind=store_path}`:                                                         4,
			`nixops_sbom_components{kind=embedded}`:                                                           0,
			`nixops_sbom_closure_size_bytes`:                                                                  0,
			`nixops_sbom_license_components{license=(MIT OR Apache-2.0) AND BSD-3-Clause}`:                    1,
			`nixops_sbom_license_components{license=GPL-2.0-or-later AND LGPL-2.1-only AND GPL-2.0-or-later}`: 1,
			`nixops_sbom_license_components{license=Unfree, redistributable (see COPYING & NOTICE) AND MIT}`:  1,
			`nixops_sbom_license_components{license=LicenseRef-vendor-eula OR MIT}`:                           1,
		}},
		{"embedded", map[string]float64{
			`nixops_sbom_components{kind=store_path}`:            3,
			`nixops_sbom_components{kind=embedded}`:              4, // common, x/net, requests, @types/node
			`nixops_sbom_closure_size_bytes`:                     0,
			`nixops_sbom_license_components{license=Apache-2.0}`: 1,
			`nixops_sbom_license_components{license=unknown}`:    2,
		}},
		{"runtime-deps", map[string]float64{
			`nixops_sbom_components{kind=store_path}`:                                        3,
			`nixops_sbom_components{kind=embedded}`:                                          0,
			`nixops_sbom_closure_size_bytes`:                                                 226560 + 30612736 + 350000,
			`nixops_sbom_license_components{license=GPL-3.0-or-later}`:                       1,
			`nixops_sbom_license_components{license=LGPL-2.1-or-later}`:                      1,
			`nixops_sbom_license_components{license=LGPL-2.0-or-later AND GPL-3.0-or-later}`: 1,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := exposition.Write(&buf, load(t, tt.name).Stats(0)); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", tt.name, "sbom.prom"), buf.Bytes())
			got := parse(t, buf.Bytes())
			// A series that is missing fails: it is not read as 0.
			for k, v := range tt.want {
				if g, ok := got[k]; !ok {
					t.Errorf("%s is missing, want %v", k, v)
				} else if g != v {
					t.Errorf("%s = %v, want %v", k, g, v)
				}
			}
			for k := range got {
				if _, ok := tt.want[k]; !ok {
					t.Errorf("unexpected series %s = %v", k, got[k])
				}
			}
			promtest.CheckMetrics(t, buf.Bytes())
		})
	}
}

// parse reads the exposition back with Prometheus's own parser, checks
// the conventions every series follows and returns the values by
// "name{label=value}".
func parse(t *testing.T, data []byte) map[string]float64 {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("expfmt rejects the exposition: %v\n%s", err, data)
	}
	got := map[string]float64{}
	for name, f := range families {
		if !strings.HasPrefix(name, "nixops_sbom_") || f.GetType() != dto.MetricType_GAUGE || f.GetHelp() == "" {
			t.Errorf("%s: want a gauge with HELP named nixops_sbom_*, got a %s", name, f.GetType())
		}
		for _, m := range f.GetMetric() {
			key := name
			for _, l := range m.GetLabel() {
				key += "{" + l.GetName() + "=" + l.GetValue() + "}"
			}
			got[key] = m.GetGauge().GetValue()
		}
	}
	return got
}

// TestWriteFile: the file holds exactly what Write produces, and nothing
// but the file is left in the directory.
func TestWriteFile(t *testing.T) {
	s := load(t, "embedded").Stats(0)
	dir := t.TempDir()
	path := filepath.Join(dir, "sbom.prom")
	if err := exposition.WriteFile(path, s); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := exposition.Write(&want, s); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("WriteFile wrote\n%s\nwant\n%s", got, want.Bytes())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %v, want sbom.prom only", entries)
	}
	if err := exposition.WriteFile(filepath.Join(dir, "missing", "sbom.prom"), s); err == nil {
		t.Error("WriteFile into a missing directory succeeded")
	}
}

// TestFrozenCopy keeps the sbom.prom that cmd/nixops-publish's tests push
// what this package writes: a renamed series fails here, and -update
// rewrites the copy, so the publish tests then push the new names.
func TestFrozenCopy(t *testing.T) {
	s := sbom.Stats{StorePaths: 12, Embedded: 31, ClosureBytes: 12345678, Licenses: map[string]int{"MIT": 5, "GPL-3.0-or-later": 2}}
	var buf bytes.Buffer
	if err := exposition.Write(&buf, s); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("..", "..", "..", "cmd", "nixops-publish", "testdata", "sbom.prom"), buf.Bytes())
}
