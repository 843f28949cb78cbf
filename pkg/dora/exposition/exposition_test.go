package exposition_test

import (
	"bytes"
	"github.com/voidnxsec/nixops-actions/internal/golden"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/dora"
	"github.com/voidnxsec/nixops-actions/pkg/dora/exposition"
)

// load reads the shared report fixture pkg/dora/testdata/reports/<name>.json.
func load(t *testing.T, name string) *dora.Report {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "reports", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := dora.DecodeReport(f)
	if err != nil {
		t.Fatalf("%s: %v", f.Name(), err)
	}
	return r
}

func TestWrite(t *testing.T) {
	tests := []struct {
		name string
		want map[string]float64 // series without labels -> value
		// absent: statistics the report has no data for.
		absent []string
	}{
		{
			name: "full",
			want: map[string]float64{
				"window_seconds":                                 90 * 86400,
				"window_end_timestamp_seconds":                   1704844800, // 2024-01-10T00:00:00Z
				"history_commits":                                8,
				"skewed_commits":                                 0,
				"deployments":                                    5,
				"failed_deployments":                             2,
				"rework_deployments":                             2,
				"change_fail_ratio":                              0.4,
				"deployment_rework_ratio":                        0.4,
				"deployment_interval_median_seconds":             108000,
				"deployment_interval_p90_seconds":                388800,
				"deployment_interval_mean_seconds":               158400,
				"deployment_intervals":                           4,
				"change_lead_time_median_seconds":                64800,
				"change_lead_time_p90_seconds":                   86400,
				"change_lead_time_mean_seconds":                  53485.71428571428,
				"change_lead_time_commits":                       7,
				"failed_deployment_recovery_time_median_seconds": 36000,
				"failed_deployment_recovery_time_p90_seconds":    43200,
				"failed_deployment_recovery_time_mean_seconds":   36000,
				"recovered_deployments":                          2,
			},
		},
		{
			name: "no-data",
			want: map[string]float64{
				"window_seconds":               14 * 86400,
				"window_end_timestamp_seconds": 1710115200, // 2024-03-11T00:00:00Z
				"history_commits":              1,
				"deployments":                  0,
				"failed_deployments":           0,
				"rework_deployments":           0,
				"deployment_intervals":         0,
				"change_lead_time_commits":     0,
				"recovered_deployments":        0,
			},
			absent: []string{
				"change_fail_ratio", "deployment_rework_ratio",
				"deployment_interval_median_seconds", "deployment_interval_p90_seconds", "deployment_interval_mean_seconds",
				"change_lead_time_median_seconds", "change_lead_time_p90_seconds", "change_lead_time_mean_seconds",
				"failed_deployment_recovery_time_median_seconds", "failed_deployment_recovery_time_p90_seconds", "failed_deployment_recovery_time_mean_seconds",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := load(t, tt.name)
			var buf bytes.Buffer
			if err := exposition.Write(&buf, r); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", tt.name, "dora.prom"), buf.Bytes())
			got := parse(t, buf.Bytes(), r)
			for name, v := range tt.want {
				g, ok := got[name]
				if !ok {
					t.Errorf("%s%s is missing", exposition.Prefix, name)
				} else if g != v {
					t.Errorf("%s%s = %v, want %v", exposition.Prefix, name, g, v)
				}
			}
			for _, name := range tt.absent {
				if v, ok := got[name]; ok {
					t.Errorf("%s%s = %v, want no series (no data is not 0)", exposition.Prefix, name, v)
				}
			}
			if extra := len(got) - len(tt.want); extra > 1 {
				t.Errorf("%d series beyond the expected ones (skewed_commits may be one): %v", extra, got)
			}
			promtool(t, buf.Bytes())
		})
	}
}

// parse reads the exposition back with Prometheus's own parser and checks
// the conventions every series must follow; it returns value by name
// without the prefix.
func parse(t *testing.T, data []byte, r *dora.Report) map[string]float64 {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("expfmt rejects the exposition: %v\n%s", err, data)
	}
	got := map[string]float64{}
	for name, f := range families {
		if !strings.HasPrefix(name, exposition.Prefix) {
			t.Errorf("%s lacks the %s prefix", name, exposition.Prefix)
		}
		if f.GetType() != dto.MetricType_GAUGE || strings.HasSuffix(name, "_total") {
			t.Errorf("%s is a %s; every series is a gauge without _total (the report is a window snapshot)", name, f.GetType())
		}
		if f.GetHelp() == "" {
			t.Errorf("%s has no HELP", name)
		}
		if len(f.GetMetric()) != 1 {
			t.Fatalf("%s has %d series, want 1", name, len(f.GetMetric()))
		}
		m := f.GetMetric()[0]
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		// An empty label value is no label at all in Prometheus.
		want := map[string]string{"repository": r.Repository}
		if r.Branch != "" {
			want["branch"] = r.Branch
		}
		if len(labels) != len(want) || labels["repository"] != want["repository"] || labels["branch"] != want["branch"] {
			t.Errorf("%s has labels %v, want %v (repository and branch only)", name, labels, want)
		}
		got[strings.TrimPrefix(name, exposition.Prefix)] = m.GetGauge().GetValue()
	}
	return got
}

// promtool runs `promtool check metrics`, the linter of the Prometheus
// project (Debian package prometheus): it rejects what the naming guide
// forbids, such as a counter without _total or a non-base unit.
func promtool(t *testing.T, data []byte) {
	t.Helper()
	bin := testenv.LookPath(t, "promtool")
	cmd := exec.Command(bin, "check", "metrics")
	cmd.Stdin = bytes.NewReader(data)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestWriteFile: the file holds exactly what Write produces, and nothing
// but the file is left in the directory.
func TestWriteFile(t *testing.T) {
	r := load(t, "full")
	dir := t.TempDir()
	path := filepath.Join(dir, "dora.prom")
	if err := exposition.WriteFile(path, r); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := exposition.Write(&want, r); err != nil {
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
		t.Errorf("directory holds %v, want dora.prom only", entries)
	}
	if err := exposition.WriteFile(filepath.Join(dir, "missing", "dora.prom"), r); err == nil {
		t.Error("WriteFile into a missing directory succeeded")
	}
}
