package httpclient

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// URLError is a base URL that cannot be used. URL is redacted, and empty
// when the URL does not parse at all: url.Parse's errors quote the whole
// URL, password included, and some of their inner messages quote the part
// at fault, which is the password when the user info is malformed.
type URLError struct {
	URL    string
	Reason string
}

func (e *URLError) Error() string {
	if e.URL == "" {
		return e.Reason
	}
	return fmt.Sprintf("%s: %s", e.URL, e.Reason)
}

// ParseBaseURL parses the base URL of a service: http or https, a host,
// an optional path prefix, no query or fragment.
func ParseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, &URLError{Reason: parseReason(err)}
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		return nil, &URLError{URL: u.Redacted(), Reason: "want http(s)://host[:port][/path]"}
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, &URLError{URL: u.Redacted(), Reason: "a base URL has no query or fragment"}
	}
	return u, nil
}

// RedactURL is raw fit for a log: its password as xxxxx, and when raw
// does not parse, everything up to its last @ hidden, as the user info
// may hold a password that url.Parse could not tell apart.
func RedactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	if i := strings.LastIndexByte(raw, '@'); i >= 0 {
		return "…@" + raw[i+1:]
	}
	return raw
}

func parseReason(err error) string {
	var esc url.EscapeError
	var host url.InvalidHostError
	switch {
	case errors.As(err, &esc):
		return "not a valid URL: a % not followed by two hex digits"
	case errors.As(err, &host):
		return "not a valid URL: a character a host name cannot hold"
	}
	return "not a valid URL (check the scheme, the host, the port and the user info)"
}
