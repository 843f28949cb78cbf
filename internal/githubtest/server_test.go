package githubtest

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// recorder keeps what the server reports instead of failing the test, so
// that the reports themselves can be checked.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) Helper() {}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.errs
	r.errs = nil
	return out
}

func send(t *testing.T, s *Server, method, url, contentType, body string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+s.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestServerReports: what the description does not allow is reported,
// naming the operation and the problem; what it allows is not.
func TestServerReports(t *testing.T) {
	rec := &recorder{TB: t}
	s := New(rec)
	repo := "/repos/" + s.Owner + "/" + s.Name
	uploads := strings.TrimSuffix(s.URL, apiRoot) + uploadRoot
	const goodRun = `{"name":"scan","head_sha":"0123456789abcdef0123456789abcdef01234567"}`
	cases := []struct {
		name, method, url, contentType, body string
		fault                                *Response
		want                                 []string // in the one report; none: no report
	}{
		{"valid request", "POST", s.URL + repo + "/check-runs", "application/json", goodRun, nil, nil},
		{"bad enum", "POST", s.URL + repo + "/check-runs", "application/json",
			`{"name":"scan","head_sha":"x","output":{"title":"t","summary":"s","annotations":[{"path":"a","start_line":1,"end_line":1,"annotation_level":"error","message":"m"}]}}`,
			nil, []string{"request checks/create", "/output/annotations/0/annotation_level"}},
		{"missing field", "POST", s.URL + repo + "/statuses/abc", "application/json", `{"context":"c"}`,
			nil, []string{"repos/create-commit-status", "state"}},
		{"bad response", "POST", s.URL + repo + "/check-runs", "application/json", goodRun,
			&Response{Status: 201, Body: map[string]any{"id": "x"}}, []string{"response 201 to checks/create", "/id"}},
		{"bad error body", "POST", s.URL + repo + "/check-runs", "application/json", goodRun,
			&Response{Status: 422, Body: map[string]any{"errors": "x"}}, []string{"response 422 to checks/create", "validation-error"}},
		{"undeclared success", "POST", s.URL + repo + "/check-runs", "application/json", goodRun,
			&Response{Status: 200, Body: map[string]any{}}, []string{"response 200 to checks/create", "declares no such status"}},
		{"upload at the API root", "POST", s.URL + repo + "/releases/1/assets?name=a", "application/octet-stream", "x",
			nil, []string{"repos/upload-release-asset", "uploads.github.com"}},
		{"API call at the upload root", "POST", uploads + repo + "/check-runs", "application/json", goodRun,
			nil, []string{"checks/create", "api.github.com"}},
		{"upload without a name", "POST", uploads + repo + "/releases/1/assets", "application/octet-stream", "x",
			nil, []string{"repos/upload-release-asset", "name"}},
		{"no such operation", "GET", s.URL + repo + "/pulls", "application/json", "",
			nil, []string{"GET /repos/octo-org/hello-world/pulls", "no operation"}},
		{"ref with slashes", "PATCH", s.URL + repo + "/git/refs/heads/feature/x", "application/json", `{"sha":"0123456789abcdef0123456789abcdef01234567"}`,
			nil, nil},
	}
	for _, c := range cases {
		if c.fault != nil {
			op := "checks/create"
			s.Fail(op, *c.fault)
		}
		send(t, s, c.method, c.url, c.contentType, c.body)
		errs := rec.take()
		switch {
		case c.want == nil && len(errs) > 0:
			t.Errorf("%s: reported %q", c.name, errs)
		case c.want != nil && len(errs) != 1:
			t.Errorf("%s: %d reports %q, want one", c.name, len(errs), errs)
		case c.want != nil:
			for _, w := range c.want {
				if !strings.Contains(errs[0], w) {
					t.Errorf("%s: report %q does not say %q", c.name, errs[0], w)
				}
			}
		}
	}
}

// TestAssetHost: a download is redirected to the asset host, which serves
// signed URLs only and reports a token that follows the redirect (Go's
// client copies Authorization to a redirect on the same host name).
func TestAssetHost(t *testing.T) {
	rec := &recorder{TB: t}
	s := New(rec)
	relID := s.AddRelease("v1.0.0", map[string]string{"a.bin": "content"})
	s.Lock()
	id := s.Releases[0].Assets[0].ID
	s.Unlock()
	u := fmt.Sprintf("%s/repos/%s/%s/releases/assets/%d", s.URL, s.Owner, s.Name, id)

	get := func(url string, token bool) (int, string) {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Accept", "application/octet-stream")
		if token {
			req.Header.Set("Authorization", "Bearer "+s.Token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(data)
	}
	if code, body := get(u, true); code != 200 || body != "content" {
		t.Errorf("download: %d %q", code, body)
	}
	if errs := rec.take(); len(errs) != 1 || !strings.Contains(errs[0], "the token left the API host") {
		t.Errorf("reports %q, want the leaked token", errs)
	}
	loc := s.Repo.storage.signedURL(&Asset{ID: id, Name: "a.bin"})
	if code, _ := get(strings.Split(loc, "?")[0], false); code != http.StatusForbidden {
		t.Errorf("unsigned URL: %d", code)
	}
	s.ServeInstead("a.bin", []byte("tampered"))
	if code, body := get(loc, false); code != 200 || body != "tampered" {
		t.Errorf("tampered download: %d %q", code, body)
	}
	if errs := rec.take(); len(errs) > 0 || relID == 0 {
		t.Errorf("reports %q", errs)
	}
}
