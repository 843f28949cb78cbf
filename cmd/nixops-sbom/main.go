// Command nixops-sbom writes CycloneDX and SPDX SBOMs of a Nix closure. It is
// the sbom action's step and, with the same names as flags, a laptop CLI.
package main

import (
	"context"
	"path/filepath"
	"strconv"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/nix/store"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
	"github.com/voidnxsec/nixops-actions/pkg/sbom/diff"
	"github.com/voidnxsec/nixops-actions/pkg/sbom/exposition"
	"github.com/voidnxsec/nixops-actions/pkg/sbom/summary"
)

// version is set at release time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() { action.Main(run) }

func run(ctx context.Context, a *action.Action) error { return runWith(ctx, a) }

// runWith is the step with extra store options, for tests to compare the
// ways of reading the store.
func runWith(ctx context.Context, a *action.Action, storeOpts ...store.Option) error {
	tuneGC(a.Getenv)
	cfg, err := parseInputs(ctx, a)
	if err != nil {
		return err
	}
	// After the inputs: their secrets are masked before anything prints.
	a.Infof("nixops-sbom %s", version)
	cfg.storeOptions = storeOpts
	b, err := generate(ctx, a, cfg)
	if err != nil {
		return explain(err)
	}
	if err := cfg.compare.readBase(ctx, a, cfg); err != nil {
		return err
	}
	files, err := sbom.WriteFiles(cfg.outDir, b, cfg.formats)
	if err != nil {
		return err
	}
	stats := b.Stats(summary.LargestPaths)
	metrics := filepath.Join(cfg.outDir, "sbom.prom")
	if err := exposition.WriteFile(metrics, stats); err != nil {
		return err
	}
	outs := []action.Output{
		{Name: "components", Value: strconv.Itoa(stats.Components)},
		{Name: "closure-bytes", Value: strconv.FormatInt(stats.ClosureBytes, 10)},
		{Name: "metrics-file", Value: metrics},
	}
	for _, f := range cfg.formats {
		outs = append(outs, action.Output{Name: string(f), Value: files[f]})
	}
	var d *diff.Diff
	if cfg.compare != nil {
		var more []action.Output
		if d, more, err = cfg.compare.compare(b); err != nil {
			return err
		}
		outs = append(outs, more...)
	}
	if err := a.SetOutputs(outs...); err != nil {
		return err
	}
	if err := a.AddSummary(summary.Markdown(b.Target, cfg.scope, stats, files)); err != nil {
		return err
	}
	return report(ctx, a, cfg, b, d, files)
}
