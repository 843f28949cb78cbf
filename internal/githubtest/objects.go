package githubtest

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// The objects below are what GitHub answers, with the fields its
// description requires; the server checks each against it on the way out.

func nodeID(kind string, id int64) string {
	return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("0%d:%s%d", len(kind), kind, id)))
}

func (r *Repo) user(login string) map[string]any {
	u := "https://api.github.com/users/" + login
	typ := "User"
	if strings.HasSuffix(login, "[bot]") {
		typ = "Bot"
	}
	var id int64
	for _, c := range login {
		id = id*31 + int64(c)
	}
	id = max(id&0xffffff, 1)
	return map[string]any{
		"login": login, "id": id, "node_id": nodeID("User", id), "type": typ, "site_admin": false,
		"avatar_url": "https://avatars.githubusercontent.com/u/" + strconv.FormatInt(id, 10), "gravatar_id": "",
		"url": u, "html_url": "https://github.com/" + login,
		"followers_url": u + "/followers", "following_url": u + "/following{/other_user}",
		"gists_url": u + "/gists{/gist_id}", "starred_url": u + "/starred{/owner}{/repo}",
		"subscriptions_url": u + "/subscriptions", "organizations_url": u + "/orgs",
		"repos_url": u + "/repos", "events_url": u + "/events{/privacy}",
		"received_events_url": u + "/received_events",
	}
}

func (r *Repo) repoURL() string { return r.apiURL + "/repos/" + r.full() }
func (r *Repo) htmlURL() string { return "https://github.com/" + r.full() }

func (r *Repo) commentURL(c *Comment) string {
	return fmt.Sprintf("%s/issues/comments/%d", r.repoURL(), c.ID)
}

func (r *Repo) commentJSON(c *Comment) map[string]any {
	return map[string]any{
		"id": c.ID, "node_id": nodeID("IssueComment", c.ID), "url": r.commentURL(c),
		"html_url":  fmt.Sprintf("%s/pull/%d#issuecomment-%d", r.htmlURL(), c.Issue, c.ID),
		"issue_url": fmt.Sprintf("%s/issues/%d", r.repoURL(), c.Issue),
		"body":      c.Body, "user": r.user(c.Login), "author_association": "NONE",
		"created_at": timestamp, "updated_at": timestamp,
	}
}

func (r *Repo) checkRunJSON(cr *CheckRun) map[string]any {
	u := fmt.Sprintf("%s/check-runs/%d", r.repoURL(), cr.ID)
	var conclusion, completed any
	if cr.Conclusion != "" {
		conclusion, completed = cr.Conclusion, timestamp
	}
	return map[string]any{
		"id": cr.ID, "node_id": nodeID("CheckRun", cr.ID), "head_sha": cr.HeadSHA, "name": cr.Name,
		"url": u, "html_url": fmt.Sprintf("%s/runs/%d", r.htmlURL(), cr.ID),
		"details_url": nullable(cr.DetailsURL), "external_id": nullable(cr.ExternalID),
		"status": cr.Status, "conclusion": conclusion, "started_at": timestamp, "completed_at": completed,
		"output": map[string]any{
			"title": nullable(cr.Title), "summary": nullable(cr.Summary), "text": nullable(cr.Text),
			"annotations_count": len(cr.Annotations), "annotations_url": u + "/annotations",
		},
		"check_suite": map[string]any{"id": cr.ID + 1}, "app": nil, "pull_requests": []any{},
	}
}

func (r *Repo) statusJSON(login string, id int64, st Status) map[string]any {
	return map[string]any{
		"url": r.repoURL() + "/statuses/" + st.SHA, "avatar_url": nil,
		"id": id, "node_id": nodeID("StatusContext", id), "state": st.State,
		"description": nullable(st.Description), "target_url": nullable(st.TargetURL), "context": st.Context,
		"created_at": timestamp, "updated_at": timestamp, "creator": r.user(login),
	}
}

func (r *Repo) releaseURL(rel *Release) string {
	return fmt.Sprintf("%s/releases/%d", r.repoURL(), rel.ID)
}

func (r *Repo) releaseJSON(login string, rel *Release) map[string]any {
	assets := []any{}
	for _, a := range rel.Assets {
		assets = append(assets, r.assetJSON(login, a))
	}
	var published any = timestamp
	if rel.Draft {
		published = nil
	}
	return map[string]any{
		"url": r.releaseURL(rel), "html_url": r.htmlURL() + "/releases/tag/" + rel.Tag,
		"assets_url":  r.releaseURL(rel) + "/assets",
		"upload_url":  fmt.Sprintf("%s/repos/%s/releases/%d/assets{?name,label}", r.uploadURL, r.full(), rel.ID),
		"tarball_url": nullable(r.repoURL() + "/tarball/" + rel.Tag), "zipball_url": nullable(r.repoURL() + "/zipball/" + rel.Tag),
		"id": rel.ID, "node_id": nodeID("Release", rel.ID), "tag_name": rel.Tag, "target_commitish": "main",
		"name": nullable(rel.Name), "draft": rel.Draft, "prerelease": false,
		"created_at": timestamp, "published_at": published, "author": r.user(login), "assets": assets,
	}
}

func (r *Repo) assetJSON(login string, a *Asset) map[string]any {
	return map[string]any{
		"url":                  fmt.Sprintf("%s/releases/assets/%d", r.repoURL(), a.ID),
		"browser_download_url": fmt.Sprintf("%s/releases/download/v/%s", r.htmlURL(), a.Name),
		"id":                   a.ID, "node_id": nodeID("ReleaseAsset", a.ID), "name": a.Name, "label": nil,
		"state": "uploaded", "content_type": a.ContentType, "size": len(a.Data), "digest": digest(a.Data),
		"download_count": 0, "created_at": timestamp, "updated_at": timestamp, "uploader": r.user(login),
	}
}

func (r *Repo) refJSON(ref string) map[string]any {
	sha := r.Refs[ref]
	return map[string]any{
		"ref": "refs/" + ref, "node_id": nodeID("Ref", int64(len(ref))), "url": r.repoURL() + "/git/refs/" + ref,
		"object": map[string]any{"type": "commit", "sha": sha, "url": r.repoURL() + "/git/commits/" + sha},
	}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// ErrorBody is GitHub's body for most errors ("basic-error").
func ErrorBody(status int, message string) map[string]any {
	return map[string]any{"message": message, "documentation_url": "https://docs.github.com/rest", "status": strconv.Itoa(status)}
}

// ValidationBody is GitHub's 422 body ("validation-error"), with an
// entry in its errors list for each of errs.
func ValidationBody(message string, errs ...map[string]any) map[string]any {
	list := []any{}
	for _, e := range errs {
		list = append(list, e)
	}
	return map[string]any{"message": message, "documentation_url": "https://docs.github.com/rest", "errors": list}
}

func validationError(resource, field, code string) map[string]any {
	return ValidationBody("Validation Failed", map[string]any{"resource": resource, "field": field, "code": code})
}
