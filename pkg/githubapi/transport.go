package githubapi

import (
	"io"
	"net/http"
	"time"
)

// Retry describes a request that will be sent again, for the log. It
// holds no header, so never the token.
type Retry struct {
	Attempt int           // 1-based number of the attempt that failed
	Method  string        // of the request
	Path    string        // of the request, without host or query
	Status  int           // the answer's status; 0 for a connection error
	Err     error         // the connection error, if any
	Reason  string        // "server error", "rate limit", ...
	Wait    time.Duration // until the next attempt
}

// resend returns a copy of req whose body can be read again, or false
// when the body cannot be replayed (no GetBody).
func resend(req *http.Request) (*http.Request, bool) {
	if req.Body == nil || req.Body == http.NoBody {
		return req, true
	}
	if req.GetBody == nil {
		return nil, false
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, false
	}
	r := req.Clone(req.Context())
	r.Body = body
	return r, true
}

// discard drains and closes a body that will not be read, so that the
// connection can be reused.
func discard(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}
