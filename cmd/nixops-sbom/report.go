package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/githubapi"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
	"github.com/voidnxsec/nixops-actions/pkg/sbom/diff"
)

// report talks to GitHub where asked: the closure diff, the dependency
// snapshot and the release assets, each tried whatever became of the
// others.
func report(ctx context.Context, a *action.Action, cfg *config, b *sbom.BOM, d *diff.Diff, files map[sbom.Format]string) error {
	// One deadline for every call: retries of one cannot eat another's time
	// without bound.
	ctx, cancel := context.WithTimeout(ctx, cfg.githubTimeout)
	defer cancel()
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
	err := errors.Join(errs...)
	if cutByDeadline(ctx, err) {
		return fmt.Errorf("GitHub's API did not answer within github-timeout (%s), retries included: %w", cfg.githubTimeout, err)
	}
	return err
}

// cutByDeadline tells whether err is GitHub still failing when the
// deadline came: the context ended, or the retries stopped on a server
// error because the next wait (at most a retry's longest, 10 s) would
// have passed the deadline; they then return GitHub's last answer.
func cutByDeadline(ctx context.Context, err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ae *githubapi.APIError
	dl, ok := ctx.Deadline()
	return ok && time.Until(dl) < 10*time.Second && errors.As(err, &ae) && (ae.Status >= 500 || ae.Status == 429)
}
