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
	"io"
	"os"
	"os/signal"
	"reflect"
	"strings"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/dora"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	a := action.New(action.WithGetenv(getenv), action.WithStdout(stdout), action.WithStderr(stderr))
	cfg, err := parseInputs(a, args, getenv)
	if err != nil {
		return a.Fail(err)
	}
	end := a.Group("Read the history of " + cfg.Repo)
	r, err := dora.Compute(ctx, cfg.Repo, cfg)
	end()
	if err != nil {
		return a.Fail(explain(err))
	}
	for _, w := range r.Warnings {
		a.Warningf("%s", w)
	}
	a.Infof("%d commits read, %d deployments in the window %s to %s",
		r.CommitsSeen, r.Metrics.Deployments, r.Window.Start.Format("2006-01-02"), r.Window.End.Format("2006-01-02"))
	files, err := write(r, cfg.OutputDir)
	if err != nil {
		return a.Fail(err)
	}
	if err := report(a, r, files); err != nil {
		return a.Fail(err)
	}
	return 0
}

// parseInputs reads and checks every input before the repository is
// opened, so a typo fails at once and writes nothing.
func parseInputs(a *action.Action, args []string, getenv func(string) string) (dora.Config, error) {
	def := dora.DefaultConfig()
	in := a.Inputs(args)
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
	if err := in.Parse(); err != nil {
		return dora.Config{}, err
	}
	cfg := dora.Config{
		Repo: *repo, Deployments: *deployments, TagPattern: *tagPattern, Branch: *branch,
		Window: *window, Until: *until, CommitTime: *commitTime, ExcludeMerges: *excludeMerges,
		HotfixPattern: *hotfixPattern, AllowShallow: *allowShallow, OutputDir: *outDir,
		Repository: getenv("GITHUB_REPOSITORY"),
	}
	if cfg.OutputDir == "" {
		return cfg, errors.New(`input "output-dir": empty (accepted: a directory path, such as "out")`)
	}
	return cfg, inputErrors(cfg.Validate())
}

// inputErrors words pkg/dora's errors for the action: a ConfigError names
// a Config field, and Config's JSON names are the inputs' names (the report
// echoes the inputs under them).
func inputErrors(err error) error {
	if err == nil {
		return nil
	}
	var parts []error
	for _, e := range split(err) {
		var ce *dora.ConfigError
		if errors.As(e, &ce) {
			e = fmt.Errorf("input %q: %w", inputOf(ce.Field), ce.Err)
		}
		parts = append(parts, e)
	}
	return errors.Join(parts...)
}

func inputOf(field string) string {
	f, ok := reflect.TypeFor[dora.Config]().FieldByName(field)
	if !ok {
		return field
	}
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}

func split(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// explain adds what to do to Compute's errors: the input at fault, and
// for a shallow clone the checkout step that fixes it.
func explain(err error) error {
	if errors.Is(err, dora.ErrShallow) {
		return fmt.Errorf("%w: set fetch-depth: 0 on actions/checkout (or allow-shallow: true to measure the partial history)\n"+
			"Fetch the whole history:\n"+
			"  - uses: actions/checkout@v4\n"+
			"    with:\n"+
			"      fetch-depth: 0\n"+
			"(on a laptop: git fetch --unshallow)", err)
	}
	return inputErrors(err)
}
