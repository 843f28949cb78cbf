package githubapi

import (
	"context"

	"github.com/google/go-github/v60/github"
)

// perPage is GitHub's largest page: the fewest requests for a list.
const perPage = 100

// eachPage reads a list page by page, following the Link header's next
// page, and hands each item to visit until visit returns false. list
// reads the page that opts names. Every list this package reads goes
// through here, so that none stops at GitHub's first page.
func eachPage[T any](ctx context.Context, list func(ctx context.Context, opts github.ListOptions) ([]T, *github.Response, error), visit func(T) bool) error {
	opts := github.ListOptions{PerPage: perPage, Page: 1}
	for {
		items, resp, err := list(ctx, opts)
		if err != nil {
			return err
		}
		for _, it := range items {
			if !visit(it) {
				return nil
			}
		}
		if resp == nil || resp.NextPage == 0 || resp.NextPage <= opts.Page {
			return nil
		}
		opts.Page = resp.NextPage
	}
}
