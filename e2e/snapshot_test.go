package e2e_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/githubtest"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// TestActSBOMSnapshot runs `uses: ./sbom` with dependency-snapshot: true in
// a matrix of two jobs under act, against the fake GitHub API: the
// action's defaults (${{ github.token }}, ${{ toJSON(matrix) }}) reach the
// binary, each job submits a snapshot that passes GitHub's description,
// the two correlators differ by the matrix value, the Go modules of the
// fixture's gohello are there, and the token is never printed.
func TestActSBOMSnapshot(t *testing.T) {
	act := tool(t, "act")
	testenv.LookPath(t, "nix")
	testenv.LookPath(t, "git")
	testenv.LookPath(t, "go")
	fx := newFixture(t)
	srv := githubtest.New(t)
	outDir := filepath.Join(t.TempDir(), "sbom-out")
	inputs := map[string]string{"target": fx.storePath, "nix-store": fx.store, "output-dir": outDir}
	r := fx.act(t, act, "e2e/testdata/workflows/sbom-snapshot.yml", inputs,
		"-s", "GITHUB_TOKEN="+srv.Token, "--env", "GITHUB_API_URL="+srv.URL, "--env", "GITHUB_REPOSITORY="+srv.Owner+"/"+srv.Name)
	if got := r.jobResult(); got != "success" {
		t.Fatalf("job result %q; act log:\n%s", got, r.text)
	}
	calls := srv.Calls("dependency-graph/create-repository-snapshot")
	if len(calls) != 2 {
		t.Fatalf("%d snapshots submitted, want one per matrix job; act log:\n%s", len(calls), r.text)
	}
	correlators := map[string]bool{}
	for _, c := range calls {
		var s struct {
			Job       struct{ Correlator string }
			Manifests map[string]struct {
				Resolved map[string]struct {
					Relationship string `json:"relationship"`
				}
			}
		}
		if err := json.Unmarshal(c.Body, &s); err != nil {
			t.Fatal(err)
		}
		correlators[s.Job.Correlator] = true
		m, ok := s.Manifests[fx.storePath]
		if !ok {
			t.Fatalf("no manifest %s: %s", fx.storePath, c.Body)
		}
		for _, purl := range []string{"pkg:golang/golang.org/x/text@v0.43.0", "pkg:pypi/requests@2.31.0", "pkg:npm/ms@2.1.3"} {
			if _, ok := m.Resolved[purl]; !ok {
				t.Errorf("%s is not in the snapshot", purl)
			}
		}
	}
	for _, want := range []string{"e2e-sbom-snapshot sbom nix=2.26", "e2e-sbom-snapshot sbom nix=2.34"} {
		if !correlators[want] {
			t.Errorf("correlators %v, want %q among them", correlators, want)
		}
	}
	for _, l := range strings.Split(r.text, "\n") {
		if strings.Contains(l, srv.Token) && !strings.HasPrefix(strings.TrimSpace(l), "::add-mask::") {
			t.Errorf("the token is printed: %q", l)
		}
	}
}
