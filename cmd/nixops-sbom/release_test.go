package main

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/githubtest"
	"github.com/voidnxsec/nixops-actions/pkg/action"
)

// publishedRelease is the id of the release in the release event fixture.
const publishedRelease = 187456789

// releaseRunner is snapshotRunner with release-assets on the example flake;
// event is the event name, ref GITHUB_REF.
func releaseRunner(t *testing.T, srv *githubtest.Server, event, ref string, inputs map[string]string) *runner {
	t.Helper()
	uri, installable, _ := builtFlake(t)
	in := map[string]string{"target": installable, "nix-store": uri, "embedded": "false", "dependency-snapshot": "false",
		"release-assets": "true", "format": "cyclonedx-json,spdx-json"}
	for k, v := range inputs {
		in[k] = v
	}
	r := snapshotRunner(t, srv, in)
	r.Env["GITHUB_EVENT_NAME"], r.Env["GITHUB_REF"] = event, ref
	if event == "release" {
		path, err := filepath.Abs("../../pkg/action/testdata/events/release-published.json")
		if err != nil {
			t.Fatal(err)
		}
		r.Env["GITHUB_EVENT_PATH"] = path
	}
	return r
}

// assetsOf returns the assets of the release with id, by name.
func assetsOf(srv *githubtest.Server, id int64) map[string][]byte {
	srv.Lock()
	defer srv.Unlock()
	out := map[string][]byte{}
	for _, rel := range srv.Releases {
		if rel.ID == id {
			for _, a := range rel.Assets {
				out[a.Name] = a.Data
			}
		}
	}
	return out
}

// TestReleaseAssets: on the release event the SBOM files go to the release
// the payload names: sbom.cdx.json replaces the asset of that name, the
// SPDX file is added, the other asset stays; the bytes are the files'.
func TestReleaseAssets(t *testing.T) {
	srv := githubtest.New(t)
	srv.AddRelease("v1.2.3", map[string]string{"sbom.cdx.json": "old", "tool.tar.gz": "binary"})
	srv.Lock()
	srv.Releases[0].ID = publishedRelease
	srv.Unlock()
	r := releaseRunner(t, srv, "release", "refs/tags/v1.2.3", nil)
	if code := r.run(); code != 0 {
		t.Fatalf("exit %d\n%s", code, r.Log())
	}
	got := assetsOf(srv, publishedRelease)
	names := slices.Sorted(maps.Keys(got))
	if !slices.Equal(names, []string{"sbom.cdx.json", "sbom.spdx.json", "tool.tar.gz"}) {
		t.Fatalf("assets %v", names)
	}
	for _, name := range []string{"sbom.cdx.json", "sbom.spdx.json"} {
		want, err := os.ReadFile(filepath.Join(r.Env["INPUT_OUTPUT-DIR"], name))
		if err != nil {
			t.Fatal(err)
		}
		if string(got[name]) != string(want) {
			t.Errorf("asset %s is not the file written", name)
		}
	}
	if string(got["tool.tar.gz"]) != "binary" {
		t.Errorf("another asset changed")
	}
	if n := len(srv.Calls("repos/delete-release-asset")); n != 1 {
		t.Errorf("%d deletes, want the old sbom.cdx.json's", n)
	}
	if s := r.File(t, "GITHUB_STEP_SUMMARY"); !strings.Contains(s, "### Release assets\n\nAttached to the release of `v1.2.3`:\n\n- `sbom.cdx.json`\n- `sbom.spdx.json`\n") {
		t.Errorf("summary:\n%s", s)
	}
	checkMasked(t, srv.Token, []string{r.Log(), r.File(t, "GITHUB_STEP_SUMMARY"), readAll(t, r.Env["INPUT_OUTPUT-DIR"]), r.File(t, "GITHUB_OUTPUT")})
}

// TestReleaseAssetsTag: a tag push attaches to the tag's release, under
// the prefix given; a tag without a release fails naming it; a branch
// push attaches nothing and says so; a read-only token names
// contents: write.
func TestReleaseAssetsTag(t *testing.T) {
	t.Run("tag", func(t *testing.T) {
		srv := githubtest.New(t)
		id := srv.AddRelease("v2.0.0", nil)
		r := releaseRunner(t, srv, "push", "refs/tags/v2.0.0", map[string]string{"release-asset-prefix": "x86_64-linux-", "format": "cyclonedx-json"})
		if code := r.run(); code != 0 {
			t.Fatalf("exit %d\n%s", code, r.Log())
		}
		if got := assetsOf(srv, id); len(got) != 1 || got["x86_64-linux-sbom.cdx.json"] == nil {
			t.Errorf("assets %v", got)
		}
	})
	t.Run("no release", func(t *testing.T) {
		srv := githubtest.New(t)
		r := releaseRunner(t, srv, "push", "refs/tags/v3.0.0", nil)
		if code := r.run(); code != 1 || !strings.Contains(r.Stdout.String(), `tag "v3.0.0" has no published release`) {
			t.Errorf("exit %d, want 1 naming the tag\n%s", code, r.Log())
		}
		if _, err := os.Stat(filepath.Join(r.Env["INPUT_OUTPUT-DIR"], "sbom.cdx.json")); err != nil {
			t.Errorf("the SBOM was not kept: %v", err)
		}
	})
	t.Run("branch", func(t *testing.T) {
		srv := githubtest.New(t)
		r := releaseRunner(t, srv, "push", "refs/heads/main", nil)
		if code := r.run(); code != 0 || !strings.Contains(r.Stdout.String(), "::notice::release-assets: true, but this push event on refs/heads/main is neither") {
			t.Errorf("exit %d, want 0 and a notice\n%s", code, r.Log())
		}
		if n := len(srv.Calls("")); n != 0 {
			t.Errorf("%d requests", n)
		}
	})
	t.Run("read-only", func(t *testing.T) {
		srv := githubtest.New(t)
		srv.AddRelease("v2.0.0", nil)
		srv.ReadOnly = true
		r := releaseRunner(t, srv, "push", "refs/tags/v2.0.0", nil)
		if code := r.run(); code != 1 || !strings.Contains(r.Stdout.String(), "`contents: write`") {
			t.Errorf("exit %d, want 1 naming contents: write\n%s", code, r.Log())
		}
	})
	t.Run("bad input", func(t *testing.T) {
		srv := githubtest.New(t)
		for input, want := range map[string]string{
			"release-asset-prefix": `input "release-asset-prefix": "a/b" holds a slash`,
			"github-token":         `input "github-token": is empty, and release-assets: true`,
		} {
			value := map[string]string{"release-asset-prefix": "a/b", "github-token": action.GitHubTokenDefault}[input]
			r := snapshotRunner(t, srv, map[string]string{"target": "./no-such#x", "release-assets": "true", "dependency-snapshot": "false", input: value})
			r.Env["GITHUB_REF"] = "refs/tags/v1.0.0"
			if code := r.run(); code != 1 || !strings.Contains(r.Stdout.String(), want) {
				t.Errorf("exit %d, want 1 and %q\n%s", code, want, r.Log())
			}
		}
		if n := len(srv.Calls("")); n != 0 {
			t.Errorf("%d requests", n)
		}
	})
}
