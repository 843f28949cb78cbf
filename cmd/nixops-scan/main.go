// Command nixops-scan is the scan action's step and, with the same names as
// flags, a laptop CLI: a security gate over a repository's secrets. It
// exits 0 when the gate passes, 1 when it fails and 2 when the scan itself
// could not run, so a workflow can tell a finding from a broken scan.
package main

import (
	"context"
	"errors"
	"flag"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/scan"
)

// version is set at release time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

// The exit codes, documented in the README.
const (
	exitGateFailed = 1
	exitScanError  = 2
)

func main() { action.Main(run) }

func run(ctx context.Context, a *action.Action) error {
	cfg, err := parseInputs(a)
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	if err != nil {
		return action.ExitCode(exitScanError, err)
	}
	// After the inputs: their secrets are masked before anything prints.
	a.Infof("nixops-scan %s", version)
	rep, err := scanAll(ctx, a, cfg)
	if err != nil {
		_ = a.SetOutput("result", string(scan.ResultError))
		if cfg.check != nil {
			// A required check must not wait for a run that never comes.
			err = errors.Join(err, cfg.check.publish(ctx, a, cfg.check.failedRun(err)))
		}
		return action.ExitCode(exitScanError, err)
	}
	if err := writeResults(a, cfg, rep); err != nil {
		_ = a.SetOutput("result", string(scan.ResultError))
		return action.ExitCode(exitScanError, err)
	}
	var published error
	if cfg.check != nil {
		published = cfg.check.publish(ctx, a, cfg.check.checkRun(rep))
	}
	if rep.Result == scan.ResultFail {
		return action.ExitCode(exitGateFailed, errors.Join(gateError(rep), published))
	}
	if published != nil {
		// The gate passed, but the check run asked for was not reported.
		return action.ExitCode(exitScanError, published)
	}
	return nil
}

// now is replaced by SOURCE_DATE_EPOCH when set.
var now = func() time.Time { return time.Now().UTC().Truncate(time.Second) }
