package githubapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/google/go-github/v60/github"
)

// SetRef points ref ("refs/tags/v1", "refs/heads/release") at sha,
// creating it when it does not exist. Without force, GitHub refuses to
// move a branch other than forward.
func (c *Client) SetRef(ctx context.Context, repo Repo, ref, sha string, force bool) (created bool, err error) {
	full := "refs/" + strings.TrimPrefix(ref, "refs/")
	op := operation{"update " + full, ContentsWrite}
	_, _, err = c.gh.Git.UpdateRef(ctx, repo.Owner, repo.Name, &github.Reference{Ref: &full, Object: &github.GitObject{SHA: &sha}}, force)
	if err == nil {
		return false, nil
	}
	err = c.wrap(op, err)
	// GitHub answers 422 "Reference does not exist" to an update of a
	// missing ref.
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusUnprocessableEntity || ae.Message != "Reference does not exist" {
		return false, err
	}
	_, _, err = c.gh.Git.CreateRef(ctx, repo.Owner, repo.Name, &github.Reference{Ref: &full, Object: &github.GitObject{SHA: &sha}})
	if err != nil {
		return false, c.wrap(operation{"create " + full, ContentsWrite}, err)
	}
	return true, nil
}
