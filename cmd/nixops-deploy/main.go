// Command nixops-deploy is the deploy action's step: it runs the deploy
// script, verifies with retries under a deadline, rolls back when
// verification fails, and records each deployment and rollback as an
// annotated tag the dora action reads.
package main

import (
	"context"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/action"
)

// version is set at release time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() { action.Main(run) }

type config struct {
	environment, deploy, verify, rollback, prefix, token string
	attempts                                             int
	interval, timeout                                    time.Duration
	push                                                 bool
}

func run(ctx context.Context, a *action.Action) error {
	in := a.Inputs()
	env := in.String("environment", "", "name of the target environment, in the deployment tags", action.Required())
	dep := in.String("deploy-run", "", "bash script that deploys", action.Required())
	verify := in.String("verify-run", "", "bash script that exits 0 when the deployment is healthy (empty: no verification)")
	rollback := in.String("rollback-run", "", "bash script that restores the previous deployment, run when verification fails")
	attempts := in.Int("verify-attempts", 5, "verification runs at most")
	interval := in.Duration("verify-interval", 10*time.Second, "wait between verification runs")
	timeout := in.Duration("verify-timeout", 5*time.Minute, "deadline of all verification runs")
	prefix := in.String("tag-prefix", "deploy/", "deployment tags are <tag-prefix><environment>/<UTC time>")
	push := in.Bool("push", true, "push the tags to the repository (needs contents: write)")
	token := in.GitHubToken("token for the push")
	in.Output("deployment", "tag of the deployment; empty when the deploy script failed")
	in.Output("rollback", "tag of the rollback; empty when none ran")
	in.Output("result", "deployed, rolled-back or failed")
	in.Output("attempts", "verification runs")
	if err := in.Parse(); err != nil {
		return err
	}
	a.Infof("nixops-deploy %s", version)
	cfg := config{environment: *env, deploy: *dep, verify: *verify, rollback: *rollback, prefix: *prefix, token: token(),
		attempts: *attempts, interval: *interval, timeout: *timeout, push: *push}
	return deployStep(ctx, a, cfg)
}
