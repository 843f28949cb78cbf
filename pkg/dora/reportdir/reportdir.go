// Package reportdir writes a DORA report where the dora action leaves it:
// dora.json and dora.prom in one directory, each whole or not at all.
package reportdir

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/voidnxsec/nixops-actions/pkg/dora"
	"github.com/voidnxsec/nixops-actions/pkg/dora/exposition"
)

// Files are the paths Write wrote.
type Files struct {
	Report  string // dora.json, schema dora/report.schema.json
	Metrics string // dora.prom, Prometheus text format
}

// Write creates dir if missing and writes the report's two files into it.
// A directory that cannot be made is a dora.ConfigError of Config.OutputDir.
func Write(dir string, r *dora.Report) (Files, error) {
	f := Files{Report: filepath.Join(dir, "dora.json"), Metrics: filepath.Join(dir, "dora.prom")}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return f, &dora.ConfigError{Field: "OutputDir", Err: fmt.Errorf("cannot create %q: %w", dir, err)}
	}
	if err := dora.WriteReport(f.Report, r); err != nil {
		return f, err
	}
	return f, exposition.WriteFile(f.Metrics, r)
}
