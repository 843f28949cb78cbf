package pushgateway

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"

	"golang.org/x/net/http/httpproxy"
)

// TransportOptions are the connection settings of a push.
type TransportOptions struct {
	// CAFile is a PEM bundle trusted in addition to the system roots, for
	// a gateway behind a private CA.
	CAFile string
	// InsecureSkipVerify accepts any certificate: the caller should warn.
	InsecureSkipVerify bool
	// Getenv reads HTTPS_PROXY, HTTP_PROXY and NO_PROXY (and lower-case
	// forms), as http.ProxyFromEnvironment does; nil means no proxy.
	Getenv func(string) string
}

// Transport builds an http.Transport from opts.
func Transport(opts TransportOptions) (*http.Transport, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if opts.CAFile != "" {
		pem, err := os.ReadFile(opts.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ca-file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca-file %s: no PEM certificate in it", opts.CAFile)
		}
		t.TLSClientConfig.RootCAs = pool
	}
	t.TLSClientConfig.InsecureSkipVerify = opts.InsecureSkipVerify
	t.Proxy = nil
	if opts.Getenv != nil {
		t.Proxy = proxyFunc(opts.Getenv)
	}
	t.ResponseHeaderTimeout = 20 * time.Second
	return t, nil
}

// proxyFunc is http.ProxyFromEnvironment with the environment injected.
// Like it, requests to localhost and loopback addresses go direct.
func proxyFunc(getenv func(string) string) func(*http.Request) (*url.URL, error) {
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
