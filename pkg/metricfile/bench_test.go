package metricfile_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/pkg/metricfile"
)

func series10k() []byte {
	var body strings.Builder
	body.WriteString("# HELP nixops_bench_value Benchmark series.\n# TYPE nixops_bench_value gauge\n")
	for i := range 10000 {
		fmt.Fprintf(&body, "nixops_bench_value{path=\"/nix/store/%032d-pkg-%d\"} %d\n", i, i, i)
	}
	return []byte(body.String())
}

func BenchmarkAddEncode10k(b *testing.B) {
	data := series10k()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		s := metricfile.New(map[string]string{"job": "bench"})
		if err := s.Add("bench.prom", data); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Bytes(); err != nil {
			b.Fatal(err)
		}
	}
}
