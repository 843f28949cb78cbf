package publish

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/httpclient"
	"github.com/voidnxsec/nixops-actions/pkg/metricfile"
	"github.com/voidnxsec/nixops-actions/pkg/pushgateway"
)

// Logger is where a run reports progress; *action.Action is one.
type Logger interface {
	Infof(format string, args ...any)
	Warningf(format string, args ...any)
}

// Publisher is a checked configuration, ready to run.
type Publisher struct {
	cfg    Config
	pusher *pushgateway.Pusher
	log    Logger
}

// New checks cfg and builds the push. Every error is a broken
// configuration, joined when there are several.
func New(cfg Config, log Logger) (*Publisher, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	tr, err := httpclient.NewTransport(httpclient.Options{Proxy: cfg.Proxy, CAFile: cfg.CAFile, InsecureSkipVerify: cfg.InsecureSkipVerify})
	if err != nil {
		return nil, err
	}
	p := pushgateway.New(cfg.URL, cfg.Job).
		Client(&http.Client{Transport: tr}).
		Timeout(cfg.Timeout).
		Retries(cfg.Retries).
		OnRetry(func(r httpclient.RetryNote) {
			log.Infof("attempt %d failed: %v; retrying in %s", r.Attempt, r.Err, r.Wait.Round(time.Millisecond))
		})
	for _, g := range cfg.Grouping {
		p.Grouping(g[0], g[1])
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	switch {
	case cfg.Token != "":
		p.BearerToken(cfg.Token)
	case cfg.User != "":
		p.BasicAuth(cfg.User, cfg.Password)
	}
	pub := &Publisher{cfg: cfg, pusher: p, log: log}
	pub.warnPlainHTTP()
	return pub, nil
}

// warnPlainHTTP: credentials sent over http:// to another machine can be
// read by anyone on the way.
func (p *Publisher) warnPlainHTTP() {
	u, err := httpclient.ParseBaseURL(p.cfg.URL)
	if err != nil || u.Scheme != "http" || httpclient.IsLoopback(u) {
		return
	}
	_, urlPass := u.User.Password()
	if p.cfg.Token != "" || p.cfg.Password != "" || urlPass {
		p.log.Warningf("the credentials for %s are sent unencrypted (http://, and %s is not this machine): anyone on the network path can read them; use an https:// URL", u.Redacted(), u.Hostname())
	}
}

// GroupURL is the group's URL, credentials redacted.
func (p *Publisher) GroupURL() string { return p.pusher.URL() }

// Result is what a run did.
type Result struct {
	GroupURL string
	Method   string // PUT, POST or DELETE
	DryRun   bool
	Done     bool            // the push or delete succeeded (never in a dry run)
	Set      *metricfile.Set // the checked metrics; nil for a delete
	Body     []byte          // what is (or in a dry run would be) pushed
}

// Pushed reports whether metrics were pushed (not deleted, not a dry run).
func (r *Result) Pushed() bool { return r.Done && r.Method != http.MethodDelete }

// Series is the number of series in the body.
func (r *Result) Series() int {
	if r.Set == nil {
		return 0
	}
	return r.Set.Series()
}

// Run collects the metrics and pushes them, or deletes the group. The
// Result describes what was done even when an error says what failed.
func (p *Publisher) Run(ctx context.Context) (*Result, error) {
	r := &Result{GroupURL: p.GroupURL(), Method: p.method(), DryRun: p.cfg.DryRun}
	if p.cfg.Delete {
		return r, p.delete(ctx, r)
	}
	set, err := p.collect(ctx)
	if err != nil {
		return r, err
	}
	r.Set = set
	if r.Body, err = set.Bytes(); err != nil {
		return r, err
	}
	if p.cfg.DryRun {
		p.log.Infof("dry run: would %s %d series (%d bytes) to %s:", r.Method, r.Series(), len(r.Body), r.GroupURL)
		return r, nil
	}
	p.log.Infof("%s %d series (%d bytes) to %s", r.Method, r.Series(), len(r.Body), r.GroupURL)
	start := time.Now()
	if p.cfg.Post {
		err = p.pusher.Post(ctx, r.Body)
	} else {
		err = p.pusher.Put(ctx, r.Body)
	}
	if err != nil {
		return r, fmt.Errorf("pushing to %s: %w", r.GroupURL, err)
	}
	r.Done = true
	p.log.Infof("pushed in %s", time.Since(start).Round(time.Millisecond))
	return r, nil
}

func (p *Publisher) method() string {
	switch {
	case p.cfg.Delete:
		return http.MethodDelete
	case p.cfg.Post:
		return http.MethodPost
	}
	return http.MethodPut
}

func (p *Publisher) delete(ctx context.Context, r *Result) error {
	if p.cfg.DryRun {
		p.log.Infof("dry run: would DELETE %s", r.GroupURL)
		return nil
	}
	if err := p.pusher.Delete(ctx); err != nil {
		return fmt.Errorf("deleting %s: %w", r.GroupURL, err)
	}
	r.Done = true
	p.log.Infof("deleted %s", r.GroupURL)
	return nil
}

// collect reads every metric file into one checked set and adds the
// pipeline's series.
func (p *Publisher) collect(ctx context.Context) (*metricfile.Set, error) {
	key := map[string]string{"job": p.cfg.Job}
	for _, g := range p.cfg.Grouping {
		key[g[0]] = g[1]
	}
	set := metricfile.New(key).MaxFileSize(p.cfg.MaxFileSize)
	var errs []error
	for _, f := range p.expand() {
		errs = append(errs, set.AddFile(f))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	pl := metricfile.Pipeline{Status: p.cfg.Status, Time: p.cfg.Now}
	if p.cfg.Status != "" && p.cfg.Status != "success" && !p.cfg.Post && !p.cfg.DryRun {
		pl.LastSuccess = p.lastSuccess(ctx)
	}
	return set, set.AddPipeline(pl)
}

// lastSuccess carries the previous success time over a failed run's put,
// which would otherwise erase it. Best effort: without it the series is
// simply absent until the next success.
func (p *Publisher) lastSuccess(ctx context.Context) time.Time {
	v, ok, err := p.pusher.Value(ctx, metricfile.LastSuccessMetric)
	if err != nil {
		p.log.Infof("could not read the last success time from the gateway (%v); it is not carried over", err)
	}
	if !ok || v <= 0 {
		return time.Time{}
	}
	sec := int64(v)
	return time.Unix(sec, int64((v-float64(sec))*1e9))
}

// expand resolves the patterns in order, each file once. A pattern
// matching nothing warns: a failed build often never wrote its files, and
// its status is still worth publishing. New checked the patterns.
func (p *Publisher) expand() []string {
	seen := map[string]bool{}
	var files []string
	for _, pat := range p.cfg.Metrics {
		matches, _ := filepath.Glob(pat)
		if len(matches) == 0 {
			p.log.Warningf("metrics: %q matches no file; nothing from it is published", pat)
		}
		for _, m := range matches {
			if !seen[m] {
				seen[m] = true
				files = append(files, m)
			}
		}
	}
	return files
}
