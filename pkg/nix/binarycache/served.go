package binarycache

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/voidnxsec/nixops-actions/pkg/httpclient"
)

// UnsupportedError is an upstream this package cannot ask (s3://, ssh://
// and the other store types): nothing is left out for it.
type UnsupportedError struct{ URL string }

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("cannot ask %s which paths it serves: only http(s):// and file:// caches are asked", e.URL)
}

// Served returns the store paths of paths that the binary cache at
// upstream holds, by asking for each <hash>.narinfo as Nix's substituter
// does (workers requests at a time, over client, which carries the
// retries). `nix path-info --store URL` cannot answer this: up to Nix 2.19
// it stops at the first path the cache lacks.
func Served(ctx context.Context, client *http.Client, upstream string, paths []string, workers int) (map[string]bool, error) {
	u, err := url.Parse(upstream)
	if err != nil {
		return nil, err
	}
	var has func(context.Context, string) (bool, error)
	switch u.Scheme {
	case "http", "https":
		has = func(ctx context.Context, hash string) (bool, error) { return hasNarinfoHTTP(ctx, client, u, hash) }
	case "file":
		has = func(_ context.Context, hash string) (bool, error) {
			_, err := os.Stat(filepath.Join(u.Path, hash+".narinfo"))
			if errors.Is(err, os.ErrNotExist) {
				return false, nil
			}
			return err == nil, err
		}
	default:
		return nil, &UnsupportedError{upstream}
	}
	return askAll(ctx, paths, workers, has)
}

func askAll(ctx context.Context, paths []string, workers int, has func(context.Context, string) (bool, error)) (map[string]bool, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var mu sync.Mutex
	served := map[string]bool{}
	next := make(chan string)
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range next {
				hash, _, _ := strings.Cut(path.Base(p), "-")
				ok, err := has(ctx, hash)
				if err != nil {
					cancel(fmt.Errorf("%s: %w", p, err))
					continue
				}
				if ok {
					mu.Lock()
					served[p] = true
					mu.Unlock()
				}
			}
		}()
	}
feed:
	for _, p := range paths {
		select {
		case next <- p:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return served, nil
}

// hasNarinfoHTTP asks with HEAD, as Nix does for isValidPath: 2xx holds,
// 404 and 403 (S3 behind HTTP answers 403 for a missing key) do not.
func hasNarinfoHTTP(ctx context.Context, client *http.Client, base *url.URL, hash string) (bool, error) {
	u := base.JoinPath(hash + ".narinfo")
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u.String(), nil)
	if err != nil {
		return false, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return false, err
	}
	switch resp.StatusCode {
	case http.StatusNotFound, http.StatusForbidden:
		httpclient.Discard(resp)
		return false, nil
	}
	if err := httpclient.CheckResponse(resp); err != nil {
		return false, err
	}
	httpclient.Discard(resp)
	return true, nil
}
