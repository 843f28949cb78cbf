package main

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/atomicfile"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
)

// write encodes every requested format, each file appearing whole or not
// at all. The documents are streamed to their files, side by side: each is
// CPU-bound and they share nothing but the (read-only) BOM.
func write(b *sbom.BOM, cfg *config) (map[sbom.Format]string, error) {
	paths := make([]string, len(cfg.formats))
	var g errgroup.Group
	for i, f := range cfg.formats {
		paths[i] = filepath.Join(cfg.outDir, "sbom"+f.Extension())
		g.Go(func() error { return writeDocument(b, f, paths[i]) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	files := map[sbom.Format]string{}
	for i, f := range cfg.formats {
		files[f] = paths[i]
	}
	return files, writeMetrics(b, filepath.Join(cfg.outDir, "sbom.prom"))
}

func writeDocument(b *sbom.BOM, f sbom.Format, path string) error {
	out, err := atomicfile.Create(path, 0o644)
	if err != nil {
		return err
	}
	if err := sbom.Encode(out, b, f); err != nil {
		out.Abort()
		return fmt.Errorf("encoding %s: %w", f, err)
	}
	return out.Commit()
}

// writeMetrics leaves the numbers for the publish action in the Prometheus
// text format; WriteToTextfile renames a temp file into place.
func writeMetrics(b *sbom.BOM, path string) error {
	s := b.Stats(0)
	reg := prometheus.NewRegistry()
	comps := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "nixops_sbom_components", Help: "Components in the SBOM, by kind (store_path or embedded)."}, []string{"kind"})
	comps.WithLabelValues("store_path").Set(float64(s.StorePaths))
	comps.WithLabelValues("embedded").Set(float64(s.Embedded))
	size := prometheus.NewGauge(prometheus.GaugeOpts{Name: "nixops_sbom_closure_size_bytes", Help: "Sum of the NAR sizes of the closure's store paths."})
	size.Set(float64(s.ClosureBytes))
	lic := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "nixops_sbom_license_components", Help: "Store path components by declared license."}, []string{"license"})
	for l, n := range s.Licenses {
		lic.WithLabelValues(l).Set(float64(n))
	}
	reg.MustRegister(comps, size, lic)
	if err := prometheus.WriteToTextfile(path, reg); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

func report(a *action.Action, b *sbom.BOM, cfg *config, files map[sbom.Format]string) error {
	s := b.Stats(10)
	outputs := [][2]string{
		{"components", strconv.Itoa(s.Components)},
		{"closure-bytes", strconv.FormatInt(s.ClosureBytes, 10)},
		{"metrics-file", filepath.Join(cfg.outDir, "sbom.prom")},
	}
	for _, f := range cfg.formats {
		outputs = append(outputs, [2]string{string(f), files[f]})
	}
	for _, o := range outputs {
		if err := a.SetOutput(o[0], o[1]); err != nil {
			return err
		}
	}
	return a.AddSummary(summary(b, cfg, s, files))
}

func summary(b *sbom.BOM, cfg *config, s sbom.Stats, files map[sbom.Format]string) string {
	var w strings.Builder
	fmt.Fprintf(&w, "## SBOM of `%s` (%s closure)\n\n", b.Target, cfg.scope)
	fmt.Fprintf(&w, "| components | store paths | embedded packages | closure size |\n|---:|---:|---:|---:|\n| %d | %d | %d | %s |\n\n",
		s.Components, s.StorePaths, s.Embedded, humanBytes(s.ClosureBytes))
	w.WriteString("### Licenses\n\n| license | store paths |\n|---|---:|\n")
	for _, l := range byCount(s.Licenses) {
		fmt.Fprintf(&w, "| %s | %d |\n", l, s.Licenses[l])
	}
	w.WriteString("\n### Largest store paths\n\n| store path | NAR size |\n|---|---:|\n")
	for _, c := range s.Largest {
		fmt.Fprintf(&w, "| `%s` | %s |\n", c.Ref, humanBytes(c.NarSize))
	}
	w.WriteString("\n### Files\n\n")
	var names []string
	for f := range files {
		names = append(names, string(f))
	}
	sort.Strings(names)
	for _, f := range names {
		fmt.Fprintf(&w, "- %s: `%s`\n", f, files[sbom.Format(f)])
	}
	return w.String()
}

func byCount(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
