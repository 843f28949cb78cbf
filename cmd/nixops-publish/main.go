// Command nixops-publish pushes the suite's metric files, merged and
// checked, plus the pipeline's own series, to a Prometheus Pushgateway. It
// is the publish action's step and, with the same names as flags, a laptop
// CLI.
package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/metricfile"
	"github.com/voidnxsec/nixops-actions/pkg/pushgateway"
)

func main() { action.Main(run) }

type config struct {
	url         string
	job         string
	grouping    [][2]string
	method      string
	delete      bool
	metrics     []string
	status      string
	dryRun      bool
	token       string
	user, pass  string
	caFile      string
	insecure    bool
	timeout     time.Duration
	retries     int
	failOnError bool
	now         time.Time
}

func run(ctx context.Context, a *action.Action) error {
	cfg, err := parseInputs(a)
	if err != nil {
		return err // a broken configuration always fails
	}
	err = publish(ctx, a, cfg)
	if err == nil || cfg.failOnError || cfg.dryRun {
		return err
	}
	a.Warningf("metrics not published (fail-on-error is false, so the job goes on): %v", err)
	return nil
}

func parseInputs(a *action.Action) (*config, error) {
	getenv := a.Getenv
	in := a.Inputs()
	url := in.String("pushgateway-url", "", "Pushgateway base URL, e.g. https://pushgateway.example.com", action.Required())
	job := in.String("job", "", "job label of the group (default: the repository name)")
	grouping := in.Lines("grouping", nil, "grouping labels, one name=value a line (default: repository and workflow)")
	method := in.Enum("method", "put", []string{"put", "post"}, "put replaces the whole group; post replaces only the metrics of the same names")
	del := in.Bool("delete", false, "delete the group instead of pushing")
	metrics := in.List("metrics", nil, "metric files or globs (Prometheus text or OpenMetrics), comma- or newline-separated")
	status := in.Enum("status", "", []string{"", "success", "failure", "cancelled"}, "the job's status (job.status); empty: not known")
	dryRun := in.Bool("dry-run", false, "check and print what would be pushed; no network")
	token := in.String("bearer-token", "", "bearer token for the gateway", action.Secret())
	user := in.String("username", "", "basic auth user name")
	pass := in.String("password", "", "basic auth password", action.Secret())
	caFile := in.String("ca-file", "", "PEM CA bundle to trust for the gateway's TLS certificate")
	insecure := in.Bool("insecure-skip-verify", false, "do not check the gateway's TLS certificate (dangerous)")
	timeout := in.Duration("timeout", 30*time.Second, "deadline for the whole push, retries included")
	retries := in.Int("retries", pushgateway.DefaultRetries, "retries after a connection error, 5xx or 429")
	failOnError := in.Bool("fail-on-error", false, "fail the step when the metrics cannot be published (default: warn)")
	in.Output("group-url", "URL of the group in the gateway")
	in.Output("series", "number of series pushed (or, in a dry run, that would be)")
	in.Output("pushed", "true when the push succeeded")
	if err := in.Parse(); err != nil {
		return nil, err
	}
	cfg := &config{
		url: *url, job: *job, method: *method, delete: *del, metrics: *metrics,
		status: *status, dryRun: *dryRun, token: *token, user: *user, pass: *pass,
		caFile: *caFile, insecure: *insecure, timeout: *timeout, retries: *retries,
		failOnError: *failOnError, now: time.Now(),
	}
	if cfg.job == "" {
		cfg.job = defaultJob(getenv)
	}
	var err error
	if cfg.grouping, err = parseGrouping(*grouping, getenv); err != nil {
		return nil, err
	}
	switch {
	case cfg.token != "" && (cfg.user != "" || cfg.pass != ""):
		return nil, errors.New("inputs \"bearer-token\" and \"username\"/\"password\": give one kind of authentication, not both")
	case (cfg.user == "") != (cfg.pass == ""):
		return nil, errors.New("inputs \"username\" and \"password\": give both for basic auth, or neither")
	case cfg.timeout <= 0:
		return nil, errors.New("input \"timeout\": give a positive duration, e.g. 30s")
	case cfg.retries < 0:
		return nil, fmt.Errorf("input \"retries\": %d is negative: give 0 (no retry) or more", cfg.retries)
	}
	return cfg, nil
}

// defaultJob is the repository's name without its owner, stable across
// runs; "nixops" outside a runner.
func defaultJob(getenv func(string) string) string {
	repo := getenv("GITHUB_REPOSITORY")
	if _, name, ok := strings.Cut(repo, "/"); ok && name != "" {
		return name
	}
	return "nixops"
}

// parseGrouping reads name=value lines. The default names the repository
// and workflow, never a run id or SHA: each new value would leave a new
// group in the gateway forever.
func parseGrouping(lines []string, getenv func(string) string) ([][2]string, error) {
	if len(lines) == 0 {
		var g [][2]string
		for _, d := range [][2]string{{"repository", "GITHUB_REPOSITORY"}, {"workflow", "GITHUB_WORKFLOW"}} {
			if v := getenv(d[1]); v != "" {
				g = append(g, [2]string{d[0], v})
			}
		}
		return g, nil
	}
	var g [][2]string
	for _, l := range lines {
		name, value, ok := strings.Cut(l, "=")
		if !ok {
			return nil, fmt.Errorf("input \"grouping\": line %q: write name=value", l)
		}
		g = append(g, [2]string{strings.TrimSpace(name), strings.TrimSpace(value)})
	}
	return g, nil
}

func publish(ctx context.Context, a *action.Action, cfg *config) error {
	p, err := pusher(a, cfg)
	if err != nil {
		return err
	}
	if cfg.delete {
		return deleteGroup(ctx, a, cfg, p)
	}
	set, err := collect(ctx, a, cfg, p)
	if err != nil {
		return err
	}
	body, err := set.Bytes()
	if err != nil {
		return err
	}
	verb := strings.ToUpper(cfg.method)
	if cfg.dryRun {
		a.Infof("dry run: would %s %d series (%d bytes) to %s:", verb, set.Series(), len(body), p.URL())
		if _, err := a.Stdout().Write(body); err != nil {
			return err
		}
		return report(a, cfg, p, set, false)
	}
	a.Infof("%s %d series (%d bytes) to %s", verb, set.Series(), len(body), p.URL())
	start := time.Now()
	if cfg.method == "post" {
		err = p.Post(ctx, body)
	} else {
		err = p.Put(ctx, body)
	}
	if err != nil {
		_ = a.SetOutput("pushed", "false")
		return fmt.Errorf("pushing to %s: %w", p.URL(), err)
	}
	a.Infof("pushed in %s", time.Since(start).Round(time.Millisecond))
	return report(a, cfg, p, set, true)
}

func pusher(a *action.Action, cfg *config) (*pushgateway.Pusher, error) {
	if cfg.insecure {
		a.Warningf("insecure-skip-verify is on: the Pushgateway's TLS certificate is NOT checked, so anyone on the network path can impersonate it and read the credentials and metrics sent. Give its CA with ca-file instead.")
	}
	tr, err := pushgateway.Transport(pushgateway.TransportOptions{CAFile: cfg.caFile, InsecureSkipVerify: cfg.insecure, Getenv: a.Getenv})
	if err != nil {
		return nil, err
	}
	p := pushgateway.New(cfg.url, cfg.job).
		Client(&http.Client{Transport: tr}).
		Timeout(cfg.timeout).
		Retries(cfg.retries).
		OnRetry(func(r pushgateway.Retry) {
			a.Infof("attempt %d failed: %v; retrying in %s", r.Attempt, r.Err, r.Wait.Round(time.Millisecond))
		})
	for _, g := range cfg.grouping {
		p.Grouping(g[0], g[1])
	}
	switch {
	case cfg.token != "":
		p.BearerToken(cfg.token)
	case cfg.user != "":
		p.BasicAuth(cfg.user, cfg.pass)
	}
	return p, nil
}

// collect reads every metric file into one checked set and adds the
// pipeline's series.
func collect(ctx context.Context, a *action.Action, cfg *config, p *pushgateway.Pusher) (*metricfile.Set, error) {
	key := map[string]string{"job": cfg.job}
	for _, g := range cfg.grouping {
		key[g[0]] = g[1]
	}
	set := metricfile.New(key)
	files, err := expand(a, cfg.metrics)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, f := range files {
		errs = append(errs, set.AddFile(f))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	pl := metricfile.Pipeline{Status: cfg.status, Time: cfg.now}
	if cfg.status != "" && cfg.status != "success" && cfg.method == "put" && !cfg.dryRun {
		pl.LastSuccess = lastSuccess(ctx, a, p)
	}
	return set, set.AddPipeline(pl)
}

// lastSuccess carries the previous success time over a failed run's put,
// which would otherwise erase it. Best effort: without it the series is
// simply absent until the next success.
func lastSuccess(ctx context.Context, a *action.Action, p *pushgateway.Pusher) time.Time {
	v, ok, err := p.Value(ctx, metricfile.LastSuccessMetric)
	if err != nil {
		a.Infof("could not read the last success time from the gateway (%v); it is not carried over", err)
	}
	if !ok || v <= 0 {
		return time.Time{}
	}
	sec := int64(v)
	return time.Unix(sec, int64((v-float64(sec))*1e9))
}

// expand resolves globs in order, each file once. A pattern matching
// nothing warns: a failed build often never wrote its files, and its
// status is still worth publishing.
func expand(a *action.Action, patterns []string) ([]string, error) {
	seen := map[string]bool{}
	var files []string
	for _, pat := range patterns {
		matches, err := filepath.Glob(pat)
		if err != nil {
			return nil, fmt.Errorf("input \"metrics\": pattern %q: %w", pat, err)
		}
		if len(matches) == 0 {
			a.Warningf("metrics: %q matches no file; nothing from it is published", pat)
		}
		for _, m := range matches {
			if !seen[m] {
				seen[m] = true
				files = append(files, m)
			}
		}
	}
	return files, nil
}

func deleteGroup(ctx context.Context, a *action.Action, cfg *config, p *pushgateway.Pusher) error {
	if cfg.dryRun {
		a.Infof("dry run: would DELETE %s", p.URL())
		return a.SetOutput("group-url", p.URL())
	}
	if err := p.Delete(ctx); err != nil {
		return fmt.Errorf("deleting %s: %w", p.URL(), err)
	}
	a.Infof("deleted %s", p.URL())
	if err := a.SetOutput("group-url", p.URL()); err != nil {
		return err
	}
	return a.AddSummary("### Pushgateway\n\nDeleted the group `" + p.URL() + "`.\n")
}

// headlineRows bounds the summary table: the full body is in the log.
const headlineRows = 30

func report(a *action.Action, cfg *config, p *pushgateway.Pusher, set *metricfile.Set, pushed bool) error {
	err := a.SetOutputs(action.Output{Name: "group-url", Value: p.URL()},
		action.Output{Name: "series", Value: strconv.Itoa(set.Series())},
		action.Output{Name: "pushed", Value: strconv.FormatBool(pushed)})
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("### Pushgateway\n\n")
	what := "Pushed"
	if !pushed {
		what = "Dry run: would push"
	}
	fmt.Fprintf(&b, "%s **%d series** (%s) to `%s`.\n\n", what, set.Series(), strings.ToUpper(cfg.method), p.URL())
	rows, more := set.Headlines(headlineRows)
	b.WriteString("| Metric | Labels | Value |\n|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", r.Metric, cell(r.Labels), r.Value)
	}
	if more > 0 {
		fmt.Fprintf(&b, "\n…and %d more series.\n", more)
	}
	return a.AddSummary(b.String())
}

// cell keeps label values from breaking the markdown table.
func cell(s string) string {
	if s == "" {
		return ""
	}
	return "`" + strings.NewReplacer("|", `\|`, "`", "'", "\n", " ").Replace(s) + "`"
}
