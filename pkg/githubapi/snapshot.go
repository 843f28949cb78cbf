package githubapi

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Snapshot is a dependency submission (docs: "REST API endpoints for
// dependency submission"): what a job found a commit to depend on, shown
// in the dependency graph and matched against the advisory database.
//
// go-github v60 has no type or method for this endpoint (it only reads the
// repository's SBOM), so these are our own, shaped after the "snapshot"
// schema of GitHub's OpenAPI description, and the request goes through
// the same client with NewRequest and Do.
type Snapshot struct {
	Version   int                 `json:"version"` // 0, the only version so far
	Job       SnapshotJob         `json:"job"`
	SHA       string              `json:"sha"`
	Ref       string              `json:"ref"` // refs/heads/main
	Detector  Detector            `json:"detector"`
	Metadata  map[string]any      `json:"metadata,omitempty"` // at most 8 scalar values
	Manifests map[string]Manifest `json:"manifests,omitempty"`
	Scanned   time.Time           `json:"scanned"`
}

// SnapshotJob names the run that found the dependencies. GitHub keeps the
// latest snapshot per correlator and detector, so jobs that must not
// replace each other's need distinct correlators (see Correlator).
type SnapshotJob struct {
	Correlator string `json:"correlator"`
	ID         string `json:"id"` // the run id
	HTMLURL    string `json:"html_url,omitempty"`
}

// Detector is the tool that found the dependencies.
type Detector struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	URL     string `json:"url"`
}

// Manifest is one group of dependencies, like one build target.
type Manifest struct {
	Name     string                `json:"name"`
	File     *ManifestFile         `json:"file,omitempty"`
	Metadata map[string]any        `json:"metadata,omitempty"`
	Resolved map[string]Dependency `json:"resolved,omitempty"`
}

// ManifestFile is where a manifest lives in the repository.
type ManifestFile struct {
	SourceLocation string `json:"source_location,omitempty"`
}

// Dependency is one resolved package.
type Dependency struct {
	PackageURL   string         `json:"package_url,omitempty"`
	Metadata     map[string]any `json:"metadata,omitempty"`
	Relationship string         `json:"relationship,omitempty"` // direct or indirect
	Scope        string         `json:"scope,omitempty"`        // runtime or development
	Dependencies []string       `json:"dependencies,omitempty"` // package URLs
}

// SnapshotResult is GitHub's answer to a submission.
type SnapshotResult struct {
	ID        int64  `json:"id"`
	CreatedAt string `json:"created_at"`
	// Result is SUCCESS, ACCEPTED (stored, the graph not updated yet) or
	// INVALID.
	Result  string `json:"result"`
	Message string `json:"message"`
}

var snapshotOp = operation{"submit the dependency snapshot", ContentsWrite}

// SubmitSnapshot sends s to the repository's dependency graph.
func (c *Client) SubmitSnapshot(ctx context.Context, repo Repo, s Snapshot) (*SnapshotResult, error) {
	u := fmt.Sprintf("repos/%s/%s/dependency-graph/snapshots", repo.Owner, repo.Name)
	req, err := c.gh.NewRequest("POST", u, &s)
	if err != nil {
		return nil, c.wrap(snapshotOp, err)
	}
	var res SnapshotResult
	if _, err := c.gh.Do(ctx, req, &res); err != nil {
		return nil, c.wrap(snapshotOp, err)
	}
	return &res, nil
}

// Correlator names a job's snapshots so that they replace the same job's
// earlier ones and no other's: the workflow, the job id, and each value of
// its matrix, which the workflow passes as `${{ toJSON(matrix) }}` (empty
// or "null" outside a matrix). Two jobs of one matrix that differ in any
// value get distinct correlators; the keys are sorted, so the order in
// which the workflow lists them does not matter.
func Correlator(workflow, job, matrixJSON string) (string, error) {
	parts := []string{workflow, job}
	var matrix map[string]json.RawMessage
	if m := strings.TrimSpace(matrixJSON); m != "" && m != "null" {
		if err := json.Unmarshal([]byte(m), &matrix); err != nil {
			return "", fmt.Errorf("matrix %q is not the JSON object toJSON(matrix) gives: %w", matrixJSON, err)
		}
	}
	keys := make([]string, 0, len(matrix))
	for k := range matrix {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, k+"="+compactJSON(matrix[k]))
	}
	return strings.Join(parts, " "), nil
}

// compactJSON writes a matrix value the same way however the runner
// spaced it: strings bare, anything else as compact JSON.
func compactJSON(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	out, _ := json.Marshal(v)
	return string(out)
}
