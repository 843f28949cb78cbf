package main

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/httpclient"
	"github.com/voidnxsec/nixops-actions/pkg/metricfile"
	"github.com/voidnxsec/nixops-actions/pkg/publish"
	"github.com/voidnxsec/nixops-actions/pkg/pushgateway"
)

// inputs declares and reads the inputs into a Config; failOnError is
// the action's own.
func inputs(a *action.Action) (cfg publish.Config, failOnError bool, err error) {
	in := a.Inputs()
	url := in.String("pushgateway-url", "", "Pushgateway base URL, e.g. https://pushgateway.example.com", action.Required())
	job := in.String("job", "", "job label of the group (default: the repository name)")
	grouping := in.Lines("grouping", nil, "grouping labels, one name=value a line (default: repository and workflow)")
	method := in.Enum("method", "put", []string{"put", "post"}, "put replaces the whole group; post replaces only the metrics of the same names")
	del := in.Bool("delete", false, "delete the group instead of pushing")
	metrics := in.List("metrics", nil, "metric files or globs (Prometheus text or OpenMetrics), comma- or newline-separated")
	status := in.Enum("status", "", append([]string{""}, metricfile.Statuses...), "the job's status (job.status); empty: not known")
	dryRun := in.Bool("dry-run", false, "check and print what would be pushed; no network")
	token := in.String("bearer-token", "", "bearer token for the gateway", action.Secret())
	user := in.String("username", "", "basic auth user name")
	pass := in.String("password", "", "basic auth password", action.Secret())
	caFile := in.String("ca-file", "", "PEM CA bundle to trust for the gateway's TLS certificate")
	insecure := in.Bool("insecure-skip-verify", false, "do not check the gateway's TLS certificate (dangerous)")
	timeout := in.Duration("timeout", pushgateway.DefaultTimeout, "deadline for the whole push, retries included")
	retries := in.Int("retries", pushgateway.DefaultRetries, "retries after a connection error, 5xx or 429")
	maxSize := in.String("max-file-size", "64MiB", "largest metrics file read: bytes, or a number with KiB, MiB or GiB")
	fail := in.Bool("fail-on-error", false, "fail the step when the metrics cannot be published (default: warn)")
	in.Output("group-url", "URL of the group in the gateway")
	in.Output("series", "number of series pushed (or, in a dry run, that would be)")
	in.Output("pushed", "true when the push succeeded")
	if err := in.Parse(); err != nil {
		return cfg, false, err
	}
	if pw, ok := httpclient.URLPassword(*url); ok {
		a.AddMask(pw) // before anything can print the URL
	}
	rc, err := a.Context()
	if err != nil {
		return cfg, false, err
	}
	cfg = publish.Config{
		URL: *url, Job: *job, Post: *method == "post", Delete: *del, Metrics: *metrics, Status: *status, DryRun: *dryRun,
		Token: *token, User: *user, Password: *pass, CAFile: *caFile, InsecureSkipVerify: *insecure,
		Proxy: httpclient.ProxyFromEnv(a.Getenv), Timeout: *timeout, Retries: *retries, Now: time.Now(),
	}
	if cfg.Job == "" {
		cfg.Job = publish.DefaultJob(rc.Repository)
	}
	cfg.Grouping = publish.DefaultGrouping(rc.Repository, rc.Workflow)
	var groupErr, sizeErr error
	if len(*grouping) > 0 {
		cfg.Grouping, groupErr = publish.ParseGrouping(*grouping)
	}
	cfg.MaxFileSize, sizeErr = publish.ParseSize(*maxSize)
	return cfg, *fail, nameInputs(errors.Join(groupErr, sizeErr))
}

// inputOf names the input behind each kind of configuration error that
// pkg/publish and the packages under it return.
var inputOf = []struct {
	input string
	is    func(error) bool
}{
	{"pushgateway-url", as[*httpclient.URLError]},
	{"job", is(pushgateway.ErrNoJob)},
	{"grouping", as[*publish.GroupingLineError]},
	{"grouping", as[*pushgateway.GroupingError]},
	{"metrics", as[*publish.PatternError]},
	{"ca-file", as[*httpclient.CAFileError]},
	{"bearer-token", is(publish.ErrTwoAuths)},
	{"username", is(publish.ErrNoUser)},
	{"password", is(publish.ErrNoPassword)},
	{"timeout", is(publish.ErrTimeout)},
	{"retries", is(publish.ErrRetries)},
	{"max-file-size", as[*publish.SizeError]},
	{"max-file-size", is(publish.ErrFileSize)},
	{"max-file-size", as[*metricfile.TooLargeError]},
}

func as[T error](err error) bool { var t T; return errors.As(err, &t) }

func is(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }

// explain adds to a failed run what the user can do about it.
func explain(err error) error {
	var se *httpclient.StatusError
	if errors.As(err, &se) && (se.Code == http.StatusUnauthorized || se.Code == http.StatusForbidden) {
		return fmt.Errorf("%w; check the credentials (bearer-token, username/password)", err)
	}
	return nameInputs(err)
}

// nameInputs words each configuration error as an error of its input.
func nameInputs(err error) error {
	var out []error
	for _, e := range split(err) {
		for _, i := range inputOf {
			if i.is(e) {
				e = &action.InputError{Input: i.input, Err: e}
				break
			}
		}
		out = append(out, e)
	}
	return errors.Join(out...)
}

func split(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err == nil {
		return nil
	}
	return []error{err}
}
