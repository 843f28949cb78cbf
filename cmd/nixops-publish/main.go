// Command nixops-publish pushes the suite's metric files, merged and
// checked, plus the pipeline's own series, to a Prometheus Pushgateway
// (pkg/publish). It is the publish action's step and, with the same names
// as flags, a laptop CLI. Its inputs are declared in inputs.go.
package main

import (
	"context"
	"runtime/debug"
	"strconv"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/publish"
	"github.com/voidnxsec/nixops-actions/pkg/publish/summary"
)

// version is set at release time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() {
	// A run lives well under a second and allocates a few times the size
	// of its metric files; collecting before the heap is 5x the live data
	// costs more CPU (a fifth of a 10,000-series run) than it frees.
	debug.SetGCPercent(400)
	action.Main(run)
}

func run(ctx context.Context, a *action.Action) error {
	cfg, failOnError, err := inputs(a)
	if err != nil {
		return err // a broken configuration always fails
	}
	// After the inputs: their secrets are masked before anything prints.
	a.Infof("nixops-publish %s", version)
	if cfg.InsecureSkipVerify {
		a.Warningf("insecure-skip-verify is on: the Pushgateway's TLS certificate is NOT checked, so anyone on the network path can impersonate it and read the credentials and metrics sent. Give its CA with ca-file instead.")
	}
	p, err := publish.New(cfg, a)
	if err != nil {
		return nameInputs(err)
	}
	r, err := p.Run(ctx)
	err = explain(err)
	if err == nil {
		err = report(a, r)
	} else if oerr := outputs(a, r); oerr != nil {
		return oerr
	}
	if err != nil && !failOnError && !cfg.DryRun {
		a.Warningf("metrics not published (fail-on-error is false, so the job goes on): %v", err)
		return nil
	}
	return err
}

func outputs(a *action.Action, r *publish.Result) error {
	return a.SetOutputs(
		action.Output{Name: "group-url", Value: r.GroupURL},
		action.Output{Name: "series", Value: strconv.Itoa(r.Series())},
		action.Output{Name: "pushed", Value: strconv.FormatBool(r.Pushed())},
	)
}

// report prints a dry run's body, sets the outputs and writes the summary.
func report(a *action.Action, r *publish.Result) error {
	if r.DryRun {
		if _, err := a.Stdout().Write(r.Body); err != nil {
			return err
		}
	}
	if err := outputs(a, r); err != nil {
		return err
	}
	return a.AddSummary(summary.Markdown(r))
}
