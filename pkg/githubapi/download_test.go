package githubapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/githubtest"
	"github.com/voidnxsec/nixops-actions/pkg/githubapi"
	"github.com/voidnxsec/nixops-actions/pkg/httpclient"
)

// TestDownloadAsset reads an asset back through GitHub's redirect to the
// asset host, which fails the test if the token reaches it.
func TestDownloadAsset(t *testing.T) {
	srv := githubtest.New(t)
	relID := srv.AddRelease("v1.0.0", map[string]string{"a.bin": "first", "checksums.txt": "sums\n"})
	c, _ := newClient(t, srv)
	ctx := context.Background()
	a, err := c.ReleaseAsset(ctx, repoOf(srv), relID, "checksums.txt")
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, c, srv, *a); got != "sums\n" {
		t.Errorf("downloaded %q", got)
	}
	gets := srv.Calls("repos/get-release-asset")
	if len(gets) != 1 || gets[0].Status != 302 || gets[0].Header.Get("Accept") != "application/octet-stream" {
		t.Errorf("API calls %+v", gets)
	}
	if _, err := c.ReleaseAsset(ctx, repoOf(srv), relID, "missing"); !errors.Is(err, githubapi.ErrNotFound) {
		t.Errorf("missing asset: %v", err)
	}
}

// TestDownloadAssetBounded: a host serving more than the asset's size is
// cut off, and one serving other bytes of that size is read as they are
// (the caller's checksum refuses them).
func TestDownloadAssetBounded(t *testing.T) {
	srv := githubtest.New(t)
	relID := srv.AddRelease("v1.0.0", map[string]string{"a.bin": "12345"})
	c, _ := newClient(t, srv)
	a, err := c.ReleaseAsset(context.Background(), repoOf(srv), relID, "a.bin")
	if err != nil {
		t.Fatal(err)
	}
	srv.ServeInstead("a.bin", []byte("abcde"))
	if got := readAll(t, c, srv, *a); got != "abcde" {
		t.Errorf("downloaded %q", got)
	}
	srv.ServeInstead("a.bin", []byte("123456789"))
	rc, err := c.DownloadAsset(context.Background(), repoOf(srv), *a)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var tl *httpclient.BodyTooLargeError
	if _, err := io.ReadAll(rc); !errors.As(err, &tl) || tl.Limit != 5 {
		t.Errorf("oversized download: %v", err)
	}
}

func TestDownloadAssetNotFound(t *testing.T) {
	srv := githubtest.New(t)
	c, _ := newClient(t, srv)
	_, err := c.DownloadAsset(context.Background(), repoOf(srv), githubapi.Asset{ID: 424242, Name: "gone"})
	var ae *githubapi.APIError
	if !errors.As(err, &ae) || ae.Status != 404 || !errors.Is(err, githubapi.ErrNotFound) {
		t.Errorf("err = %v", err)
	}
}

func readAll(t *testing.T, c *githubapi.Client, srv *githubtest.Server, a githubapi.Asset) string {
	t.Helper()
	rc, err := c.DownloadAsset(context.Background(), repoOf(srv), a)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestDownloadAssetHidesSignature: the asset host cannot be reached; the
// error names it without the signed URL's query, a credential for the
// asset.
func TestDownloadAssetHidesSignature(t *testing.T) {
	srv := githubtest.New(t)
	relID := srv.AddRelease("v1.0.0", map[string]string{"a.bin": "x"})
	c, ft := newClient(t, srv)
	a, err := c.ReleaseAsset(context.Background(), repoOf(srv), relID, "a.bin")
	if err != nil {
		t.Fatal(err)
	}
	srv.Fail("repos/get-release-asset", githubtest.Response{Status: 302,
		Header: http.Header{"Location": {"http://127.0.0.1:1/assets/1/a.bin?sig=s3cr3t"}}})
	_, err = c.DownloadAsset(context.Background(), repoOf(srv), *a)
	if err == nil || strings.Contains(err.Error(), "s3cr3t") || !strings.Contains(err.Error(), "http://127.0.0.1:1/assets/1/a.bin") {
		t.Errorf("err = %v", err)
	}
	if len(ft.retries) == 0 {
		t.Errorf("a refused connection to the asset host was not retried")
	}
}
