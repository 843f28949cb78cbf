package githubtest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Repo is the state of the fake repository. Tests read it to see what the
// client did, and fill it to set the scene (comments by others, an
// existing release); hold no reference across requests without Lock.
type Repo struct {
	Owner, Name string

	mu        sync.Mutex
	nextID    int64
	Comments  []*Comment
	CheckRuns []*CheckRun
	Statuses  []Status
	Snapshots []json.RawMessage
	Releases  []*Release
	Refs      map[string]string // "heads/main" -> SHA

	Deployments []*Deployment
	Issues      []*Issue
	Pulls       []*PullRequest

	apiURL, uploadURL string
	storage           *storage
}

// Comment is an issue or pull-request comment.
type Comment struct {
	ID     int64
	Issue  int
	Body   string
	Login  string // a login ending in "[bot]" is a bot's
	Edited int    // times it was edited
}

// CheckRun is a check run and every annotation sent for it.
type CheckRun struct {
	ID                     int64
	Name, HeadSHA          string
	Status, Conclusion     string
	Title, Summary, Text   string
	Annotations            []json.RawMessage
	AnnotationsPerRequest  []int
	ExternalID, DetailsURL string
}

// Status is a commit status.
type Status struct {
	SHA, State, Context, Description, TargetURL string
}

// Release is a release and its assets.
type Release struct {
	ID     int64
	Tag    string
	Name   string
	Draft  bool
	Assets []*Asset
}

// Asset is a release asset and its content.
type Asset struct {
	ID          int64
	Name        string
	ContentType string
	Data        []byte
}

func newRepo(owner, name string) *Repo {
	return &Repo{Owner: owner, Name: name, nextID: 1000, Refs: map[string]string{}}
}

// Lock and Unlock guard the state while a test reads or changes it.
func (r *Repo) Lock()   { r.mu.Lock() }
func (r *Repo) Unlock() { r.mu.Unlock() }

// AddComment puts a comment by login on issue, as if someone else wrote
// it, and returns its id.
func (r *Repo) AddComment(issue int, login, body string) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nextID++
	r.Comments = append(r.Comments, &Comment{ID: r.nextID, Issue: issue, Body: body, Login: login})
	return r.nextID
}

// AddRelease creates a release with assets (name to content, listed in
// name order) and returns its id.
func (r *Repo) AddRelease(tag string, assets map[string]string) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nextID++
	rel := &Release{ID: r.nextID, Tag: tag, Name: tag}
	for _, name := range slices.Sorted(maps.Keys(assets)) {
		data := assets[name]
		r.nextID++
		rel.Assets = append(rel.Assets, &Asset{ID: r.nextID, Name: name, ContentType: "application/octet-stream", Data: []byte(data)})
	}
	r.Releases = append(r.Releases, rel)
	return rel.ID
}

// handle answers one validated request of operation op, made as login.
func (r *Repo) handle(login, op string, params map[string]string, c *Call) Response {
	r.mu.Lock()
	defer r.mu.Unlock()
	if params["owner"] != r.Owner || params["repo"] != r.Name {
		return Response{Status: http.StatusNotFound, Body: ErrorBody(404, "Not Found")}
	}
	h := map[string]func(string, map[string]string, *Call) Response{
		"issues/list-comments":                            r.listComments,
		"issues/create-comment":                           r.createComment,
		"issues/update-comment":                           r.updateComment,
		"checks/create":                                   r.createCheckRun,
		"checks/update":                                   r.updateCheckRun,
		"repos/create-commit-status":                      r.createStatus,
		"dependency-graph/create-repository-snapshot":     r.createSnapshot,
		"repos/get-release-by-tag":                        r.releaseByTag,
		"repos/create-release":                            r.createRelease,
		"repos/list-release-assets":                       r.listAssets,
		"repos/delete-release-asset":                      r.deleteAsset,
		"repos/upload-release-asset":                      r.uploadAsset,
		"repos/get-release-asset":                         r.getAsset,
		"git/update-ref":                                  r.updateRef,
		"git/create-ref":                                  r.createRef,
		"repos/list-deployments":                          r.listDeployments,
		"repos/list-deployment-statuses":                  r.listDeploymentStatuses,
		"issues/list-for-repo":                            r.listIssues,
		"repos/list-pull-requests-associated-with-commit": r.pullsOfCommit,
		"pulls/list-commits":                              r.pullCommits,
	}[op]
	if h == nil {
		return Response{Status: http.StatusNotImplemented, Body: ErrorBody(501, "githubtest does not answer "+op)}
	}
	return h(login, params, c)
}

// page cuts items as GitHub pages a list: per_page (default 30, at most
// 100) and page from the query, and a Link header to the next and last
// pages.
func page[T any](r *Repo, c *Call, items []T) ([]T, http.Header) {
	per, _ := strconv.Atoi(c.Query.Get("per_page"))
	if per <= 0 {
		per = 30
	}
	per = min(per, 100)
	n, _ := strconv.Atoi(c.Query.Get("page"))
	n = max(n, 1)
	last := max((len(items)+per-1)/per, 1)
	lo, hi := min((n-1)*per, len(items)), min(n*per, len(items))
	h := http.Header{}
	link := func(p int, rel string) string {
		q := url.Values{"per_page": {strconv.Itoa(per)}, "page": {strconv.Itoa(p)}}
		return fmt.Sprintf("<%s%s?%s>; rel=%q", r.apiURL, c.Path, q.Encode(), rel)
	}
	var links []string
	if n < last {
		links = append(links, link(n+1, "next"), link(last, "last"))
	}
	if n > 1 {
		links = append(links, link(n-1, "prev"), link(1, "first"))
	}
	if len(links) > 0 {
		h.Set("Link", strings.Join(links, ", "))
	}
	return items[lo:hi], h
}

func (r *Repo) listComments(_ string, p map[string]string, c *Call) Response {
	issue, _ := strconv.Atoi(p["issue_number"])
	var on []*Comment
	for _, cm := range r.Comments {
		if cm.Issue == issue {
			on = append(on, cm)
		}
	}
	items, h := page(r, c, on)
	out := []any{}
	for _, cm := range items {
		out = append(out, r.commentJSON(cm))
	}
	return Response{Status: http.StatusOK, Header: h, Body: out}
}

// maxComment is GitHub's limit on a comment body, in characters.
const maxComment = 65536

// tooLong is GitHub's answer to a comment body over its limit.
func tooLong() Response {
	return Response{Status: http.StatusUnprocessableEntity, Body: ValidationBody("Validation Failed", map[string]any{
		"resource": "IssueComment", "code": "unprocessable", "field": "data",
		"message": fmt.Sprintf("Body is too long (maximum is %d characters)", maxComment),
	})}
}

func (r *Repo) createComment(login string, p map[string]string, c *Call) Response {
	var in struct{ Body string }
	json.Unmarshal(c.Body, &in)
	if utf8.RuneCountInString(in.Body) > maxComment {
		return tooLong()
	}
	issue, _ := strconv.Atoi(p["issue_number"])
	r.nextID++
	cm := &Comment{ID: r.nextID, Issue: issue, Body: in.Body, Login: login}
	r.Comments = append(r.Comments, cm)
	return Response{Status: http.StatusCreated, Header: location(r.commentURL(cm)), Body: r.commentJSON(cm)}
}

func (r *Repo) updateComment(_ string, p map[string]string, c *Call) Response {
	var in struct{ Body string }
	json.Unmarshal(c.Body, &in)
	if utf8.RuneCountInString(in.Body) > maxComment {
		return tooLong()
	}
	id, _ := strconv.ParseInt(p["comment_id"], 10, 64)
	for _, cm := range r.Comments {
		if cm.ID == id {
			cm.Body = in.Body
			cm.Edited++
			return Response{Status: http.StatusOK, Body: r.commentJSON(cm)}
		}
	}
	return Response{Status: http.StatusNotFound, Body: ErrorBody(404, "Not Found")}
}

type checkRunIn struct {
	Name       string `json:"name"`
	HeadSHA    string `json:"head_sha"`
	Status     string `json:"status"`
	Conclusion string `json:"conclusion"`
	ExternalID string `json:"external_id"`
	DetailsURL string `json:"details_url"`
	Output     *struct {
		Title       string            `json:"title"`
		Summary     string            `json:"summary"`
		Text        string            `json:"text"`
		Annotations []json.RawMessage `json:"annotations"`
	} `json:"output"`
}

func (cr *CheckRun) apply(in checkRunIn) {
	for dst, v := range map[*string]string{&cr.Name: in.Name, &cr.Status: in.Status, &cr.Conclusion: in.Conclusion, &cr.ExternalID: in.ExternalID, &cr.DetailsURL: in.DetailsURL} {
		if v != "" {
			*dst = v
		}
	}
	if in.Conclusion != "" {
		cr.Status = "completed"
	}
	if o := in.Output; o != nil {
		cr.Title, cr.Summary, cr.Text = o.Title, o.Summary, o.Text
		cr.Annotations = append(cr.Annotations, o.Annotations...)
		cr.AnnotationsPerRequest = append(cr.AnnotationsPerRequest, len(o.Annotations))
	}
}

func (r *Repo) createCheckRun(_ string, _ map[string]string, c *Call) Response {
	var in checkRunIn
	json.Unmarshal(c.Body, &in)
	r.nextID++
	cr := &CheckRun{ID: r.nextID, HeadSHA: in.HeadSHA, Status: "queued"}
	cr.apply(in)
	r.CheckRuns = append(r.CheckRuns, cr)
	return Response{Status: http.StatusCreated, Body: r.checkRunJSON(cr)}
}

func (r *Repo) updateCheckRun(_ string, p map[string]string, c *Call) Response {
	var in checkRunIn
	json.Unmarshal(c.Body, &in)
	id, _ := strconv.ParseInt(p["check_run_id"], 10, 64)
	for _, cr := range r.CheckRuns {
		if cr.ID == id {
			cr.apply(in)
			return Response{Status: http.StatusOK, Body: r.checkRunJSON(cr)}
		}
	}
	return Response{Status: http.StatusNotFound, Body: ErrorBody(404, "Not Found")}
}

func (r *Repo) createStatus(login string, p map[string]string, c *Call) Response {
	var in struct {
		State, Context, Description string
		TargetURL                   string `json:"target_url"`
	}
	json.Unmarshal(c.Body, &in)
	if in.Context == "" {
		in.Context = "default"
	}
	st := Status{SHA: p["sha"], State: in.State, Context: in.Context, Description: in.Description, TargetURL: in.TargetURL}
	r.Statuses = append(r.Statuses, st)
	r.nextID++
	return Response{Status: http.StatusCreated, Header: location(r.apiURL + "/repos/" + r.full() + "/statuses/" + st.SHA), Body: r.statusJSON(login, r.nextID, st)}
}

func (r *Repo) createSnapshot(_ string, _ map[string]string, c *Call) Response {
	r.Snapshots = append(r.Snapshots, json.RawMessage(c.Body))
	r.nextID++
	return Response{Status: http.StatusCreated, Body: map[string]any{
		"id": r.nextID, "created_at": timestamp, "result": "SUCCESS",
		"message": "Dependency results for the repo have been successfully updated.",
	}}
}

func (r *Repo) releaseByTag(login string, p map[string]string, _ *Call) Response {
	for _, rel := range r.Releases {
		if rel.Tag == p["tag"] {
			return Response{Status: http.StatusOK, Body: r.releaseJSON(login, rel)}
		}
	}
	return Response{Status: http.StatusNotFound, Body: ErrorBody(404, "Not Found")}
}

func (r *Repo) createRelease(login string, _ map[string]string, c *Call) Response {
	var in struct {
		Tag   string `json:"tag_name"`
		Name  string `json:"name"`
		Draft bool   `json:"draft"`
	}
	json.Unmarshal(c.Body, &in)
	for _, rel := range r.Releases {
		if rel.Tag == in.Tag {
			return Response{Status: http.StatusUnprocessableEntity, Body: validationError("Release", "tag_name", "already_exists")}
		}
	}
	r.nextID++
	rel := &Release{ID: r.nextID, Tag: in.Tag, Name: in.Name, Draft: in.Draft}
	r.Releases = append(r.Releases, rel)
	return Response{Status: http.StatusCreated, Header: location(r.releaseURL(rel)), Body: r.releaseJSON(login, rel)}
}

func (r *Repo) release(id string) *Release {
	n, _ := strconv.ParseInt(id, 10, 64)
	for _, rel := range r.Releases {
		if rel.ID == n {
			return rel
		}
	}
	return nil
}

func (r *Repo) listAssets(login string, p map[string]string, c *Call) Response {
	rel := r.release(p["release_id"])
	if rel == nil {
		return Response{Status: http.StatusNotFound, Body: ErrorBody(404, "Not Found")}
	}
	items, h := page(r, c, rel.Assets)
	out := []any{}
	for _, a := range items {
		out = append(out, r.assetJSON(login, a))
	}
	return Response{Status: http.StatusOK, Header: h, Body: out}
}

func (r *Repo) deleteAsset(_ string, p map[string]string, _ *Call) Response {
	id, _ := strconv.ParseInt(p["asset_id"], 10, 64)
	for _, rel := range r.Releases {
		for i, a := range rel.Assets {
			if a.ID == id {
				rel.Assets = append(rel.Assets[:i], rel.Assets[i+1:]...)
				return Response{Status: http.StatusNoContent}
			}
		}
	}
	return Response{Status: http.StatusNotFound, Body: ErrorBody(404, "Not Found")}
}

// uploadAsset refuses a name already taken, as GitHub does: replacing an
// asset means deleting the old one first.
func (r *Repo) uploadAsset(login string, p map[string]string, c *Call) Response {
	rel := r.release(p["release_id"])
	if rel == nil {
		return Response{Status: http.StatusNotFound, Body: ErrorBody(404, "Not Found")}
	}
	name := c.Query.Get("name")
	for _, a := range rel.Assets {
		if a.Name == name {
			return Response{Status: http.StatusUnprocessableEntity}
		}
	}
	r.nextID++
	a := &Asset{ID: r.nextID, Name: name, ContentType: c.Header.Get("Content-Type"), Data: c.Body}
	rel.Assets = append(rel.Assets, a)
	return Response{Status: http.StatusCreated, Body: r.assetJSON(login, a)}
}

// getAsset answers with the asset's description, or, asked for its
// content (Accept: application/octet-stream), as github.com does: a 302
// to a signed URL on another host, which the client must fetch without
// its token.
func (r *Repo) getAsset(login string, p map[string]string, c *Call) Response {
	id, _ := strconv.ParseInt(p["asset_id"], 10, 64)
	for _, rel := range r.Releases {
		for _, a := range rel.Assets {
			if a.ID != id {
				continue
			}
			if c.Header.Get("Accept") == "application/octet-stream" {
				return Response{Status: http.StatusFound, Header: location(r.storage.signedURL(a))}
			}
			return Response{Status: http.StatusOK, Body: r.assetJSON(login, a)}
		}
	}
	return Response{Status: http.StatusNotFound, Body: ErrorBody(404, "Not Found")}
}

func (r *Repo) updateRef(_ string, p map[string]string, c *Call) Response {
	var in struct {
		SHA   string `json:"sha"`
		Force bool   `json:"force"`
	}
	json.Unmarshal(c.Body, &in)
	ref, _ := url.PathUnescape(p["ref"])
	if _, ok := r.Refs[ref]; !ok {
		return Response{Status: http.StatusUnprocessableEntity, Body: map[string]any{
			"message": "Reference does not exist", "documentation_url": "https://docs.github.com/rest/git/refs#update-a-reference", "status": "422",
		}}
	}
	r.Refs[ref] = in.SHA
	return Response{Status: http.StatusOK, Body: r.refJSON(ref)}
}

func (r *Repo) createRef(_ string, _ map[string]string, c *Call) Response {
	var in struct{ Ref, SHA string }
	json.Unmarshal(c.Body, &in)
	ref := strings.TrimPrefix(in.Ref, "refs/")
	if _, ok := r.Refs[ref]; ok {
		return Response{Status: http.StatusUnprocessableEntity, Body: validationError("Reference", "ref", "already_exists")}
	}
	r.Refs[ref] = in.SHA
	return Response{Status: http.StatusCreated, Header: location(r.apiURL + "/repos/" + r.full() + "/git/refs/" + ref), Body: r.refJSON(ref)}
}

func (r *Repo) full() string { return r.Owner + "/" + r.Name }

func location(u string) http.Header { return http.Header{"Location": {u}} }

func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// timestamp is when everything in the fake happens: no test may depend
// on the wall clock.
var timestamp = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC).Format(time.RFC3339)
