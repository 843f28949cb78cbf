package githubapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"

	"github.com/google/go-github/v60/github"
)

// Release is what the suite needs of a release.
type Release struct {
	ID      int64
	Tag     string
	Name    string
	HTMLURL string
	Draft   bool
	Assets  []Asset // as listed with the release: up to GitHub's first page
}

// Asset is a file attached to a release.
type Asset struct {
	ID   int64
	Name string
	Size int
	URL  string // where a browser downloads it
}

var createReleaseOp = operation{"create the release", ContentsWrite}

// ReleaseByTag reads the published release of tag; a tag without one is
// an error matching ErrNotFound. (Drafts have no tag yet: GitHub finds
// them by id only.)
func (c *Client) ReleaseByTag(ctx context.Context, repo Repo, tag string) (*Release, error) {
	r, _, err := c.gh.Repositories.GetReleaseByTag(ctx, repo.Owner, repo.Name, tag)
	if err != nil {
		return nil, c.wrap(operation{fmt.Sprintf("read the release of tag %q", tag), ContentsRead}, err)
	}
	return release(r), nil
}

// NewRelease is a release to create.
type NewRelease struct {
	Tag    string
	Target string // branch or SHA the tag is made from if it does not exist
	Name   string
	Body   string
	Draft  bool
	Pre    bool
}

// EnsureRelease returns the release of nr.Tag, creating it when there is
// none. Jobs of one matrix may race to create it: when GitHub says another
// got there first, that one is read and returned.
func (c *Client) EnsureRelease(ctx context.Context, repo Repo, nr NewRelease) (rel *Release, created bool, err error) {
	rel, err = c.ReleaseByTag(ctx, repo, nr.Tag)
	if !errors.Is(err, ErrNotFound) {
		return rel, false, err
	}
	r, _, err := c.gh.Repositories.CreateRelease(ctx, repo.Owner, repo.Name, &github.RepositoryRelease{
		TagName: github.String(nr.Tag), TargetCommitish: optional(nr.Target), Name: optional(nr.Name),
		Body: optional(nr.Body), Draft: github.Bool(nr.Draft), Prerelease: github.Bool(nr.Pre),
	})
	if err == nil {
		return release(r), true, nil
	}
	err = c.wrap(createReleaseOp, err)
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusUnprocessableEntity && !nr.Draft {
		if again, gerr := c.ReleaseByTag(ctx, repo, nr.Tag); gerr == nil {
			return again, false, nil
		}
	}
	return nil, false, err
}

func release(r *github.RepositoryRelease) *Release {
	out := &Release{ID: r.GetID(), Tag: r.GetTagName(), Name: r.GetName(), HTMLURL: r.GetHTMLURL(), Draft: r.GetDraft()}
	for _, a := range r.Assets {
		out.Assets = append(out.Assets, asset(a))
	}
	return out
}

func asset(a *github.ReleaseAsset) Asset {
	return Asset{ID: a.GetID(), Name: a.GetName(), Size: a.GetSize(), URL: a.GetBrowserDownloadURL()}
}

// ReplaceAsset uploads the file at path to release releaseID under name
// (the file's base name when empty), first deleting an asset of that name
// if the release has one: GitHub refuses a second asset of the same name.
// Between the two requests the release has no asset of that name.
func (c *Client) ReplaceAsset(ctx context.Context, repo Repo, releaseID int64, path, name string) (*Asset, error) {
	if name == "" {
		name = filepath.Base(path)
	}
	op := operation{fmt.Sprintf("replace the release asset %q", name), ContentsWrite}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op.name, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op.name, err)
	}
	old, err := c.findAsset(ctx, repo, releaseID, name)
	if err != nil {
		return nil, c.wrap(op, err)
	}
	if old != nil {
		if _, err := c.gh.Repositories.DeleteReleaseAsset(ctx, repo.Owner, repo.Name, old.GetID()); err != nil {
			return nil, c.wrap(op, err)
		}
	}
	a, err := c.upload(ctx, repo, releaseID, name, f, info.Size())
	if err != nil {
		return nil, c.wrap(op, err)
	}
	out := asset(a)
	return &out, nil
}

// upload sends the asset with a body that can be read again, so that the
// transport may retry it (go-github's UploadReleaseAsset cannot). The
// media type is application/octet-stream, the only one GitHub's
// description declares for the upload.
func (c *Client) upload(ctx context.Context, repo Repo, releaseID int64, name string, f io.ReaderAt, size int64) (*github.ReleaseAsset, error) {
	u := fmt.Sprintf("repos/%s/%s/releases/%d/assets?name=%s", repo.Owner, repo.Name, releaseID, url.QueryEscape(name))
	req, err := c.gh.NewUploadRequest(u, io.NewSectionReader(f, 0, size), size, "application/octet-stream")
	if err != nil {
		return nil, err
	}
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(io.NewSectionReader(f, 0, size)), nil }
	a := new(github.ReleaseAsset)
	if _, err := c.gh.Do(ctx, req, a); err != nil {
		return nil, err
	}
	return a, nil
}
