// Package publish is the work of the publish action: the metric files of
// the suite's other actions read, merged and checked into one body
// (pkg/metricfile), the pipeline's own series added, and the body pushed
// to a Prometheus Pushgateway group (pkg/pushgateway), or the group
// deleted. Its report is package summary's.
//
// A Config holds the settings; New checks every one of them before any
// file is read or request sent, so a broken configuration is an error at
// once, whatever the caller does with a failed push. Errors are typed:
// the settings' own (the sentinels below, GroupingLineError,
// PatternError, SizeError) and those of the packages doing the work
// (httpclient.URLError, httpclient.CAFileError, pushgateway.GroupingError),
// for the action layer to word with the names of its inputs.
package publish

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/metricfile"
)

// Config is a publish run's settings.
type Config struct {
	URL      string      // the gateway's base URL, credentials allowed
	Job      string      // the group's job; see DefaultJob
	Grouping [][2]string // the group's other labels; see ParseGrouping, DefaultGrouping
	Post     bool        // POST (replace same-named metrics) instead of PUT (replace the group)
	Delete   bool        // delete the group instead of pushing
	Metrics  []string    // files or filepath.Glob patterns, in order
	Status   string      // the job's status: one of metricfile.Statuses or ""
	DryRun   bool        // check and return the body; no request

	Token              string // bearer token
	User, Password     string // basic authentication
	CAFile             string // PEM bundle trusted besides the system roots
	InsecureSkipVerify bool   // accept any certificate (the caller warns)
	// Proxy chooses a request's proxy (httpclient.ProxyFromEnv); nil: none.
	Proxy func(*http.Request) (*url.URL, error)

	Timeout     time.Duration // the whole push, retries included
	Retries     int           // after a connection error, 5xx or 429
	MaxFileSize int64         // one metrics file's limit in bytes
	Now         time.Time     // the run's time, for the pipeline series
}

// Errors of settings that contradict each other or are out of range.
var (
	ErrTwoAuths   = errors.New("give one kind of authentication, a bearer token or a user name and password, not both")
	ErrNoUser     = errors.New("a password without a user name: basic authentication needs both")
	ErrNoPassword = errors.New("a user name without a password: basic authentication needs both")
	ErrTimeout    = errors.New("give a positive duration, such as 30s")
	ErrRetries    = errors.New("give 0 (no retry) or more")
	ErrStatus     = errors.New("give success, failure or cancelled (the job.status expression), or nothing")
	ErrFileSize   = errors.New("give a positive size")
)

// check returns every problem of the settings that need no other package.
func (c *Config) check() error {
	var errs []error
	switch {
	case c.Token != "" && (c.User != "" || c.Password != ""):
		errs = append(errs, ErrTwoAuths)
	case c.User == "" && c.Password != "":
		errs = append(errs, ErrNoUser)
	case c.User != "" && c.Password == "":
		errs = append(errs, ErrNoPassword)
	}
	if c.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("timeout %s: %w", c.Timeout, ErrTimeout))
	}
	if c.Retries < 0 {
		errs = append(errs, fmt.Errorf("%d retries: %w", c.Retries, ErrRetries))
	}
	if c.MaxFileSize <= 0 {
		errs = append(errs, fmt.Errorf("file size limit %d: %w", c.MaxFileSize, ErrFileSize))
	}
	if c.Status != "" && !slices.Contains(metricfile.Statuses, c.Status) {
		errs = append(errs, fmt.Errorf("status %q: %w", c.Status, ErrStatus))
	}
	for _, pat := range c.Metrics {
		if _, err := filepath.Match(pat, ""); err != nil {
			errs = append(errs, &PatternError{Pattern: pat, Err: err})
		}
	}
	return errors.Join(errs...)
}

// PatternError is a metrics pattern filepath.Glob cannot use.
type PatternError struct {
	Pattern string
	Err     error
}

func (e *PatternError) Error() string { return fmt.Sprintf("pattern %q: %v", e.Pattern, e.Err) }
func (e *PatternError) Unwrap() error { return e.Err }

// DefaultJob is the repository's name without its owner (repo is
// owner/name, GITHUB_REPOSITORY), stable across runs; "nixops" without one.
func DefaultJob(repo string) string {
	if _, name, ok := strings.Cut(repo, "/"); ok && name != "" {
		return name
	}
	return "nixops"
}

// DefaultGrouping names the repository and the workflow, each when known;
// never a run id or SHA, since each new value would leave a new group in
// the gateway forever.
func DefaultGrouping(repo, workflow string) [][2]string {
	var g [][2]string
	for _, d := range [][2]string{{"repository", repo}, {"workflow", workflow}} {
		if d[1] != "" {
			g = append(g, d)
		}
	}
	return g
}

// GroupingLineError is a grouping line without "=".
type GroupingLineError struct{ Line string }

func (e *GroupingLineError) Error() string {
	return fmt.Sprintf("line %q: write name=value", e.Line)
}

// ParseGrouping reads name=value lines, trimming blanks around both. The
// names are checked by New, with the Pushgateway's rules.
func ParseGrouping(lines []string) ([][2]string, error) {
	var g [][2]string
	for _, l := range lines {
		name, value, ok := strings.Cut(l, "=")
		if !ok {
			return nil, &GroupingLineError{Line: l}
		}
		g = append(g, [2]string{strings.TrimSpace(name), strings.TrimSpace(value)})
	}
	return g, nil
}

// SizeError is a size that ParseSize cannot read.
type SizeError struct{ Value string }

func (e *SizeError) Error() string {
	return fmt.Sprintf("size %q: give bytes, or a number with KiB, MiB or GiB, such as 64MiB", e.Value)
}

// ParseSize reads a byte count: a whole number, optionally followed by
// KiB, MiB or GiB.
func ParseSize(s string) (int64, error) {
	num, mult := strings.TrimSpace(s), int64(1)
	for i, unit := range []string{"KiB", "MiB", "GiB"} {
		if n, ok := strings.CutSuffix(num, unit); ok {
			num, mult = strings.TrimSpace(n), int64(1)<<(10*(i+1))
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, &SizeError{Value: s}
	}
	return n * mult, nil
}
