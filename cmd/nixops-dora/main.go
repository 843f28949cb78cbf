// Command nixops-dora computes the five DORA metrics of a git repository
// from its own history (tags or a production branch), writing dora.json,
// the Prometheus file dora.prom, step outputs and a step summary. It is the
// dora action's step and, with the same names as flags, a laptop CLI:
//
//	nixops-dora --repo . --window 90d
package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/dora"
)

func main() { action.Main(run) }

func run(ctx context.Context, a *action.Action) error {
	cfg, err := parseInputs(a)
	if err != nil {
		return err
	}
	end := a.Group("Read the history of " + cfg.Repo)
	r, err := dora.Compute(ctx, cfg.Repo, cfg)
	end()
	if err != nil {
		return explain(err)
	}
	a.Infof("%d commits read, %d deployments in the window %s to %s",
		r.CommitsSeen, r.Metrics.Deployments, r.Window.Start.Format("2006-01-02"), r.Window.End.Format("2006-01-02"))
	files, err := write(r, cfg.OutputDir)
	if err != nil {
		return err
	}
	return report(a, r, files)
}

// parseInputs reads and checks every input before the repository is
// opened, so a typo fails at once and writes nothing.
func parseInputs(a *action.Action) (dora.Config, error) {
	def := dora.DefaultConfig()
	in := a.Inputs()
	repo := in.String("repo", def.Repo, "path of the git work tree to measure")
	deployments := in.Enum("deployments", def.Deployments, []string{"tags", "branch"}, "tags: each tag matching tag-pattern is a deployment; branch: each first-parent commit of the production branch is")
	tagPattern := in.String("tag-pattern", def.TagPattern, "glob (Go path.Match) selecting the deployment tags")
	branch := in.String("branch", def.Branch, "production branch; tags mode: only tags reachable from it count (empty: every tag); branch mode: default the branch HEAD is on")
	window := in.String("window", def.Window, "how far back from until deployments count, such as 90d, 12w or 36h")
	until := in.String("until", def.Until, "RFC 3339 end of the window; empty: the committer time of HEAD, so a given repository state always gives the same report")
	commitTime := in.Enum("commit-time", def.CommitTime, []string{"author", "committer"}, "which commit date starts the lead time; author by default, since a rebase rewrites committer dates")
	excludeMerges := in.Bool("exclude-merges", def.ExcludeMerges, "leave merge commits out of lead time")
	hotfixPattern := in.String("hotfix-pattern", def.HotfixPattern, "glob on tag names marking a hotfix deployment (a Hotfix: true trailer also does)")
	allowShallow := in.Bool("allow-shallow", def.AllowShallow, "measure a shallow clone's partial history instead of failing")
	outDir := in.String("output-dir", def.OutputDir, "directory for dora.json and dora.prom")
	for _, o := range outputs {
		in.Output(o.name, o.description)
	}
	if err := in.Parse(); err != nil {
		return dora.Config{}, err
	}
	cfg := dora.Config{
		Repo: *repo, Deployments: *deployments, TagPattern: *tagPattern, Branch: *branch,
		Window: *window, Until: *until, CommitTime: *commitTime, ExcludeMerges: *excludeMerges,
		HotfixPattern: *hotfixPattern, AllowShallow: *allowShallow, OutputDir: *outDir,
		Repository: a.Getenv("GITHUB_REPOSITORY"),
	}
	if cfg.OutputDir == "" {
		return cfg, errors.New(`input "output-dir": empty (accepted: a directory path, such as "out")`)
	}
	return cfg, nameInputs(cfg.Validate())
}

// inputNames are the inputs pkg/dora may name at the start of an error.
var inputNames = []string{"repo", "deployments", "tag-pattern", "branch", "window", "until", "commit-time", "exclude-merges", "hotfix-pattern", "allow-shallow", "output-dir"}

// nameInputs rewrites pkg/dora's "window: ..." errors into the wording of
// pkg/action, `input "window": ...`, so every bad input reads the same.
func nameInputs(err error) error {
	if err == nil {
		return nil
	}
	var parts []error
	for _, e := range split(err) {
		name, rest, ok := strings.Cut(e.Error(), ": ")
		known := false
		for _, n := range inputNames {
			known = known || n == name
		}
		if ok && known {
			e = fmt.Errorf("input %q: %s", name, rest)
		}
		parts = append(parts, e)
	}
	return errors.Join(parts...)
}

func split(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// explain turns what Compute found wrong with the repository into an error
// that says what to do: pkg/dora names the input at fault, and a shallow
// clone gets the checkout step that fixes it.
func explain(err error) error {
	if strings.Contains(err.Error(), "shallow clone") {
		return fmt.Errorf("%w\nFetch the whole history:\n"+
			"  - uses: actions/checkout@v4\n"+
			"    with:\n"+
			"      fetch-depth: 0\n"+
			"(on a laptop: git fetch --unshallow)", err)
	}
	return nameInputs(err)
}
