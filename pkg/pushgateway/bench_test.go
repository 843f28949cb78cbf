package pushgateway_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/promtest"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
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

// BenchmarkPush10k puts 10,000 series in one request to the real gateway
// and compares it with curl --data-binary of the same body to the same
// gateway (best of 5 runs, process start included, as a CI script pays
// it). x-curl is our time over curl's.
func BenchmarkPush10k(b *testing.B) {
	curl := testenv.LookPath(b, "curl")
	gw := promtest.StartPushgateway(b)
	var body strings.Builder
	body.WriteString("# HELP nixops_bench_value Benchmark series.\n# TYPE nixops_bench_value gauge\n")
	for i := range 10000 {
		fmt.Fprintf(&body, "nixops_bench_value{path=\"/nix/store/%032d-pkg-%d\"} %d\n", i, i, i)
	}
	file := filepath.Join(b.TempDir(), "body.prom")
	if err := os.WriteFile(file, []byte(body.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	best := time.Duration(1 << 62)
	for range 5 {
		start := time.Now()
		out, err := exec.Command(curl, "-sS", "--fail", "-X", "PUT", "-o", "/dev/null",
			"-H", "Content-Type: text/plain; version=0.0.4",
			"--data-binary", "@"+file, gw.URL+"/metrics/job/bench_curl").CombinedOutput()
		if err != nil {
			b.Fatalf("curl: %v: %s", err, out)
		}
		best = min(best, time.Since(start))
	}
	ct := &countingTransport{rt: http.DefaultTransport}
	p := pushgateway.New(gw.URL, "bench").Client(&http.Client{Transport: ct})
	data := []byte(body.String())
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if err := p.Put(context.Background(), data); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	perOp := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(ct.n.Load())/float64(b.N), "requests/op")
	b.ReportMetric(float64(best.Nanoseconds()), "curl-ns/op")
	b.ReportMetric(float64(perOp)/float64(best), "x-curl")
	if ct.n.Load() != int64(b.N) {
		b.Errorf("%d requests for %d pushes", ct.n.Load(), b.N)
	}
	if perOp > time.Second {
		b.Errorf("a push of 10,000 series took %s, over a second", perOp)
	}
	grp := gw.Group(b, map[string]string{"job": "bench"})
	if grp == nil || len(grp.Families["nixops_bench_value"].Metrics) != 10000 {
		b.Fatal("the gateway does not hold the 10,000 series")
	}
}
