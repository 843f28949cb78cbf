// Package exposition renders the headline numbers of an SBOM as a
// Prometheus text exposition file (sbom.prom), the input of the publish
// action and of node_exporter's textfile collector, and the series the
// supply-chain dashboard reads.
//
// Every series is a gauge: each run describes one closure, and the numbers
// go down as well as up from one run to the next. Names follow
// https://prometheus.io/docs/practices/naming/: the nixops_sbom prefix,
// base units (bytes), the unit as the last word. Labels have bounded
// values: the kind of component, and the declared license (the set of
// licenses in a closure is small; "unknown" when none is declared).
package exposition

import (
	"fmt"
	"io"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voidnxsec/nixops-actions/pkg/metricfile"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
)

// The series, by full name.
const (
	// Components counts components by kind, store_path or embedded.
	Components = "nixops_sbom_components"
	// ClosureSize is the sum of the NAR sizes of the store paths.
	ClosureSize = "nixops_sbom_closure_size_bytes"
	// LicenseComponents counts store path components by license.
	LicenseComponents = "nixops_sbom_license_components"
)

// Registry returns a registry holding the gauges of s.
func Registry(s sbom.Stats) (*prometheus.Registry, error) {
	comps := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: Components, Help: "Components in the SBOM, by kind (store_path or embedded)."}, []string{"kind"})
	comps.WithLabelValues("store_path").Set(float64(s.StorePaths))
	comps.WithLabelValues("embedded").Set(float64(s.Embedded))
	size := prometheus.NewGauge(prometheus.GaugeOpts{Name: ClosureSize, Help: "Sum of the NAR sizes of the closure's store paths."})
	size.Set(float64(s.ClosureBytes))
	lic := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: LicenseComponents, Help: "Store path components by declared license."}, []string{"license"})
	for l, n := range s.Licenses {
		lic.WithLabelValues(l).Set(float64(n))
	}
	reg := prometheus.NewRegistry()
	for _, c := range []prometheus.Collector{comps, size, lic} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return reg, nil
}

// Write writes the exposition of s to w, families sorted by name.
func Write(w io.Writer, s sbom.Stats) error {
	reg, err := Registry(s)
	if err != nil {
		return err
	}
	return metricfile.Encode(w, reg)
}

// WriteFile writes the exposition of s to path, whole or not at all.
func WriteFile(path string, s sbom.Stats) error {
	reg, err := Registry(s)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", path, err)
	}
	return metricfile.WriteFile(path, reg)
}
