package main

import (
	"context"
	"errors"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
	"github.com/voidnxsec/nixops-actions/pkg/sbom/diff"
)

// report talks to GitHub where asked: the closure diff, the dependency
// snapshot and the release assets, each tried whatever became of the
// others.
func report(ctx context.Context, a *action.Action, cfg *config, b *sbom.BOM, d *diff.Diff, files map[sbom.Format]string) error {
	var errs []error
	if cfg.compare != nil {
		errs = append(errs, cfg.compare.report(ctx, a, cfg, d))
	}
	if cfg.snapshot != nil {
		errs = append(errs, cfg.snapshot.submit(ctx, a, b))
	}
	if cfg.release != nil {
		errs = append(errs, cfg.release.attach(ctx, a, files))
	}
	return errors.Join(errs...)
}
