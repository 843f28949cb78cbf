package metricfile

import (
	"bytes"
	"fmt"
	"io"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/voidnxsec/nixops-actions/pkg/atomicfile"
)

// Encode writes what g gathers in the Prometheus text format, families
// sorted by name: the exposition files the actions leave for publish.
func Encode(w io.Writer, g prometheus.Gatherer) error {
	families, err := g.Gather()
	if err != nil {
		return err
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range families {
		if err := enc.Encode(f); err != nil {
			return err
		}
	}
	return nil
}

// WriteFile writes what g gathers to path, whole or not at all.
func WriteFile(path string, g prometheus.Gatherer) error {
	var buf bytes.Buffer
	if err := Encode(&buf, g); err != nil {
		return fmt.Errorf("encoding %s: %w", path, err)
	}
	if err := atomicfile.Write(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
