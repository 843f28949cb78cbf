package release_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/githubtest"
	"github.com/voidnxsec/nixops-actions/pkg/githubapi"
	"github.com/voidnxsec/nixops-actions/pkg/release"
)

// gitHub is the Publisher of srv's repository, the client retrying
// nothing so that a test never waits.
func gitHub(t *testing.T, srv *githubtest.Server) release.GitHub {
	t.Helper()
	c, err := githubapi.New(githubapi.Options{APIURL: srv.URL, Token: srv.Token, Retry: githubapi.RetryPolicy{Retries: -1}})
	if err != nil {
		t.Fatal(err)
	}
	return release.GitHub{Client: c, Repo: githubapi.Repo{Owner: srv.Owner, Name: srv.Name}}
}

// TestPublishGitHub publishes a cut release to the OpenAPI-checked fake:
// the release is created, every asset uploaded with the bytes of the
// local file, each downloaded back through the asset host, and only then
// are v1 and v1.0 set to the release commit.
func TestPublishGitHub(t *testing.T) {
	r, res, _ := publishRepo(t)
	srv := githubtest.New(t)
	out, err := publish(r, res, gitHub(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	hello, world := "nixops-hello_v1.0.0_linux_amd64", "nixops-world_v1.0.0_linux_amd64"
	assets := []string{"checksums.txt", hello, hello + ".cdx.json", hello + ".spdx.json",
		world, world + ".cdx.json", world + ".spdx.json"}
	if !slices.Equal(out.Assets, assets) || !slices.Equal(out.MovedTags, []string{"v1", "v1.0"}) {
		t.Errorf("published %q, moved %q", out.Assets, out.MovedTags)
	}
	srv.Lock()
	if len(srv.Releases) != 1 || srv.Releases[0].Tag != "v1.0.0" || len(srv.Releases[0].Assets) != len(assets) {
		t.Fatalf("releases %+v", srv.Releases)
	}
	for _, a := range srv.Releases[0].Assets {
		local, err := os.ReadFile(filepath.Join(res.Dir, a.Name))
		if err != nil || string(local) != string(a.Data) {
			t.Errorf("asset %s: uploaded %d bytes, local file %d (%v)", a.Name, len(a.Data), len(local), err)
		}
	}
	refs := map[string]string{"tags/v1": srv.Refs["tags/v1"], "tags/v1.0": srv.Refs["tags/v1.0"]}
	srv.Unlock()
	for ref, sha := range refs {
		if sha != res.Commit {
			t.Errorf("%s is %q, want the release commit %s", ref, sha, res.Commit)
		}
	}
	// Every download precedes the first ref change.
	var downloads int
	for _, c := range srv.Calls("") {
		switch c.Operation {
		case "repos/get-release-asset":
			downloads++
		case "git/update-ref", "git/create-ref":
			if downloads != len(assets) {
				t.Fatalf("%s after %d of %d downloads", c.Operation, downloads, len(assets))
			}
		}
	}
	if downloads != len(assets) {
		t.Errorf("%d downloads, want %d", downloads, len(assets))
	}
}

// TestPublishGitHubTampered: the asset host serves other bytes for one
// binary; publishing names it and moves no ref.
func TestPublishGitHubTampered(t *testing.T) {
	r, res, _ := publishRepo(t)
	srv := githubtest.New(t)
	bin := "nixops-world_v1.0.0_linux_amd64"
	local, err := os.ReadFile(filepath.Join(res.Dir, bin))
	if err != nil {
		t.Fatal(err)
	}
	tampered := slices.Clone(local)
	tampered[len(tampered)/2] ^= 0xff
	srv.ServeInstead(bin, tampered)
	_, err = publish(r, res, gitHub(t, srv))
	var mm *release.MismatchError
	if !errors.As(err, &mm) || mm.Asset != bin || mm.Where != "download" || mm.Got != sha256Hex(tampered) {
		t.Fatalf("error %v, want a download mismatch of %s", err, bin)
	}
	if n := len(srv.Calls("git/update-ref")) + len(srv.Calls("git/create-ref")); n != 0 {
		t.Errorf("%d ref changes after a tampered download", n)
	}
	srv.Lock()
	defer srv.Unlock()
	if len(srv.Refs) != 0 {
		t.Errorf("refs %v", srv.Refs)
	}
}
