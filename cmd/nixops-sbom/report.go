package main

import (
	"context"
	"errors"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
	"github.com/voidnxsec/nixops-actions/pkg/sbom/diff"
)

// report talks to GitHub where asked: the closure diff and the dependency
// snapshot, each tried whatever became of the other.
func report(ctx context.Context, a *action.Action, cfg *config, b *sbom.BOM, d *diff.Diff) error {
	var errs []error
	if cfg.compare != nil {
		errs = append(errs, cfg.compare.report(ctx, a, cfg, d))
	}
	if cfg.snapshot != nil {
		errs = append(errs, cfg.snapshot.submit(ctx, a, b))
	}
	return errors.Join(errs...)
}
