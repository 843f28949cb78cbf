package e2e_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/promtest"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// stepDone is act's line for a finished step: its name and duration.
var stepDone = regexp.MustCompile(`(?:Success|Failure) - Main (.+) \[([0-9.]+(?:ns|µs|ms|s|m[0-9.]*s?|h[0-9.ms]*))\]`)

// bareStep tells the steps that run what the pipeline wraps (Nix, the
// suite's binaries, the linters) from its own plumbing (checkout, the
// bootstrap, artifacts and caches, the composite wrappers around them).
func bareStep(name string) bool {
	switch {
	case strings.Contains(name, "voidnxsec/") || strings.Contains(name, "actions/") || strings.Contains(name, "bootstrap.sh"):
		return false
	case strings.HasPrefix(name, `"$NIXOPS_`), name == `"$BIN"`:
		return true
	}
	for _, p := range []string{"nix build", "nix flake check", "nix fmt", "shellcheck", "actionlint"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// BenchmarkPipelineOverhead is issue 15's measurement: the reusable
// pipeline under act on the two-package project (its first, successful
// run), the whole run's wall time against the sum of the steps that run
// the bare commands it wraps (Nix, the suite's binaries, the linters, the
// push to the gateway). Jobs act runs side by side count once in the wall
// time and twice in the sum, so the ratio is the pipeline's whole cost
// over the work it does. Target: under 1.3x.
func BenchmarkPipelineOverhead(b *testing.B) {
	act := tool(b, "act")
	for _, c := range []string{"nix", "git", "go", "shellcheck", "jq"} {
		testenv.LookPath(b, c)
	}
	gw := promtest.StartPushgateway(b)
	p := newPipelineProject(b)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		r := p.run(b, act, gw.URL)
		wall := time.Since(start)
		if got := r.jobResultOf("metrics"); got != "success" {
			b.Fatalf("pipeline failed: %s\n%s", got, r.text)
		}
		var bare, plumbing time.Duration
		steps := 0
		for _, l := range r.lines {
			m := stepDone.FindStringSubmatch(l.Msg)
			if m == nil {
				continue
			}
			d, err := time.ParseDuration(m[2])
			if err != nil {
				b.Fatalf("step %q duration %q: %v", m[1], m[2], err)
			}
			switch {
			case bareStep(m[1]):
				bare += d
				steps++
			case !strings.HasPrefix(m[1], "voidnxsec/"): // a wrapper counts its inner steps again
				plumbing += d
			}
		}
		b.Logf("plumbing steps (checkout, bootstrap, artifacts, caches): %v", plumbing.Round(time.Millisecond))
		b.Logf("pipeline %v wall; %d bare steps %v; overhead %.2fx (target under 1.3x)", wall.Round(time.Millisecond), steps, bare.Round(time.Millisecond), wall.Seconds()/bare.Seconds())
		b.ReportMetric(wall.Seconds()/bare.Seconds(), "wall/bare")
	}
}
