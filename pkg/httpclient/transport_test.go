package httpclient_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"io/fs"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/httpclient"
)

var quiet = log.New(io.Discard, "", 0)

// caFile writes the certificate of a TLS test server as a PEM file.
func caFile(t *testing.T, cert *x509.Certificate) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(f, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// expiredServer is a TLS server whose self-signed certificate for
// 127.0.0.1 expired yesterday.
func expiredServer(t *testing.T) (*httptest.Server, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "expired"},
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	srv.Config.ErrorLog = quiet
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, cert
}

// notTLS is a server that answers a TLS hello with bytes that are
// neither TLS nor HTTP, as an SSH server would.
func notTLS(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_, _ = io.WriteString(c, "SSH-2.0-OpenSSH_9.6\r\n")
			c.Close()
		}
	}()
	return l.Addr().String()
}

// TestTLSErrors: each way TLS fails is recognised by type, and none is
// retried.
func TestTLSErrors(t *testing.T) {
	good := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	good.Config.ErrorLog = quiet // the handshakes this test fails on purpose
	good.StartTLS()
	defer good.Close()
	plain := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer plain.Close()
	expired, expiredCert := expiredServer(t)
	mtls := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	mtls.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert}
	mtls.Config.ErrorLog = quiet
	mtls.StartTLS()
	defer mtls.Close()
	trustGood := caFile(t, good.Certificate())
	cases := []struct {
		name, url, ca string
		is            func(error) bool
	}{
		{"unknown_authority", good.URL, "", func(err error) bool { var e x509.UnknownAuthorityError; return errors.As(err, &e) }},
		// httptest's certificate names 127.0.0.1 and example.com only.
		{"wrong_host_name", strings.Replace(good.URL, "127.0.0.1", "localhost", 1), trustGood, func(err error) bool { var e x509.HostnameError; return errors.As(err, &e) }},
		{"expired", expired.URL, caFile(t, expiredCert), func(err error) bool {
			var e x509.CertificateInvalidError
			return errors.As(err, &e) && e.Reason == x509.Expired
		}},
		{"not_tls", "https://" + notTLS(t), "", func(err error) bool { var e tls.RecordHeaderError; return errors.As(err, &e) }},
		// The server's alert arrives as a net.OpError, a net.Error that
		// would otherwise read as a connection failure.
		{"alert_from_server", mtls.URL, caFile(t, mtls.Certificate()), func(err error) bool { var e *net.OpError; return errors.As(err, &e) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr, err := httpclient.NewTransport(httpclient.Options{CAFile: c.ca})
			if err != nil {
				t.Fatal(err)
			}
			attempts := 0
			err = httpclient.Retry{Retries: 3, Clock: newFakeClock()}.Do(context.Background(), func(ctx context.Context) error {
				attempts++
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
				resp, err := (&http.Client{Transport: tr}).Do(req)
				if err == nil {
					resp.Body.Close()
				}
				return err
			})
			if err == nil || !c.is(err) || !httpclient.IsTLSError(err) {
				t.Fatalf("error %v (%T): not recognised", err, errors.Unwrap(err))
			}
			if attempts != 1 {
				t.Errorf("%d attempts: a TLS failure was retried", attempts)
			}
		})
	}
	// An HTTP server answering an https request is no TLS error to
	// net/http, which says what happened instead, but is not retried.
	attempts := 0
	err := httpclient.Retry{Retries: 3, Clock: newFakeClock()}.Do(context.Background(), func(ctx context.Context) error {
		attempts++
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, strings.Replace(plain.URL, "http:", "https:", 1), nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	})
	if err == nil || attempts != 1 {
		t.Errorf("https to an HTTP server: %v after %d attempts", err, attempts)
	}
	// The same server is reached once its CA is given, or with
	// InsecureSkipVerify.
	for _, o := range []httpclient.Options{{CAFile: trustGood}, {InsecureSkipVerify: true}} {
		tr, err := httpclient.NewTransport(o)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := (&http.Client{Transport: tr}).Get(good.URL)
		if err != nil {
			t.Fatalf("%+v: %v", o, err)
		}
		resp.Body.Close()
	}
}

func TestCAFileErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.pem")
	_, err := httpclient.NewTransport(httpclient.Options{CAFile: missing})
	var ce *httpclient.CAFileError
	if !errors.As(err, &ce) || ce.Path != missing || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing CA file: %v", err)
	}
	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = httpclient.NewTransport(httpclient.Options{CAFile: notPEM})
	if !errors.Is(err, httpclient.ErrNoCertificate) || !strings.Contains(err.Error(), notPEM+": no PEM certificate") {
		t.Errorf("CA file without certificates: %v", err)
	}
}

// TestProxyFromEnv: the proxy comes from the injected environment only,
// upper case before lower case; NO_PROXY and loopback hosts go direct.
func TestProxyFromEnv(t *testing.T) {
	env := map[string]string{"http_proxy": "http://lower:1", "HTTPS_PROXY": "http://upper:2", "NO_PROXY": "internal.example"}
	proxy := httpclient.ProxyFromEnv(func(k string) string { return env[k] })
	cases := map[string]string{
		"http://pushgateway.example/x":  "http://lower:1",
		"https://pushgateway.example/x": "http://upper:2",
		"https://internal.example/x":    "",
		"http://127.0.0.1:9091/x":       "",
		"http://localhost:9091/x":       "",
	}
	for target, want := range cases {
		req, _ := http.NewRequest(http.MethodGet, target, nil)
		got, err := proxy(req)
		if err != nil {
			t.Fatal(err)
		}
		if (got == nil) != (want == "") || got != nil && got.String() != want {
			t.Errorf("%s: proxy %v, want %q", target, got, want)
		}
	}
	tr, err := httpclient.NewTransport(httpclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Proxy != nil {
		t.Error("a transport without Proxy uses one (the process environment?)")
	}
}

// TestRedirects: RefuseRedirects never follows, so the credentials never
// leave for the redirect's target; RefuseDowngrade follows https to https
// but not to plain http.
func TestRedirects(t *testing.T) {
	var leaked atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			leaked.Add(1)
		}
	}))
	defer target.Close()
	tlsTarget := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer tlsTarget.Close()
	redirect := func(to string) *httptest.Server {
		s := httptest.NewTLSServer(http.RedirectHandler(to, http.StatusTemporaryRedirect))
		t.Cleanup(s.Close)
		return s
	}
	pool := x509.NewCertPool()
	pool.AddCert(tlsTarget.Certificate())
	client := func(policy func(*http.Request, []*http.Request) error, from *httptest.Server) *http.Client {
		pool.AddCert(from.Certificate())
		return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, CheckRedirect: policy}
	}
	do := func(c *http.Client, url string) error {
		req, _ := http.NewRequest(http.MethodPut, url, strings.NewReader("body"))
		req.SetBasicAuth("ci", "secret")
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	toPlain := redirect(target.URL + "/x")
	var re *httpclient.RedirectError
	err := do(client(httpclient.RefuseRedirects, toPlain), toPlain.URL)
	if !errors.As(err, &re) || re.To != target.URL+"/x" || httpclient.Retryable(err) {
		t.Errorf("RefuseRedirects: %v", err)
	}
	err = do(client(httpclient.RefuseDowngrade, toPlain), toPlain.URL)
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "it leaves https") {
		t.Errorf("RefuseDowngrade to http: %v", err)
	}
	toTLS := redirect(tlsTarget.URL + "/y")
	if err := do(client(httpclient.RefuseDowngrade, toTLS), toTLS.URL); err != nil {
		t.Errorf("RefuseDowngrade to https: %v", err)
	}
	if leaked.Load() != 0 {
		t.Errorf("the credentials reached the plain-http target %d times", leaked.Load())
	}
}

func TestLimitBody(t *testing.T) {
	for _, c := range []struct {
		body    string
		limit   int64
		tooLong bool
	}{{"12345", 5, false}, {"123456", 5, true}, {"", 0, false}, {"1", 0, true}} {
		data, err := io.ReadAll(httpclient.LimitBody(strings.NewReader(c.body), c.limit))
		var tl *httpclient.BodyTooLargeError
		if c.tooLong != errors.As(err, &tl) || !c.tooLong && (err != nil || string(data) != c.body) {
			t.Errorf("%q limited to %d: %q, %v", c.body, c.limit, data, err)
		}
	}
}

// TestCheckResponse: the message is the start of the body, at most
// MaxMessage bytes; Retry-After is kept for the retry loop.
func TestCheckResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "4")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, strings.Repeat("x", 1<<20))
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	u.User = url.UserPassword("ci", "s3cret")
	resp, err := http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	err = httpclient.CheckResponse(resp)
	var se *httpclient.StatusError
	if !errors.As(err, &se) || len(se.Message) != httpclient.MaxMessage || se.Code != 503 {
		t.Fatalf("%T %d-byte message", err, len(se.Message))
	}
	if d, ok := se.RetryAfter(time.Now()); !ok || d != 4*time.Second {
		t.Errorf("RetryAfter = %s, %v", d, ok)
	}
	if strings.Contains(se.Error(), "s3cret") || !strings.Contains(se.Error(), "ci:xxxxx@") {
		t.Errorf("the URL in the error is not redacted: %.200s", se.Error())
	}
}

// TestRedactURL: no password is left, whether the URL parses or not.
func TestRedactURL(t *testing.T) {
	for raw, want := range map[string]string{
		"https://ci:s3cret@gw.example/db":    "https://ci:xxxxx@gw.example/db",
		"https://gw.example/db":              "https://gw.example/db",
		"https://ci:s3cret/x@gw.example/%zz": "…@gw.example/%zz", // does not parse: the user info may be anything
		"https://gw.example/%zz":             "https://gw.example/%zz",
	} {
		if got := httpclient.RedactURL(raw); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", raw, got, want)
		}
	}
}

// TestParseBaseURL: no error quotes a password, whether the URL parses
// or not.
func TestParseBaseURL(t *testing.T) {
	cases := []struct{ raw, want string }{
		{"https://ci:s3cret@gw.example:9091/prefix", ""},
		{"http://gw.example", ""},
		{"ftp://ci:s3cret@gw.example", "want http(s)://host[:port][/path]"},
		{"gw.example:9091", "want http(s)"},
		{"https://ci:s3cret@gw.example/?x=1", "no query or fragment"},
		{"https://ci:s3cret@gw.example/#f", "no query or fragment"},
		{"https://ci:s3cret/x@gw.example", "not a valid URL"}, // the password is read as a port
		{"https://ci:s3cret@gw%zz.example", "not a valid URL"},
		{"https://ci:s3cret@gw.example/%zz", "a % not followed by two hex digits"},
		{"https://ci:s3cret@gw.example\x7f", "not a valid URL"},
	}
	for _, c := range cases {
		_, err := httpclient.ParseBaseURL(c.raw)
		if c.want == "" {
			if err != nil {
				t.Errorf("%q: %v", c.raw, err)
			}
			continue
		}
		var ue *httpclient.URLError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.raw, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%q: the error quotes the password: %v", c.raw, err)
		}
	}
}

func TestURLPassword(t *testing.T) {
	cases := map[string]string{
		"https://ci:s3cret@gw.example":         "s3cret",
		"https://ci:s3c:ret@gw.example/a@b":    "s3c:ret",
		"https://ci:s3cret/x@gw.example":       "", // the user info ends at the first slash
		"https://ci@gw.example":                "",
		"https://gw.example/x?u=a:b@c":         "",
		"https://ci:p@ss@gw.example:9091/path": "p@ss",
		"no scheme:pw@host":                    "",
	}
	for raw, want := range cases {
		got, ok := httpclient.URLPassword(raw)
		if got != want || ok != (want != "") {
			t.Errorf("URLPassword(%q) = %q, %v; want %q", raw, got, ok, want)
		}
		if u, err := url.Parse(raw); err == nil && u.User != nil {
			if p, _ := u.User.Password(); p != got {
				t.Errorf("URLPassword(%q) = %q, url.Parse reads %q", raw, got, p)
			}
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for raw, want := range map[string]bool{
		"http://localhost:9091": true, "http://127.0.0.1": true, "http://127.8.9.1:1": true, "http://[::1]:9091": true,
		"http://gw.example": false, "http://10.0.0.1": false, "http://localhost.example": false,
	} {
		u, _ := url.Parse(raw)
		if httpclient.IsLoopback(u) != want {
			t.Errorf("IsLoopback(%s) = %v", raw, !want)
		}
	}
}
