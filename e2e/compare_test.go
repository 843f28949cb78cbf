package e2e_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/githubtest"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// changedFlake copies the e2e flake (with the gohello the fixture built)
// and applies edits, as a pull request's head would, then builds it into
// the fixture's store and returns the store path.
func changedFlake(t *testing.T, fx fixture, edits [][2]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "flake")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(fx.repo, "e2e", "testdata", "flake"))); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "flake.nix")
	text := read(t, file)
	for _, e := range edits {
		if !strings.Contains(text, e[0]) {
			t.Fatalf("the e2e flake no longer holds %q", e[0])
		}
		text = strings.Replace(text, e[0], e[1], 1)
	}
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return nixBuild(t, fx.store, "path:"+dir+"#default")
}

// closureBytes is the NAR size of path's closure, as nix-store tells it.
func closureBytes(t *testing.T, store, path string) int64 {
	t.Helper()
	var n int64
	for _, p := range strings.Fields(run(t, "", "nix-store", "--store", store, "-qR", path)) {
		size, err := strconv.ParseInt(strings.TrimSpace(run(t, "", "nix-store", "--store", store, "-q", "--size", p)), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		n += size
	}
	return n
}

// TestActSBOMCompare runs the sbom action under act on a pull_request
// event (the payload fixture pkg/action's tests validate against GitHub's
// webhook schema): the base closure's SBOM, then the head's with
// compare-to, against the fake GitHub API. Two pushes: the first creates
// one comment on pull request 42 with the diff Nix's two closures give,
// the second edits that same comment. The token is never printed.
func TestActSBOMCompare(t *testing.T) {
	act := tool(t, "act")
	testenv.LookPath(t, "nix")
	testenv.LookPath(t, "git")
	testenv.LookPath(t, "go")
	fx := newFixture(t)
	srv := githubtest.New(t)
	event := filepath.Join(fx.repo, "pkg", "action", "testdata", "events", "pull_request-synchronize.json")
	// The head drops the requests package and moves e2e-lib to 1.1, then
	// (the second push) to 1.2.
	dropRequests := [2]string{"deps = [ lib gohello requests webappSrc ]", "deps = [ lib gohello webappSrc ]"}
	heads := []string{
		changedFlake(t, fx, [][2]string{dropRequests, {`"e2e-lib-1.0"`, `"e2e-lib-1.1"`}}),
		changedFlake(t, fx, [][2]string{dropRequests, {`"e2e-lib-1.0"`, `"e2e-lib-1.2"`}}),
	}
	var bodies []string
	for i, head := range heads {
		out := filepath.Join(t.TempDir(), "sbom-out")
		r := fx.actOn(t, act, "pull_request", "e2e/testdata/workflows/sbom-compare.yml", nil,
			"-e", event, "-s", "GITHUB_TOKEN="+srv.Token, "--env", "GITHUB_API_URL="+srv.URL, "--env", "GITHUB_REPOSITORY="+srv.Owner+"/"+srv.Name,
			"--env", "E2E_BASE_TARGET="+fx.storePath, "--env", "E2E_HEAD_TARGET="+head, "--env", "E2E_NIX_STORE="+fx.store, "--env", "E2E_OUT="+out)
		if got := r.jobResult(); got != "success" {
			t.Fatalf("push %d: job result %q; act log:\n%s", i+1, got, r.text)
		}
		for _, l := range strings.Split(r.text, "\n") {
			if strings.Contains(l, srv.Token) && !strings.HasPrefix(strings.TrimSpace(l), "::add-mask::") {
				t.Errorf("the token is printed: %q", l)
			}
		}
		delta := strconv.FormatInt(closureBytes(t, fx.store, head)-fx.narBytes, 10)
		if o := r.outputs("head"); o["packages-removed"] != "2" || o["packages-changed"] != "1" || o["packages-added"] != "0" || o["closure-bytes-delta"] != delta {
			t.Errorf("push %d: outputs %v, want 2 removed, 1 changed, 0 added, closure-bytes-delta %s", i+1, o, delta)
		}
		srv.Lock()
		var ours []githubtest.Comment
		for _, c := range srv.Comments {
			if c.Issue == 42 && c.Login == srv.Login {
				ours = append(ours, *c)
			}
		}
		srv.Unlock()
		if len(ours) != 1 || ours[0].Edited != i {
			t.Fatalf("push %d: comments %+v, want one, edited %d times; act log:\n%s", i+1, ours, i, r.text)
		}
		bodies = append(bodies, ours[0].Body)
	}
	for i, want := range []string{"`1.1`", "`1.2`"} {
		body := bodies[i]
		for _, w := range []string{
			"<!-- nixops-actions: sbom closure diff e2e-sbom-compare sbom -->\n## Closure diff of `" + heads[i] + "` (runtime closure)\n",
			"| store paths       |       5 |       4 |       -1 |\n",
			"### Removed (2)\n",
			"| `python3.12-requests` | nix  | `2.31.0` | unknown    |",
			"| `requests`            | pypi | `2.31.0` | Apache 2.0 |",
			"### Version changes (1)\n",
			"| `e2e-lib` | nix  | `1.0`  | " + want + " |",
			"1 package at the same version with other store paths",
			"Closure of commit `b21d7d664dc7`",
		} {
			if !strings.Contains(body, w) {
				t.Errorf("push %d: the comment lacks %q:\n%s", i+1, w, body)
			}
		}
	}
	if n := len(srv.Calls("issues/create-comment")); n != 1 {
		t.Errorf("%d comments created, want 1", n)
	}
}
