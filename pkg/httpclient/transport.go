// Package httpclient is the HTTP plumbing every networked action shares:
// a transport with the runner's proxy, an extra CA bundle and timeouts;
// redirect policies that keep credentials on the connection they were
// meant for; retries with exponential backoff, jitter and Retry-After on
// the failures that pass (connection errors, 5xx, 429); TLS failures told
// apart by type; and response bodies read under a limit.
//
// Nothing here reads the environment: the proxy settings come through a
// getenv function (ProxyFromEnv) or an explicit Proxy. Errors are typed
// (CAFileError, StatusError, RedirectError, BodyTooLargeError, and the
// retry loop's GaveUpError, DeadlineError, CancelledError) so the action
// layer words them with the names of its inputs.
//
// A push builds a transport and runs its attempts under a Retry:
//
//	tr, err := httpclient.NewTransport(httpclient.Options{Proxy: httpclient.ProxyFromEnv(getenv), CAFile: ca})
//	client := &http.Client{Transport: tr, CheckRedirect: httpclient.RefuseRedirects}
//	err = httpclient.Retry{Retries: 5, Timeout: 30 * time.Second}.Do(ctx, func(ctx context.Context) error { ... })
//
// A library that takes an *http.Client (go-github) gets the same retries
// from RetryTransport wrapped around the transport.
package httpclient

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"golang.org/x/net/http/httpproxy"
)

// Default timeouts of one connection; the deadline of a whole operation,
// retries included, is Retry.Timeout.
const (
	DefaultDialTimeout           = 30 * time.Second
	DefaultTLSHandshakeTimeout   = 10 * time.Second
	DefaultResponseHeaderTimeout = 20 * time.Second
)

// Options are the connection settings of a transport. Zero values mean
// the defaults above, system roots only and no proxy.
type Options struct {
	// Proxy chooses the proxy of a request, as http.Transport.Proxy does;
	// nil means none. ProxyFromEnv builds the runner's.
	Proxy func(*http.Request) (*url.URL, error)
	// CAFile is a PEM bundle trusted in addition to the system roots, for
	// a server behind a private CA.
	CAFile string
	// InsecureSkipVerify accepts any certificate. The caller warns.
	InsecureSkipVerify bool
	// DialTimeout bounds connecting, TLSHandshakeTimeout the handshake,
	// ResponseHeaderTimeout the wait for an answer once a request is sent.
	DialTimeout, TLSHandshakeTimeout, ResponseHeaderTimeout time.Duration
}

// CAFileError is a CA bundle that cannot be used.
type CAFileError struct {
	Path string
	Err  error // the read error, or ErrNoCertificate
}

// ErrNoCertificate: a CA file holds no PEM certificate.
var ErrNoCertificate = errors.New("no PEM certificate in it")

func (e *CAFileError) Error() string { return fmt.Sprintf("CA bundle %s: %v", e.Path, e.Err) }
func (e *CAFileError) Unwrap() error { return e.Err }

// NewTransport builds an http.Transport from opts, on a clone of
// http.DefaultTransport (keep-alives, HTTP/2), with TLS 1.2 at least.
func NewTransport(opts Options) (*http.Transport, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: opts.InsecureSkipVerify}
	if opts.CAFile != "" {
		pool, err := caPool(opts.CAFile)
		if err != nil {
			return nil, err
		}
		t.TLSClientConfig.RootCAs = pool
	}
	t.Proxy = opts.Proxy
	d := &net.Dialer{Timeout: or(opts.DialTimeout, DefaultDialTimeout), KeepAlive: 30 * time.Second}
	t.DialContext = d.DialContext
	t.TLSHandshakeTimeout = or(opts.TLSHandshakeTimeout, DefaultTLSHandshakeTimeout)
	t.ResponseHeaderTimeout = or(opts.ResponseHeaderTimeout, DefaultResponseHeaderTimeout)
	return t, nil
}

func or(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// caPool is the system roots plus the certificates of file.
func caPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, &CAFileError{Path: file, Err: err}
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, &CAFileError{Path: file, Err: ErrNoCertificate}
	}
	return pool, nil
}

// ProxyFromEnv is http.ProxyFromEnvironment reading through getenv:
// HTTPS_PROXY, HTTP_PROXY and NO_PROXY, upper case first, then lower
// case. Like it, requests to localhost and loopback addresses go direct.
func ProxyFromEnv(getenv func(string) string) func(*http.Request) (*url.URL, error) {
	first := func(names ...string) string {
		for _, n := range names {
			if v := getenv(n); v != "" {
				return v
			}
		}
		return ""
	}
	cfg := httpproxy.Config{
		HTTPProxy:  first("HTTP_PROXY", "http_proxy"),
		HTTPSProxy: first("HTTPS_PROXY", "https_proxy"),
		NoProxy:    first("NO_PROXY", "no_proxy"),
		CGI:        getenv("REQUEST_METHOD") != "",
	}
	f := cfg.ProxyFunc()
	return func(r *http.Request) (*url.URL, error) { return f(r.URL) }
}

// IsLoopback reports whether u names this machine (localhost or a
// loopback address), where plain http exposes nothing on a network.
func IsLoopback(u *url.URL) bool {
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
