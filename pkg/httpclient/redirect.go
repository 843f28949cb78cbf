package httpclient

import (
	"fmt"
	"net/http"
)

// RedirectError is a redirect a policy refused. Go's client copies the
// Authorization header to a redirect on the same host, even from https to
// plain http, so following one can hand the credentials to whoever
// answers there.
type RedirectError struct {
	From, To string // redacted URLs
	Reason   string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("redirect from %s to %s refused: %s", e.From, e.To, e.Reason)
}

// RefuseRedirects is an http.Client.CheckRedirect for requests that must
// reach the URL they name, such as pushes: any redirect is an error.
func RefuseRedirects(req *http.Request, via []*http.Request) error {
	return &RedirectError{
		From:   via[len(via)-1].URL.Redacted(),
		To:     req.URL.Redacted(),
		Reason: "this request is never redirected; give the final URL",
	}
}

// maxRedirects is the limit of http.Client's own policy.
const maxRedirects = 10

// RefuseDowngrade is an http.Client.CheckRedirect for downloads and APIs
// that redirect to other hosts (a CDN): it follows up to 10 redirects but
// never from https to plain http.
func RefuseDowngrade(req *http.Request, via []*http.Request) error {
	prev := via[len(via)-1]
	switch {
	case prev.URL.Scheme == "https" && req.URL.Scheme != "https":
		return &RedirectError{From: prev.URL.Redacted(), To: req.URL.Redacted(), Reason: "it leaves https"}
	case len(via) >= maxRedirects:
		return &RedirectError{From: prev.URL.Redacted(), To: req.URL.Redacted(), Reason: fmt.Sprintf("more than %d redirects", maxRedirects)}
	}
	return nil
}
