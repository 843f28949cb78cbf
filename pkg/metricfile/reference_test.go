package metricfile

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// referenceBody is the body as the set wrote it before the fast paths:
// TextParser's families, labels and series sorted, MetricFamilyToText.
func referenceBody(t *testing.T, files ...string) []byte {
	t.Helper()
	merged := map[string]*dto.MetricFamily{}
	for _, f := range files {
		fams, err := referenceParse([]byte(f))
		if err != nil {
			t.Fatal(err)
		}
		for name, fam := range fams {
			if prev := merged[name]; prev != nil {
				prev.Metric = append(prev.Metric, fam.Metric...)
			} else {
				merged[name] = fam
			}
		}
	}
	var b bytes.Buffer
	for _, name := range slices.Sorted(maps.Keys(merged)) {
		fam := merged[name]
		for _, m := range fam.Metric {
			slices.SortFunc(m.Label, byName)
		}
		slices.SortStableFunc(fam.Metric, func(a, b *dto.Metric) int {
			return strings.Compare(seriesKey(name, a), seriesKey(name, b))
		})
		if _, err := expfmt.MetricFamilyToText(&b, fam); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// TestBodyMatchesReference: the body pushed for 10,000 series in two
// files, in shuffled order, with unsorted labels, escapes and every kind
// of value, is byte for byte what the set wrote before its fast paths.
func TestBodyMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	values := []string{"0", "-0", "1", "-1", "42", "999999", "1e6", "1.5e+09", "0.1", "NaN", "+Inf", "-Inf", "3.14159", "-2.5e-7"}
	var a, b strings.Builder
	a.WriteString("# HELP nixops_x Escapes \\\\ and \\n in help.\n# TYPE nixops_x gauge\n")
	b.WriteString("# TYPE nixops_y_total counter\n")
	for _, i := range r.Perm(10000) {
		v := values[i%len(values)]
		if i%2 == 0 {
			fmt.Fprintf(&a, "nixops_x{z=\"%d\",path=\"/nix/store/%032d-p\\\"q\\\\r\\n\"} %s\n", i%7, i, v)
		} else {
			fmt.Fprintf(&b, "nixops_y_total{k=\"%d\"} %s\n", i, v)
		}
	}
	want := referenceBody(t, a.String(), b.String())
	s := New(nil)
	for i, f := range []string{a.String(), b.String()} {
		if err := s.Add(fmt.Sprint(i), []byte(f)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("the body differs from the reference (%d and %d bytes)", len(got), len(want))
	}
}
