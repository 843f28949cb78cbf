// Package pushgateway pushes a metrics body to a Prometheus Pushgateway
// the way a CI job needs: the grouping key encoded so any value arrives
// intact, one deadline for the whole push, retries with backoff on the
// failures that pass (connection errors, 5xx, 429 with Retry-After) but
// not on the ones that do not (other 4xx, whose message is returned, TLS
// failures), no redirects, and bounded reads of every answer. The
// connection and retry plumbing is pkg/httpclient's.
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
	"maps"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/voidnxsec/nixops-actions/pkg/httpclient"
)

// Defaults for a push; each has a setter.
const (
	DefaultTimeout = 30 * time.Second
	DefaultRetries = 5
	// MaxMetricsAPIBody bounds the /api/v1/metrics answer Value decodes:
	// it holds every group on the gateway.
	MaxMetricsAPIBody = 64 << 20
	// textContentType is the Prometheus text format 0.0.4.
	textContentType = "text/plain; version=0.0.4; charset=utf-8"
)

// Pusher is a push to one group; build it with New and the setters.
type Pusher struct {
	base     string // the URL as given, without trailing slashes; "" when New refused it
	job      string
	grouping [][2]string
	client   *http.Client
	user     string
	pass     string
	token    string
	retry    httpclient.Retry
	maxValue int64 // limit of the /api/v1/metrics body Value reads
	err      error
}

// GroupingError is a grouping label the Pushgateway cannot take.
type GroupingError struct {
	Name   string
	Reason string
}

func (e *GroupingError) Error() string { return fmt.Sprintf("grouping label %q: %s", e.Name, e.Reason) }

// ErrNoJob: the job name is empty.
var ErrNoJob = errors.New("job is empty: the Pushgateway needs a job name")

// New starts a push of job's group to the gateway at baseURL (scheme,
// host, optional path prefix). A URL that cannot be used is an
// *httpclient.URLError, which quotes no password; see Err.
func New(baseURL, job string) *Pusher {
	p := &Pusher{
		job:      job,
		client:   defaultClient(),
		maxValue: MaxMetricsAPIBody,
		retry: httpclient.Retry{
			Retries: DefaultRetries,
			First:   500 * time.Millisecond,
			Max:     10 * time.Second,
			Timeout: DefaultTimeout,
		},
	}
	_, err := httpclient.ParseBaseURL(baseURL)
	switch {
	case err != nil:
		p.err = err
	case job == "":
		p.err = ErrNoJob
	default:
		p.base = strings.TrimRight(baseURL, "/")
	}
	return p
}

// defaultClient is a transport without proxy or extra CA, refusing
// redirects.
func defaultClient() *http.Client {
	tr, _ := httpclient.NewTransport(httpclient.Options{}) // no CA file: cannot fail
	return &http.Client{Transport: tr, CheckRedirect: httpclient.RefuseRedirects}
}

// Err is the first configuration error (URL, job, grouping), which every
// push would return: callers check it before any network work.
func (p *Pusher) Err() error { return p.err }

// Grouping adds a grouping label. The names job and ones already given are
// refused, as are invalid label names.
func (p *Pusher) Grouping(name, value string) *Pusher {
	if err := checkGroupingName(name); err != nil {
		p.setErr(err)
	}
	for _, g := range p.grouping {
		if g[0] == name {
			p.setErr(&GroupingError{Name: name, Reason: "given twice"})
		}
	}
	p.grouping = append(p.grouping, [2]string{name, value})
	return p
}

// checkGroupingName refuses what the Pushgateway would not group by.
func checkGroupingName(name string) error {
	switch {
	case name == "job":
		return &GroupingError{Name: name, Reason: "the job is given on its own"}
	case !model.LegacyValidation.IsValidLabelName(name) || strings.HasPrefix(name, "__"):
		return &GroupingError{Name: name, Reason: "not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*, no leading __)"}
	}
	return nil
}

func (p *Pusher) setErr(err error) {
	if p.err == nil {
		p.err = err
	}
}

// Client sets the HTTP client (its transport carries TLS and proxy
// settings: see httpclient.NewTransport). Its own Timeout, if any, bounds
// each attempt. Pushes never follow redirects, whatever the client's
// CheckRedirect says: a copy of c with httpclient.RefuseRedirects is used.
func (p *Pusher) Client(c *http.Client) *Pusher {
	cp := *c
	cp.CheckRedirect = httpclient.RefuseRedirects
	p.client = &cp
	return p
}

// BasicAuth sends HTTP basic authentication.
func (p *Pusher) BasicAuth(user, password string) *Pusher {
	p.user, p.pass = user, password
	return p
}

// BearerToken sends "Authorization: Bearer token".
func (p *Pusher) BearerToken(token string) *Pusher { p.token = token; return p }

// Timeout bounds the whole push, retries and waits included.
func (p *Pusher) Timeout(d time.Duration) *Pusher { p.retry.Timeout = d; return p }

// Retries sets how many times a failed attempt is retried (0: never).
func (p *Pusher) Retries(n int) *Pusher { p.retry.Retries = n; return p }

// Backoff sets the first wait between attempts and the cap it doubles up
// to; each wait is jittered to between half and all of it.
func (p *Pusher) Backoff(first, max time.Duration) *Pusher {
	p.retry.First, p.retry.Max = first, max
	return p
}

// OnRetry is called before each wait for a retry.
func (p *Pusher) OnRetry(f func(httpclient.RetryNote)) *Pusher { p.retry.OnRetry = f; return p }

// Clock replaces the real time source of the retry loop (for tests).
func (p *Pusher) Clock(c httpclient.Clock) *Pusher { p.retry.Clock = c; return p }

// URL is the group's URL, credentials in the base URL redacted.
func (p *Pusher) URL() string { return redacted(p.groupURL()) }

func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "" // New parsed the base; the path parts are escaped
	}
	return u.Redacted()
}

func (p *Pusher) groupURL() string {
	if p.base == "" {
		return ""
	}
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
// segment cannot hold), is "." or ".." (which the gateway's router cleans
// away, answering with a redirect to another group) or is empty (which a
// path cannot hold; "=" is the base64 of the empty string); otherwise the
// path-escaped value.
func encodeLabel(name, value string) []string {
	if value == "" {
		return []string{name + "@base64", "="}
	}
	if strings.Contains(value, "/") || value == "." || value == ".." {
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

// errRefused explains the Pushgateway's 400, which its message alone
// does not make clear.
const errRefused = "the gateway refused the metrics: a name already pushed with another type or help in any group, or a label contradicting the grouping key"

func (p *Pusher) send(ctx context.Context, method string, body []byte) error {
	if p.err != nil {
		return p.err
	}
	return p.retry.Do(ctx, func(ctx context.Context) error {
		return p.attempt(ctx, method, body)
	})
}

func (p *Pusher) attempt(ctx context.Context, method string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, method, p.groupURL(), bytes.NewReader(body))
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
	if err := httpclient.CheckResponse(resp); err != nil {
		if resp.StatusCode == http.StatusBadRequest {
			return fmt.Errorf("%w; %s", err, errRefused)
		}
		return err
	}
	httpclient.Discard(resp)
	return nil
}

// Value reads one series' current value in this group from the gateway's
// /api/v1/metrics (a gauge, counter or untyped metric without labels of its
// own beyond the grouping key). It does not retry: callers use it for
// best-effort carry-over, e.g. the last success time before a put.
func (p *Pusher) Value(ctx context.Context, metric string) (float64, bool, error) {
	if p.err != nil {
		return 0, false, p.err
	}
	timeout := 10 * time.Second
	if p.retry.Timeout > 0 {
		timeout = min(p.retry.Timeout, timeout)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
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
	if err := httpclient.CheckResponse(resp); err != nil {
		return 0, false, err
	}
	defer httpclient.Discard(resp)
	var doc struct {
		Data []map[string]json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(httpclient.LimitBody(resp.Body, p.maxValue)).Decode(&doc); err != nil {
		return 0, false, fmt.Errorf("reading /api/v1/metrics: %w", err)
	}
	return p.find(doc.Data, metric)
}

// find picks this group's series out of the gateway's groups.
func (p *Pusher) find(groups []map[string]json.RawMessage, metric string) (float64, bool, error) {
	want := map[string]string{"job": p.job}
	for _, g := range p.grouping {
		want[g[0]] = g[1]
	}
	for _, group := range groups {
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
