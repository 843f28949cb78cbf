package githubapi_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/githubtest"
	"github.com/voidnxsec/nixops-actions/pkg/githubapi"
)

// TestSnapshotMatrix submits the snapshots of two jobs of one matrix: both
// bodies pass GitHub's description, and their correlators differ, so
// neither replaces the other in the dependency graph. The correlator does
// not depend on the order in which the runner lists the matrix keys.
func TestSnapshotMatrix(t *testing.T) {
	srv := githubtest.New(t)
	c, _ := newClient(t, srv)
	matrices := []string{`{"os": "ubuntu-latest", "nix": "2.26"}`, `{"os":"ubuntu-latest","nix":"2.34"}`}
	var correlators []string
	for i, m := range matrices {
		corr, err := githubapi.Correlator("CI", "sbom", m)
		if err != nil {
			t.Fatal(err)
		}
		correlators = append(correlators, corr)
		s := snapshot(corr, "1234567"+string(rune('0'+i)))
		res, err := c.SubmitSnapshot(context.Background(), repoOf(srv), s)
		if err != nil {
			t.Fatal(err)
		}
		if res.Result != "SUCCESS" || res.ID == 0 {
			t.Errorf("result %+v", res)
		}
	}
	if correlators[0] == correlators[1] {
		t.Fatalf("two matrix jobs share the correlator %q", correlators[0])
	}
	if again, _ := githubapi.Correlator("CI", "sbom", `{"nix":"2.26","os":"ubuntu-latest"}`); again != correlators[0] {
		t.Errorf("the key order changed the correlator: %q, then %q", correlators[0], again)
	}
	srv.Lock()
	defer srv.Unlock()
	if len(srv.Snapshots) != 2 {
		t.Fatalf("%d snapshots", len(srv.Snapshots))
	}
	for i, raw := range srv.Snapshots {
		var got struct {
			Job     struct{ Correlator string }
			Scanned time.Time
		}
		json.Unmarshal(raw, &got)
		if got.Job.Correlator != correlators[i] || !got.Scanned.Equal(epoch) {
			t.Errorf("snapshot %d sent %+v", i, got)
		}
	}
}

func TestCorrelatorOutsideMatrix(t *testing.T) {
	for _, m := range []string{"", "null", " null\n"} {
		got, err := githubapi.Correlator("CI", "sbom", m)
		if err != nil || got != "CI sbom" {
			t.Errorf("Correlator(%q) = %q, %v", m, got, err)
		}
	}
	if _, err := githubapi.Correlator("CI", "sbom", "[1]"); err == nil {
		t.Error("a matrix that is not an object is accepted")
	}
}

// snapshot is what nixops-sbom would submit for a flake with one Go
// module inside.
func snapshot(correlator, runID string) githubapi.Snapshot {
	return githubapi.Snapshot{
		Job: githubapi.SnapshotJob{Correlator: correlator, ID: runID, HTMLURL: "https://github.com/octo-org/hello-world/actions/runs/" + runID},
		SHA: headSHA, Ref: "refs/heads/main",
		Detector: githubapi.Detector{Name: "nixops-sbom", Version: "0.1.0", URL: "https://github.com/voidnxsec/nixops-actions"},
		Scanned:  epoch,
		Manifests: map[string]githubapi.Manifest{
			".#default": {Name: ".#default", File: &githubapi.ManifestFile{SourceLocation: "flake.nix"},
				Resolved: map[string]githubapi.Dependency{
					"golang.org/x/net": {PackageURL: "pkg:golang/golang.org/x/net@v0.20.0", Relationship: "indirect", Scope: "runtime"},
					"hello":            {PackageURL: "pkg:nix/hello@2.12.1", Relationship: "direct", Scope: "runtime", Dependencies: []string{"pkg:golang/golang.org/x/net@v0.20.0"}},
				}},
		},
	}
}
