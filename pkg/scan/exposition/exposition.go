// Package exposition renders a scan's outcome as a Prometheus text
// exposition file (scan.prom), the input of the publish action: findings
// by kind and severity, the gate's verdict, and the policy exceptions by
// state and about to expire.
//
// Every series is a gauge: each run describes one scan. Labels have
// bounded values: the kinds and severities of pkg/scan and the three
// exception states; no finding's file or rule is a label.
package exposition

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voidnxsec/nixops-actions/pkg/metricfile"
	"github.com/voidnxsec/nixops-actions/pkg/scan"
)

// The series, by full name.
const (
	Findings           = "nixops_scan_findings"
	GatingFindings     = "nixops_scan_gating_findings"
	GatePassed         = "nixops_scan_gate_passed"
	Exceptions         = "nixops_scan_exceptions"
	ExceptionsExpiring = "nixops_scan_exceptions_expiring"
)

var severities = []scan.Severity{scan.SeverityCritical, scan.SeverityHigh, scan.SeverityMedium, scan.SeverityLow, scan.SeverityUnknown}

// Registry returns a registry holding the gauges of r. Every scanned kind
// has a series per severity, zeros included, so a dashboard sees a count
// fall to zero rather than a series vanish.
func Registry(r *scan.Report) (*prometheus.Registry, error) {
	fs := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: Findings, Help: "Findings of the scan by kind (secret, vulnerability, license) and severity."}, []string{"kind", "severity"})
	for _, k := range r.Categories {
		for _, s := range severities {
			fs.WithLabelValues(string(k), s.String())
		}
	}
	for _, f := range r.Findings {
		fs.WithLabelValues(string(f.Kind), f.Severity.String()).Inc()
	}
	gating := prometheus.NewGauge(prometheus.GaugeOpts{Name: GatingFindings, Help: "Findings the gate failed on."})
	gating.Set(float64(r.Counts.Gating))
	passed := prometheus.NewGauge(prometheus.GaugeOpts{Name: GatePassed, Help: "1 when the gate passed, 0 when it failed."})
	if r.Result == scan.ResultPass {
		passed.Set(1)
	}
	exc := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: Exceptions, Help: "Policy exceptions by state: active, expired (fails the gate), stale (matches nothing)."}, []string{"state"})
	soon := prometheus.NewGauge(prometheus.GaugeOpts{Name: ExceptionsExpiring, Help: "Active policy exceptions that end within 14 days."})
	for _, st := range []string{"active", "expired", "stale"} {
		exc.WithLabelValues(st)
	}
	for _, e := range r.Exceptions {
		exc.WithLabelValues(e.State).Inc()
		if e.ExpiresSoon {
			soon.Inc()
		}
	}
	reg := prometheus.NewRegistry()
	for _, c := range []prometheus.Collector{fs, gating, passed, exc, soon} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return reg, nil
}

// WriteFile writes the exposition of r to path, whole or not at all.
func WriteFile(path string, r *scan.Report) error {
	reg, err := Registry(r)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", path, err)
	}
	return metricfile.WriteFile(path, reg)
}
