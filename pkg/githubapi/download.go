package githubapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/google/go-github/v60/github"

	"github.com/voidnxsec/nixops-actions/pkg/httpclient"
)

// ReleaseAsset finds the asset called name among all those of release
// releaseID; none of that name is an error matching ErrNotFound.
func (c *Client) ReleaseAsset(ctx context.Context, repo Repo, releaseID int64, name string) (*Asset, error) {
	op := operation{fmt.Sprintf("find the release asset %q", name), ContentsRead}
	a, err := c.findAsset(ctx, repo, releaseID, name)
	if err != nil {
		return nil, c.wrap(op, err)
	}
	if a == nil {
		return nil, fmt.Errorf("%s: release %d has no asset of that name: %w", op.name, releaseID, ErrNotFound)
	}
	out := asset(a)
	return &out, nil
}

// findAsset reads the assets of a release page by page until one is
// called name; nil when none is.
func (c *Client) findAsset(ctx context.Context, repo Repo, releaseID int64, name string) (*github.ReleaseAsset, error) {
	var found *github.ReleaseAsset
	err := eachPage(ctx, func(ctx context.Context, o github.ListOptions) ([]*github.ReleaseAsset, *github.Response, error) {
		return c.gh.Repositories.ListReleaseAssets(ctx, repo.Owner, repo.Name, releaseID, &o)
	}, func(a *github.ReleaseAsset) bool {
		if a.GetName() == name {
			found = a
		}
		return found == nil
	})
	return found, err
}

// DownloadAsset opens the content of asset a, as a user downloading it
// gets it. GitHub answers the API request with a redirect to a signed URL
// on the host that stores assets; that request goes without the token
// (the signature is the credential, and the token is for the API host
// only), never from https to http, and is retried like any other. The
// body is cut off with a *httpclient.BodyTooLargeError past a.Size bytes
// when a.Size is known: a download cannot balloon.
func (c *Client) DownloadAsset(ctx context.Context, repo Repo, a Asset) (io.ReadCloser, error) {
	op := operation{fmt.Sprintf("download the release asset %q", a.Name), ContentsRead}
	req, err := c.gh.NewRequest(http.MethodGet, fmt.Sprintf("repos/%s/%s/releases/assets/%d", repo.Owner, repo.Name, a.ID), nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op.name, err)
	}
	req.Header.Set("Accept", "application/octet-stream")
	api := c.gh.Client() // a copy: its redirects are ours to handle
	api.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := api.Do(req.WithContext(ctx))
	if err != nil {
		return nil, c.wrap(op, err)
	}
	if isRedirect(resp.StatusCode) {
		resp, err = c.followAsset(ctx, req, resp)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op.name, err)
		}
	} else if err := github.CheckResponse(resp); err != nil {
		resp.Body.Close()
		return nil, c.wrap(op, err)
	}
	if a.Size <= 0 {
		return resp.Body, nil
	}
	return struct {
		io.Reader
		io.Closer
	}{httpclient.LimitBody(resp.Body, int64(a.Size)), resp.Body}, nil
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// ErrNoLocation is a redirect without a usable Location header.
var ErrNoLocation = errors.New("the API redirected the download without a Location")

// followAsset fetches where the API redirected the download of req to,
// with the client that carries no token. The signed URL's query is a
// credential for that asset: no error shows it.
func (c *Client) followAsset(ctx context.Context, req *http.Request, redirect *http.Response) (*http.Response, error) {
	httpclient.Discard(redirect)
	loc, err := redirect.Location()
	if err != nil {
		return nil, ErrNoLocation
	}
	shown := withoutQuery(loc)
	if req.URL.Scheme == "https" && loc.Scheme != "https" {
		return nil, &httpclient.RedirectError{From: req.URL.Redacted(), To: shown, Reason: "it leaves https"}
	}
	get, err := http.NewRequestWithContext(ctx, http.MethodGet, loc.String(), nil)
	if err != nil {
		return nil, err
	}
	get.Header.Set("Accept", "application/octet-stream")
	resp, err := c.storage.Do(get)
	var ue *url.Error
	var re *httpclient.RedirectError
	switch {
	case errors.As(err, &re):
		re.From, re.To = shown, "elsewhere"
		return nil, err
	case errors.As(err, &ue):
		ue.URL = shown
		return nil, err
	case err != nil:
		return nil, err
	}
	if err := httpclient.CheckResponse(resp); err != nil {
		var se *httpclient.StatusError
		if errors.As(err, &se) {
			se.URL = shown
		}
		return nil, err
	}
	return resp, nil
}

// withoutQuery is u without its query and credentials, for messages.
func withoutQuery(u *url.URL) string {
	v := *u
	v.RawQuery, v.Fragment, v.User = "", "", nil
	return v.String()
}
