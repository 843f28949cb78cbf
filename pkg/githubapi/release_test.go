package githubapi_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/githubtest"
	"github.com/voidnxsec/nixops-actions/pkg/githubapi"
)

// TestReplaceAsset attaches an SBOM to a release that already has one of
// that name, listed on the third page of its 250 assets: the old asset
// goes, the new one arrives with the file's bytes, and the others stay.
func TestReplaceAsset(t *testing.T) {
	srv := githubtest.New(t)
	assets := map[string]string{}
	for i := 0; i < 249; i++ {
		assets[fmt.Sprintf("a%03d.txt", i)] = "x"
	}
	relID := srv.AddRelease("v1.0.0", assets)
	srv.Lock()
	srv.Releases[0].Assets = append(srv.Releases[0].Assets, &githubtest.Asset{ID: 1, Name: "sbom.cdx.json", Data: []byte("old")})
	srv.Unlock()

	c, _ := newClient(t, srv)
	path := filepath.Join(t.TempDir(), "sbom.cdx.json")
	if err := os.WriteFile(path, []byte(`{"bomFormat":"CycloneDX"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	rel, created, err := c.EnsureRelease(context.Background(), repoOf(srv), githubapi.NewRelease{Tag: "v1.0.0"})
	if err != nil || created || rel.ID != relID {
		t.Fatalf("EnsureRelease = %+v, %v, %v; want the existing release %d", rel, created, err, relID)
	}
	a, err := c.ReplaceAsset(context.Background(), repoOf(srv), rel.ID, path, "")
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "sbom.cdx.json" || a.Size != 25 {
		t.Errorf("asset %+v", a)
	}
	lists := srv.Calls("repos/list-release-assets")
	if len(lists) != 3 {
		t.Fatalf("%d pages of assets read, want 3", len(lists))
	}
	for i, l := range lists {
		if got := l.Query.Get("page"); got != fmt.Sprint(i+1) {
			t.Errorf("list %d asked for page %q", i, got)
		}
	}
	srv.Lock()
	defer srv.Unlock()
	got := srv.Releases[0].Assets
	var named []*githubtest.Asset
	for _, a := range got {
		if a.Name == "sbom.cdx.json" {
			named = append(named, a)
		}
	}
	if len(got) != 250 || len(named) != 1 || string(named[0].Data) != `{"bomFormat":"CycloneDX"}` || named[0].ID == 1 {
		t.Fatalf("%d assets; of that name %+v", len(got), named)
	}
}

// TestEnsureReleaseRace: another job of the matrix creates the release
// between our read and our creation; GitHub refuses ours, and the other
// one is used.
func TestEnsureReleaseRace(t *testing.T) {
	srv := githubtest.New(t)
	id := srv.AddRelease("v2.0.0", nil)
	srv.Fail("repos/get-release-by-tag", githubtest.Response{Status: 404, Body: githubtest.ErrorBody(404, "Not Found")})
	c, _ := newClient(t, srv)
	rel, created, err := c.EnsureRelease(context.Background(), repoOf(srv), githubapi.NewRelease{Tag: "v2.0.0", Name: "v2.0.0"})
	if err != nil || created || rel.ID != id {
		t.Fatalf("EnsureRelease = %+v, %v, %v; want release %d", rel, created, err, id)
	}
	if n := len(srv.Calls("repos/create-release")); n != 1 {
		t.Errorf("%d creations", n)
	}
}

func TestEnsureReleaseCreates(t *testing.T) {
	srv := githubtest.New(t)
	c, _ := newClient(t, srv)
	rel, created, err := c.EnsureRelease(context.Background(), repoOf(srv), githubapi.NewRelease{Tag: "v3.0.0", Target: "main", Name: "v3.0.0", Body: "notes"})
	if err != nil || !created || rel.Tag != "v3.0.0" {
		t.Fatalf("EnsureRelease = %+v, %v, %v", rel, created, err)
	}
}

// TestSetRef moves an existing tag and creates a missing one.
func TestSetRef(t *testing.T) {
	srv := githubtest.New(t)
	srv.Lock()
	srv.Refs["tags/v1"] = "1111111111111111111111111111111111111111"
	srv.Unlock()
	c, _ := newClient(t, srv)
	ctx := context.Background()
	if created, err := c.SetRef(ctx, repoOf(srv), "refs/tags/v1", headSHA, true); err != nil || created {
		t.Fatalf("moving v1: %v, %v", created, err)
	}
	if created, err := c.SetRef(ctx, repoOf(srv), "tags/v2", headSHA, false); err != nil || !created {
		t.Fatalf("creating v2: %v, %v", created, err)
	}
	srv.Lock()
	defer srv.Unlock()
	if srv.Refs["tags/v1"] != headSHA || srv.Refs["tags/v2"] != headSHA {
		t.Errorf("refs %v", srv.Refs)
	}
}
