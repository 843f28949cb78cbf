package release

import (
	"context"
	"io"
	"strings"

	"github.com/voidnxsec/nixops-actions/pkg/githubapi"
)

// GitHub is the Publisher of a repository on GitHub, through the
// project's GitHub client. Its errors are githubapi's typed errors
// (*githubapi.PermissionError names the permission to grant).
type GitHub struct {
	Client *githubapi.Client
	Repo   githubapi.Repo
}

var _ Publisher = GitHub{}

// EnsureRelease creates the release of the tag Publish pushed, marked a
// pre-release when the version is one.
func (g GitHub) EnsureRelease(ctx context.Context, tag, name, body string) (int64, error) {
	v, err := ParseVersion(tag)
	if err != nil {
		return 0, err
	}
	rel, _, err := g.Client.EnsureRelease(ctx, g.Repo, githubapi.NewRelease{Tag: tag, Name: name, Body: body, Pre: v.Prerelease()})
	if err != nil {
		return 0, err
	}
	return rel.ID, nil
}

func (g GitHub) ReplaceAsset(ctx context.Context, releaseID int64, name, path string) error {
	_, err := g.Client.ReplaceAsset(ctx, g.Repo, releaseID, path, name)
	return err
}

// DownloadAsset finds the asset through the published release of tag, as
// a user's download does, and reads it from where GitHub serves it.
func (g GitHub) DownloadAsset(ctx context.Context, tag, name string) (io.ReadCloser, error) {
	rel, err := g.Client.ReleaseByTag(ctx, g.Repo, tag)
	if err != nil {
		return nil, err
	}
	a, err := g.Client.ReleaseAsset(ctx, g.Repo, rel.ID, name)
	if err != nil {
		return nil, err
	}
	return g.Client.DownloadAsset(ctx, g.Repo, *a)
}

// MoveTag forces the moving tag to commit. Without force GitHub moves a
// ref only to a descendant, and no release commit descends from the one
// before: each sits on its own beside the branch (see the package doc).
func (g GitHub) MoveTag(ctx context.Context, tag, commit string) error {
	_, err := g.Client.SetRef(ctx, g.Repo, "tags/"+strings.TrimPrefix(tag, "refs/tags/"), commit, true)
	return err
}
