// Command nixops-dora computes the five DORA metrics of a git repository
// from its own history (tags or a production branch), writing dora.json,
// the Prometheus file dora.prom, step outputs and a step summary. It is the
// dora action's step and, with the same names as flags, a laptop CLI:
//
//	nixops-dora --repo . --window 90d
package main

import (
	"context"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/dora"
	"github.com/voidnxsec/nixops-actions/pkg/dora/reportdir"
	"github.com/voidnxsec/nixops-actions/pkg/dora/summary"
)

// version is set at release time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() { action.Main(run) }

func run(ctx context.Context, a *action.Action) error {
	cfg, token, err := parseInputs(a)
	if err != nil {
		return err
	}
	// After the inputs: their secrets are masked before anything prints.
	a.Infof("nixops-dora %s", version)
	var data *dora.GitHubData
	if cfg.Source == "github" {
		end := a.Group("Read deployments, incidents and pull requests from GitHub")
		data, err = githubSource(ctx, a, cfg, token)
		end()
		if err != nil {
			return err
		}
	}
	end := a.Group("Read the history of " + cfg.Repo)
	r, err := dora.ComputeWith(ctx, cfg.Repo, cfg, data)
	end()
	if err != nil {
		return explain(err)
	}
	for _, w := range r.Warnings {
		a.Warningf("%s", w)
	}
	for _, d := range r.IgnoredDeps {
		a.Warningf("GitHub %s of %s is not counted: %s", d.Name, d.Commit, d.Reason)
	}
	a.Infof("%d commits read, %d deployments in the window %s to %s",
		r.CommitsSeen, r.Metrics.Deployments, r.Window.Start.Format("2006-01-02"), r.Window.End.Format("2006-01-02"))
	files, err := reportdir.Write(cfg.OutputDir, r)
	if err != nil {
		return explain(err)
	}
	for _, o := range outputs {
		if err := a.SetOutput(o.name, o.value(r, files)); err != nil {
			return err
		}
	}
	return a.AddSummary(summary.Markdown(r))
}
