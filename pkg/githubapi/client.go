// Package githubapi is the suite's one client of GitHub's REST API, built
// on go-github: the few operations the actions need (a pull-request
// comment kept up to date, check runs and commit statuses, dependency
// snapshots, release assets, refs), each a small function with GitHub's
// rules built in (50 annotations a request, 65,536 characters a comment,
// pagination), over httpclient's transport, which retries what passes,
// here also waiting out short rate limits.
//
// Like every library of the suite it reads no environment: the caller
// gives the API URL (the runner's GITHUB_API_URL, so GitHub Enterprise
// Server works), the token (masked by the caller before anything prints),
// the proxy (httpclient.ProxyFromEnv of its getenv) and whether the run is
// a pull request from a fork. Errors are typed:
// *PermissionError names the permission the workflow must grant and
// matches ErrReadOnlyFork on a fork's read-only token, *RateLimitError
// names when the limit resets, *APIError carries GitHub's own message.
package githubapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/voidnxsec/nixops-actions/pkg/httpclient"
)

// DefaultAPIURL is github.com's API, the runner's default GITHUB_API_URL.
const DefaultAPIURL = "https://api.github.com"

// Options configure a Client. Only Token is required.
type Options struct {
	// APIURL is the REST API's root: https://api.github.com, or
	// https://HOST/api/v3 on GitHub Enterprise Server. Empty means github.com.
	APIURL string
	// UploadURL is the root that release assets are uploaded to. Empty
	// derives it from APIURL: uploads.github.com for api.github.com (and
	// uploads.X for any api.X), HOST/api/uploads for HOST/api/v3.
	UploadURL string
	// Token authenticates every request. It appears in no error and no
	// log line of this package.
	Token string
	// ReadOnlyFork says the run is a pull request from a fork, where
	// GitHub gives the workflow a read-only token: a refusal to write then
	// matches ErrReadOnlyFork.
	ReadOnlyFork bool
	// HTTP are the connections' settings: the runner's proxy
	// (httpclient.ProxyFromEnv of the caller's getenv), a CA bundle for a
	// GitHub Enterprise Server behind a private CA, timeouts. The zero
	// value is no proxy and the system's roots.
	HTTP httpclient.Options
	// Transport, when set, makes the connections instead of one built
	// from HTTP.
	Transport http.RoundTripper
	// Retry tunes the retries; the zero value retries 4 times.
	Retry RetryPolicy
	// OnRetry is told of every request that will be sent again and why,
	// for the log. Nil logs nothing.
	OnRetry func(Retry)
	// Clock tells the time and waits between retries; nil is the real
	// one. Tests inject an httpclienttest.Clock.
	Clock httpclient.Clock
	// UserAgent names the caller, like "nixops-sbom/1.2.0".
	UserAgent string
}

// Client is a GitHub API client for one token.
type Client struct {
	gh *github.Client
	// storage fetches release assets from where the API redirects their
	// downloads: the same connections and retries, but no token.
	storage *http.Client
	fork    bool
}

// Repo is a repository, as owner and name.
type Repo struct{ Owner, Name string }

// ParseRepo splits "owner/name", as GITHUB_REPOSITORY holds it.
func ParseRepo(s string) (Repo, error) {
	owner, name, ok := strings.Cut(s, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return Repo{}, fmt.Errorf("repository %q is not owner/name", s)
	}
	return Repo{owner, name}, nil
}

func (r Repo) String() string { return r.Owner + "/" + r.Name }

// ErrNoToken is returned by New without a token: every operation of this
// package writes, and GitHub accepts no anonymous write.
var ErrNoToken = errors.New("no GitHub token")

// New builds a client. A CA bundle that cannot be used is an
// *httpclient.CAFileError.
func New(opts Options) (*Client, error) {
	if opts.Token == "" {
		return nil, ErrNoToken
	}
	api, upload, err := roots(opts.APIURL, opts.UploadURL)
	if err != nil {
		return nil, err
	}
	rt, err := opts.transport()
	if err != nil {
		return nil, err
	}
	// Redirects are followed (GitHub redirects a renamed repository's
	// API calls), but never from https to http, where the token would
	// travel in the clear.
	gh := github.NewClient(&http.Client{Transport: rt, CheckRedirect: httpclient.RefuseDowngrade}).WithAuthToken(opts.Token)
	gh.BaseURL, gh.UploadURL = api, upload
	if opts.UserAgent != "" {
		gh.UserAgent = opts.UserAgent
	}
	storage := &http.Client{Transport: rt, CheckRedirect: httpclient.RefuseDowngrade}
	return &Client{gh: gh, storage: storage, fork: opts.ReadOnlyFork}, nil
}

// roots parses the API and upload roots, each with the trailing slash
// go-github resolves paths against.
func roots(apiURL, uploadURL string) (api, upload *url.URL, err error) {
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	if api, err = parseRoot("API URL", apiURL); err != nil {
		return nil, nil, err
	}
	if uploadURL != "" {
		upload, err = parseRoot("upload URL", uploadURL)
		return api, upload, err
	}
	upload = &url.URL{Scheme: api.Scheme, Host: api.Host, Path: api.Path}
	switch {
	case strings.HasPrefix(api.Host, "api."):
		upload.Host = "uploads." + strings.TrimPrefix(api.Host, "api.")
	case strings.HasSuffix(api.Path, "/api/v3/"):
		upload.Path = strings.TrimSuffix(api.Path, "v3/") + "uploads/"
	default:
		return nil, nil, fmt.Errorf("API URL %s is neither api.HOST nor HOST/api/v3: the upload URL must be given", api.Redacted())
	}
	return api, upload, nil
}

// parseRoot accepts an absolute http(s) URL without credentials: a token
// in a URL would end up in error messages.
func parseRoot(what, s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("%s %q is not an http(s) URL", what, redactURL(s))
	}
	if u.User != nil {
		return nil, fmt.Errorf("%s %s holds credentials (user@host): give the token separately", what, redactURL(s))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%s %s has a query or fragment", what, s)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// redactURL hides what could be credentials in a URL that did not parse.
func redactURL(s string) string {
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		return "…@" + s[i+1:]
	}
	return s
}
