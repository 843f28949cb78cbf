// Package githubtest stands in for GitHub's REST API in tests: a local
// server holding one fake repository, where every request the client
// sends and every response the server returns is checked against GitHub's
// official OpenAPI description (shared/schemas/github/api.github.com.json).
// A request or response that the description does not allow fails the
// test, naming the operation and what is wrong.
//
// The server is shaped like GitHub Enterprise Server: the API is under
// /api/v3 and uploads under /api/uploads, so a client given URL as its
// base URL must also find the upload root, as it must on a real server.
package githubtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// The two roots of a GitHub Enterprise Server, and the hosts of
// github.com that GitHub's description names for them.
const (
	apiRoot    = "/api/v3"
	uploadRoot = "/api/uploads"
	apiHost    = "https://api.github.com"
	uploadHost = "https://uploads.github.com"
)

// Server is a fake GitHub holding one repository, Owner/Name.
type Server struct {
	// URL is the API's base URL, as GITHUB_API_URL holds it on a GitHub
	// Enterprise Server: http://127.0.0.1:PORT/api/v3.
	URL string
	// Token is the only token accepted; requests authenticated with it act
	// as Login.
	Token string
	Login string
	// ReadOnly makes every write answer 403 "Resource not accessible by
	// integration", as GitHub answers the read-only token of a pull request
	// from a fork.
	ReadOnly bool
	*Repo

	t    testing.TB
	spec *spec
	srv  *httptest.Server

	mu     sync.Mutex
	calls  []Call
	faults map[string][]Response
}

// Call is one request the server received, after validation.
type Call struct {
	Operation string // operationId in GitHub's description, like "checks/create"
	Method    string
	Path      string // without the /api/v3 or /api/uploads root
	Query     url.Values
	Header    http.Header
	Body      []byte
	Status    int // what the server answered
}

// Response is an answer a test makes the server give (see Fail).
type Response struct {
	Status int
	Header http.Header
	Body   any // encoded as JSON; nil sends no body
}

// New starts a server for t, closed when t ends. It skips t when the
// shared directory, which holds GitHub's description, is absent.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		Token:  "ghs_githubtest0000000000000000000000000",
		Login:  "github-actions[bot]",
		Repo:   newRepo("octo-org", "hello-world"),
		t:      t,
		spec:   load(t),
		faults: map[string][]Response{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	s.URL = s.srv.URL + apiRoot
	s.Repo.uploadURL = s.srv.URL + uploadRoot
	s.Repo.apiURL = s.URL
	s.Repo.storage = newStorage(t, s.Repo)
	return s
}

// ServeInstead makes the asset host serve data for every download of the
// asset called name, whatever was uploaded: a release tampered with after
// its upload.
func (s *Server) ServeInstead(name string, data []byte) {
	s.Repo.mu.Lock()
	defer s.Repo.mu.Unlock()
	s.Repo.storage.instead[name] = data
}

// Fail makes the next requests to operation get the responses rs, in
// order, before the fake repository answers again. Each is checked
// against the description like any other response.
func (s *Server) Fail(operation string, rs ...Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[operation] = append(s.faults[operation], rs...)
}

// Calls returns the requests received for operation ("" for all), in
// the order they arrived.
func (s *Server) Calls(operation string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if operation == "" || c.Operation == operation {
			out = append(out, c)
		}
	}
	return out
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.t.Errorf("githubtest: reading the request body of %s %s: %v", r.Method, r.URL.Path, err)
		return
	}
	route, params, call, ok := s.checkRequest(r, body)
	if !ok {
		writeResponse(w, Response{Status: http.StatusBadRequest}, encodeBody(s.t, ErrorBody(400, "githubtest: the request does not match GitHub's description (see the test log)")))
		return
	}
	resp := s.answer(route, params, call)
	data := encodeBody(s.t, resp.Body)
	s.checkResponse(route, call, resp, data)
	call.Status = resp.Status
	s.mu.Lock()
	s.calls = append(s.calls, *call)
	s.mu.Unlock()
	writeResponse(w, resp, data)
}

// checkRequest finds the operation of r and validates r against it.
func (s *Server) checkRequest(r *http.Request, body []byte) (*routers.Route, map[string]string, *Call, bool) {
	path := r.URL.EscapedPath()
	host := ""
	switch {
	case strings.HasPrefix(path, apiRoot+"/"):
		host, path = apiHost, strings.TrimPrefix(path, apiRoot)
	case strings.HasPrefix(path, uploadRoot+"/"):
		host, path = uploadHost, strings.TrimPrefix(path, uploadRoot)
	default:
		s.t.Errorf("githubtest: %s %s is under neither %s nor %s", r.Method, path, apiRoot, uploadRoot)
		return nil, nil, nil, false
	}
	// The router knows the operations under the description's top-level
	// server; which of the two hosts an operation lives on is checked below.
	routed := r.Clone(context.Background())
	routed.URL, _ = url.Parse(apiHost + encodeRef(path) + queryOf(r))
	routed.Host = routed.URL.Host
	routed.RequestURI = ""
	routed.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := s.spec.router.FindRoute(routed)
	if err != nil {
		s.t.Errorf("githubtest: %s %s is no operation of GitHub's description that this server answers: %v", r.Method, path, err)
		return nil, nil, nil, false
	}
	op := route.Operation.OperationID
	if want := operationHost(route); want != host {
		s.t.Errorf("githubtest: %s (%s %s) was sent to %s's root, but GitHub serves it at %s", op, r.Method, path, host, want)
		return nil, nil, nil, false
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+s.Token {
		s.t.Errorf("githubtest: %s: Authorization is not the bearer token", op)
	}
	in := &openapi3filter.RequestValidationInput{
		Request: routed, PathParams: params, Route: route,
		Options: filterOptions(&openapi3filter.Options{SkipSettingDefaults: true}),
	}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		s.t.Errorf("githubtest: request %s (%s %s) does not match GitHub's description:\n%v\nbody: %.2000s", op, r.Method, path, err, body)
		return nil, nil, nil, false
	}
	call := &Call{Operation: op, Method: r.Method, Path: path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body}
	return route, params, call, true
}

// checkResponse validates what the server is about to answer. A status
// the operation declares is checked against its declaration; any other
// (GitHub's edge answers 502 for any operation) against the shape of
// GitHub's error bodies.
func (s *Server) checkResponse(route *routers.Route, call *Call, resp Response, data []byte) {
	op := route.Operation
	declared := op.Responses.Status(resp.Status) != nil || op.Responses.Default() != nil
	if !declared {
		if resp.Status < 400 {
			s.t.Errorf("githubtest: response %d to %s: the description declares no such status", resp.Status, op.OperationID)
			return
		}
		name := "basic-error"
		if resp.Status == http.StatusUnprocessableEntity {
			name = "validation-error"
		}
		if err := validateJSON(s.spec.doc.Components.Schemas[name].Value, data); err != nil {
			s.t.Errorf("githubtest: response %d to %s is not GitHub's %s: %v\nbody: %.2000s", resp.Status, op.OperationID, name, err, data)
		}
		return
	}
	req := &openapi3filter.RequestValidationInput{
		Request: &http.Request{Method: call.Method, URL: &url.URL{Path: call.Path}, Header: call.Header},
		Route:   route,
		Options: filterOptions(&openapi3filter.Options{}),
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: req, Status: resp.Status, Header: responseHeader(resp, data),
		Options: filterOptions(&openapi3filter.Options{IncludeResponseStatus: true}),
	}
	in.SetBodyBytes(data)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		s.t.Errorf("githubtest: response %d to %s does not match GitHub's description:\n%v\nbody: %.2000s", resp.Status, op.OperationID, err, data)
	}
}

// answer is a queued fault, the read-only refusal, or the repository's
// own answer.
func (s *Server) answer(route *routers.Route, params map[string]string, call *Call) Response {
	op := call.Operation
	s.mu.Lock()
	if q := s.faults[op]; len(q) > 0 {
		s.faults[op] = q[1:]
		s.mu.Unlock()
		return q[0]
	}
	s.mu.Unlock()
	if s.ReadOnly && call.Method != http.MethodGet {
		return Response{Status: http.StatusForbidden, Body: ErrorBody(403, "Resource not accessible by integration")}
	}
	return s.Repo.handle(s.Login, op, params, call)
}

// operationHost is the server an operation is served from: its own
// servers when it names any (the upload operation does), else the
// description's.
func operationHost(route *routers.Route) string {
	servers := route.Spec.Servers
	if route.Operation.Servers != nil && len(*route.Operation.Servers) > 0 {
		servers = *route.Operation.Servers
	}
	if len(servers) == 0 {
		return ""
	}
	return strings.TrimRight(servers[0].URL, "/")
}

// refPath matches the Git reference operations. The description gives
// {ref} as one path segment, while a reference has slashes in it
// ("heads/main", which GitHub takes as is), so its slashes are escaped
// before routing.
var refPath = regexp.MustCompile(`^(/repos/[^/]+/[^/]+/git/refs/)(.+)$`)

func encodeRef(path string) string {
	m := refPath.FindStringSubmatch(path)
	if m == nil {
		return path
	}
	return m[1] + strings.ReplaceAll(m[2], "/", "%2F")
}

func queryOf(r *http.Request) string {
	if r.URL.RawQuery == "" {
		return ""
	}
	return "?" + r.URL.RawQuery
}

func responseHeader(resp Response, data []byte) http.Header {
	h := resp.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if len(data) > 0 {
		h.Set("Content-Type", "application/json; charset=utf-8")
	}
	return h
}

func encodeBody(t testing.TB, body any) []byte {
	if body == nil {
		return nil
	}
	if raw, ok := body.(json.RawMessage); ok {
		return raw
	}
	data, err := json.Marshal(body)
	if err != nil {
		t.Errorf("githubtest: encoding a response: %v", err)
	}
	return data
}

func writeResponse(w http.ResponseWriter, resp Response, data []byte) {
	for k, vs := range responseHeader(resp, data) {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.Status)
	w.Write(data)
}

func validateJSON(schema *openapi3.Schema, data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return schema.VisitJSON(v, openapi3.MultiErrors(), openapi3.DisableSchemaErrorDetails())
}

// filterOptions reports every problem, each as where it is and what is
// wrong: the whole schema of a GitHub object, which kin-openapi prints by
// default, fills a screen. The description declares no security scheme.
func filterOptions(o *openapi3filter.Options) *openapi3filter.Options {
	o.AuthenticationFunc = openapi3filter.NoopAuthenticationFunc
	o.MultiError = true
	o.WithCustomSchemaErrorFunc(func(err *openapi3.SchemaError) string {
		return fmt.Sprintf("at /%s: %s", strings.Join(err.JSONPointer(), "/"), err.Reason)
	})
	return o
}
