// Package pushgateway pushes a metrics body to a Prometheus Pushgateway
// the way a CI job needs: the grouping key encoded so any value arrives
// intact, one deadline for the whole push, and retries with backoff on the
// failures that pass (connection errors, 5xx, 429 with Retry-After) but
// not on the ones that do not (other 4xx, whose message is returned).
//
// Unlike client_golang's push package, which escapes grouping values with
// url.QueryEscape (a space arrives as "+"), values are path-escaped, and
// values with a slash or empty values use the "@base64" form the
// Pushgateway documents.
package pushgateway

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// Defaults for a push; each has a setter.
const (
	DefaultTimeout = 30 * time.Second
	DefaultRetries = 5
	// textContentType is the Prometheus text format 0.0.4.
	textContentType = "text/plain; version=0.0.4; charset=utf-8"
	// maxMessage bounds how much of an error answer is shown.
	maxMessage = 2048
)

// Pusher is a push to one group; build it with New and the setters.
type Pusher struct {
	base     string
	job      string
	grouping [][2]string
	client   *http.Client
	user     string
	pass     string
	token    string
	timeout  time.Duration
	retries  int
	backoff  time.Duration
	maxWait  time.Duration
	onRetry  func(Retry)
	sleep    func(ctx context.Context, d time.Duration) error
	err      error
}

// Retry describes a failed attempt that will be retried, for logging.
type Retry struct {
	Attempt int           // 1-based number of the attempt that failed
	Err     error         // why it failed
	Wait    time.Duration // how long until the next attempt
}

// New starts a push of job's group to the gateway at baseURL (scheme,
// host, optional path prefix).
func New(baseURL, job string) *Pusher {
	p := &Pusher{
		base:    strings.TrimRight(baseURL, "/"),
		job:     job,
		client:  http.DefaultClient,
		timeout: DefaultTimeout,
		retries: DefaultRetries,
		backoff: 500 * time.Millisecond,
		maxWait: 10 * time.Second,
		onRetry: func(Retry) {},
		sleep:   sleepCtx,
	}
	u, err := url.Parse(p.base)
	switch {
	case err != nil:
		p.err = fmt.Errorf("pushgateway URL: %w", err)
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		p.err = fmt.Errorf("pushgateway URL %q: want http(s)://host[:port]", u.Redacted())
	case job == "":
		p.err = errors.New("job is empty: the Pushgateway needs a job name")
	}
	return p
}

// Grouping adds a grouping label. The names job and ones already given are
// refused, as are invalid label names.
func (p *Pusher) Grouping(name, value string) *Pusher {
	switch {
	case name == "job":
		p.setErr(errors.New(`grouping label "job": the job is given on its own`))
	case !model.LegacyValidation.IsValidLabelName(name) || strings.HasPrefix(name, "__"):
		p.setErr(fmt.Errorf("grouping label %q: not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*, no leading __)", name))
	default:
		for _, g := range p.grouping {
			if g[0] == name {
				p.setErr(fmt.Errorf("grouping label %q given twice", name))
			}
		}
	}
	p.grouping = append(p.grouping, [2]string{name, value})
	return p
}

func (p *Pusher) setErr(err error) {
	if p.err == nil {
		p.err = err
	}
}

// Client sets the HTTP client (its transport carries TLS and proxy
// settings: see Transport). Its own Timeout, if any, bounds each attempt.
func (p *Pusher) Client(c *http.Client) *Pusher { p.client = c; return p }

// BasicAuth sends HTTP basic authentication.
func (p *Pusher) BasicAuth(user, password string) *Pusher {
	p.user, p.pass = user, password
	return p
}

// BearerToken sends "Authorization: Bearer token".
func (p *Pusher) BearerToken(token string) *Pusher { p.token = token; return p }

// Timeout bounds the whole push, retries and waits included.
func (p *Pusher) Timeout(d time.Duration) *Pusher { p.timeout = d; return p }

// Retries sets how many times a failed attempt is retried (0: never).
func (p *Pusher) Retries(n int) *Pusher { p.retries = n; return p }

// Backoff sets the first wait between attempts and the cap it doubles up
// to; each wait is jittered to between half and all of it.
func (p *Pusher) Backoff(first, max time.Duration) *Pusher {
	p.backoff, p.maxWait = first, max
	return p
}

// OnRetry is called before each wait for a retry.
func (p *Pusher) OnRetry(f func(Retry)) *Pusher { p.onRetry = f; return p }

// URL is the group's URL, credentials in the base URL redacted.
func (p *Pusher) URL() string {
	u, err := url.Parse(p.groupURL())
	if err != nil {
		return p.groupURL()
	}
	return u.Redacted()
}

func (p *Pusher) groupURL() string {
	parts := []string{p.base, "metrics"}
	parts = append(parts, encodeLabel("job", p.job)...)
	for _, g := range p.sortedGrouping() {
		parts = append(parts, encodeLabel(g[0], g[1])...)
	}
	return strings.Join(parts, "/")
}

func (p *Pusher) sortedGrouping() [][2]string {
	g := append([][2]string(nil), p.grouping...)
	sort.Slice(g, func(i, j int) bool { return g[i][0] < g[j][0] })
	return g
}

// encodeLabel is the Pushgateway's path encoding of one label: URL-safe
// base64 under name@base64 when the value has a slash (which a path
// segment cannot hold) or is empty (which a path cannot hold), since "="
// is the base64 of the empty string; otherwise the path-escaped value.
func encodeLabel(name, value string) []string {
	if value == "" {
		return []string{name + "@base64", "="}
	}
	if strings.Contains(value, "/") {
		return []string{name + "@base64", base64.RawURLEncoding.EncodeToString([]byte(value))}
	}
	return []string{name, url.PathEscape(value)}
}

// Put replaces the whole group with body (Prometheus text format).
func (p *Pusher) Put(ctx context.Context, body []byte) error {
	return p.send(ctx, http.MethodPut, body)
}

// Post replaces only the metrics of the same names in the group.
func (p *Pusher) Post(ctx context.Context, body []byte) error {
	return p.send(ctx, http.MethodPost, body)
}

// Delete deletes the group.
func (p *Pusher) Delete(ctx context.Context) error {
	return p.send(ctx, http.MethodDelete, nil)
}

// StatusError is an answer other than 2xx.
type StatusError struct {
	Method, URL string
	Code        int
	Status      string
	Message     string        // the gateway's explanation, trimmed
	RetryAfter  time.Duration // from Retry-After, 0 when absent
}

func (e *StatusError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "(no message)"
	}
	hint := ""
	switch {
	case e.Code == http.StatusUnauthorized || e.Code == http.StatusForbidden:
		hint = "; check the credentials (bearer-token, username/password)"
	case e.Code == http.StatusBadRequest:
		hint = "; the gateway refused the metrics: a name already pushed with another type or help in any group, or a label contradicting the grouping key"
	}
	return fmt.Sprintf("%s %s: %s: %s%s", e.Method, e.URL, e.Status, msg, hint)
}

// Temporary reports whether the answer may change on retry.
func (e *StatusError) Temporary() bool {
	return e.Code >= 500 || e.Code == http.StatusTooManyRequests
}

func (p *Pusher) send(ctx context.Context, method string, body []byte) error {
	if p.err != nil {
		return p.err
	}
	if p.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.timeout)
		defer cancel()
	}
	wait := p.backoff
	for attempt := 1; ; attempt++ {
		err := p.attempt(ctx, method, body)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return p.deadlineErr(ctx, attempt, err)
		}
		if !retryable(err) {
			return err
		}
		if attempt > p.retries {
			return fmt.Errorf("gave up after %d attempts: %w", attempt, err)
		}
		d := jitter(wait)
		var se *StatusError
		if errors.As(err, &se) && se.RetryAfter > 0 {
			d = se.RetryAfter
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
			return fmt.Errorf("attempt %d failed and the next one (in %s) would pass the %s deadline: %w", attempt, d.Round(time.Millisecond), p.timeout, err)
		}
		p.onRetry(Retry{Attempt: attempt, Err: err, Wait: d})
		if err := p.sleep(ctx, d); err != nil {
			return p.deadlineErr(ctx, attempt, err)
		}
		wait = min(wait*2, p.maxWait)
	}
}

func (p *Pusher) deadlineErr(ctx context.Context, attempts int, last error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("no success within the %s timeout (%d attempts): %w", p.timeout, attempts, last)
	}
	return fmt.Errorf("push cancelled after %d attempts: %w", attempts, last)
}

// retryable: connection failures and 5xx/429 pass; other answers, TLS
// verification and bad URLs do not.
func retryable(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Temporary()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		msg := ue.Err.Error()
		for _, permanent := range []string{"x509:", "tls:", "unsupported protocol scheme", "certificate"} {
			if strings.Contains(msg, permanent) {
				return false
			}
		}
		return true
	}
	return false
}

func (p *Pusher) attempt(ctx context.Context, method string, body []byte) error {
	target := p.groupURL()
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("pushgateway request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", textContentType)
	}
	p.authorize(req)
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, maxMessage))
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode/100 == 2 {
		return nil
	}
	return &StatusError{
		Method:     method,
		URL:        p.URL(),
		Code:       resp.StatusCode,
		Status:     resp.Status,
		Message:    strings.TrimSpace(string(msg)),
		RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now()),
	}
}

// retryAfter reads Retry-After as seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// jitter spreads retries of many jobs hitting one gateway: a random wait
// between d/2 and d.
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Value reads one series' current value in this group from the gateway's
// /api/v1/metrics (a gauge, counter or untyped metric without labels of its
// own beyond the grouping key). It does not retry: callers use it for
// best-effort carry-over, e.g. the last success time before a put.
func (p *Pusher) Value(ctx context.Context, metric string) (float64, bool, error) {
	if p.err != nil {
		return 0, false, p.err
	}
	ctx, cancel := context.WithTimeout(ctx, min(p.timeout, 10*time.Second))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+"/api/v1/metrics", nil)
	if err != nil {
		return 0, false, err
	}
	p.authorize(req)
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, maxMessage))
		return 0, false, &StatusError{Method: http.MethodGet, URL: p.base + "/api/v1/metrics", Code: resp.StatusCode, Status: resp.Status, Message: strings.TrimSpace(string(msg))}
	}
	var doc struct {
		Data []map[string]json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		return 0, false, fmt.Errorf("reading /api/v1/metrics: %w", err)
	}
	want := map[string]string{"job": p.job}
	for _, g := range p.grouping {
		want[g[0]] = g[1]
	}
	for _, group := range doc.Data {
		var labels map[string]string
		if json.Unmarshal(group["labels"], &labels) != nil || !maps.Equal(labels, want) {
			continue
		}
		var fam struct {
			Metrics []struct {
				Value string `json:"value"`
			} `json:"metrics"`
		}
		if raw, ok := group[metric]; !ok || json.Unmarshal(raw, &fam) != nil || len(fam.Metrics) != 1 {
			return 0, false, nil
		}
		v, err := strconv.ParseFloat(fam.Metrics[0].Value, 64)
		return v, err == nil, err
	}
	return 0, false, nil
}

// authorize adds the configured credentials to a request.
func (p *Pusher) authorize(req *http.Request) {
	if p.user != "" || p.pass != "" {
		req.SetBasicAuth(p.user, p.pass)
	}
	if p.token != "" {
		req.Header.Set("Authorization", "Bearer "+p.token)
	}
}
