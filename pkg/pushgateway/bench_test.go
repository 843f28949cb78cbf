package pushgateway_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/promtest"
	"github.com/voidnxsec/nixops-actions/pkg/pushgateway"
)

type countingTransport struct {
	n  atomic.Int64
	rt http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.rt.RoundTrip(r)
}

// BenchmarkPush10k puts 10,000 series in one request to the real gateway,
// in process. How a user sees it, the whole nixops-publish process
// against curl, is cmd/nixops-publish's BenchmarkPublish10kVsCurl.
func BenchmarkPush10k(b *testing.B) {
	gw := promtest.StartPushgateway(b)
	var body strings.Builder
	body.WriteString("# HELP nixops_bench_value Benchmark series.\n# TYPE nixops_bench_value gauge\n")
	for i := range 10000 {
		fmt.Fprintf(&body, "nixops_bench_value{path=\"/nix/store/%032d-pkg-%d\"} %d\n", i, i, i)
	}
	ct := &countingTransport{rt: http.DefaultTransport}
	p := pushgateway.New(gw.URL, "bench").Client(&http.Client{Transport: ct})
	data := []byte(body.String())
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := p.Put(context.Background(), data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(ct.n.Load())/float64(b.N), "requests/op")
	if ct.n.Load() != int64(b.N) {
		b.Errorf("%d requests for %d pushes", ct.n.Load(), b.N)
	}
	grp := gw.Group(b, map[string]string{"job": "bench"})
	if grp == nil || len(grp.Families["nixops_bench_value"].Metrics) != 10000 {
		b.Fatal("the gateway does not hold the 10,000 series")
	}
}
