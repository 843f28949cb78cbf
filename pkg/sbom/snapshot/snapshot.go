// Package snapshot turns a BOM into a submission to GitHub's dependency
// graph (githubapi.Snapshot): the target becomes one manifest, each
// component with a purl one resolved package, so that the packages found
// embedded in store paths (Go modules, crates, Python and npm packages,
// Java archives) reach Dependabot's advisory matching.
//
// The conversion is pure: the run (commit, ref, correlator) is given by
// the caller, the scan time is the BOM's own timestamp, so one BOM and one
// run always give the same snapshot.
package snapshot

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/voidnxsec/nixops-actions/pkg/githubapi"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
)

// Run is the CI job the snapshot belongs to, as the runner describes it.
type Run struct {
	// Correlator groups the job's snapshots over time
	// (githubapi.Correlator: workflow, job and matrix values).
	Correlator string
	ID         string // the run id
	HTMLURL    string // the run's page, optional
	SHA        string // the commit the BOM was made for
	Ref        string // refs/heads/main, refs/pull/1/merge
	// DetectorURL is the home of the tool that made the BOM; its name
	// and version come from the BOM.
	DetectorURL string
}

// ErrNoRun is returned for a run without the commit, ref, correlator or
// id that GitHub requires: the runner sets them in every job, so it means
// the conversion runs outside one.
var ErrNoRun = errors.New("the run lacks what GitHub requires of a snapshot")

// RunError names the field of Run that GitHub would refuse.
type RunError struct {
	Field string // SHA, Ref, Correlator, ID, DetectorURL
	Value string
	Why   string
}

func (e *RunError) Error() string {
	return fmt.Sprintf("%s %q %s", e.Field, e.Value, e.Why)
}

// Is makes errors.Is(err, ErrNoRun) true.
func (e *RunError) Is(target error) bool { return target == ErrNoRun }

// FromBOM converts b for run. Components without a purl (a source tarball
// without a name) are left out, but the packages below them keep their
// place in the graph: a dependency list reaches through them.
func FromBOM(b *sbom.BOM, run Run) (githubapi.Snapshot, error) {
	if err := run.Validate(); err != nil {
		return githubapi.Snapshot{}, err
	}
	name := manifestName(b)
	m := githubapi.Manifest{Name: name, Resolved: resolved(b)}
	if loc := sourceLocation(b.Target); loc != "" {
		m.File = &githubapi.ManifestFile{SourceLocation: loc}
	}
	return githubapi.Snapshot{
		Version:   0,
		Job:       githubapi.SnapshotJob{Correlator: run.Correlator, ID: run.ID, HTMLURL: run.HTMLURL},
		SHA:       run.SHA,
		Ref:       run.Ref,
		Detector:  githubapi.Detector{Name: b.ToolName, Version: b.ToolVersion, URL: run.DetectorURL},
		Manifests: map[string]githubapi.Manifest{name: m},
		Scanned:   b.Timestamp.UTC(),
	}, nil
}

// Validate applies the rules of GitHub's "snapshot" schema to the run, so
// a missing field is reported in our words rather than as GitHub's 422,
// and before the BOM is made.
func (r Run) Validate() error {
	switch {
	case len(r.SHA) < 40 || len(r.SHA) > 64 || strings.Trim(strings.ToLower(r.SHA), "0123456789abcdef") != "":
		return &RunError{"SHA", r.SHA, "is not a commit id (40 or 64 hex digits)"}
	case !strings.HasPrefix(r.Ref, "refs/"):
		return &RunError{"Ref", r.Ref, "is not a full ref (refs/heads/..., refs/tags/..., refs/pull/...)"}
	case r.Correlator == "":
		return &RunError{"Correlator", r.Correlator, "is empty"}
	case r.ID == "":
		return &RunError{"ID", r.ID, "is empty"}
	case r.DetectorURL == "":
		return &RunError{"DetectorURL", r.DetectorURL, "is empty"}
	}
	return nil
}

// manifestName is the target as the user gave it; a BOM read without one
// is named after its root store paths.
func manifestName(b *sbom.BOM) string {
	if b.Target != "" {
		return b.Target
	}
	return strings.Join(b.Roots, " ")
}

// sourceLocation is the flake.nix of a flake reference inside the
// repository (".#pkg", "./sub#pkg", "."), which GitHub links the manifest
// to. Any other target (a store path, a ./result link, a flake elsewhere)
// lives in no file of the repository.
func sourceLocation(target string) string {
	ref, _, hasAttr := strings.Cut(target, "#")
	ref, _, _ = strings.Cut(strings.TrimPrefix(ref, "path:"), "?")
	switch {
	case ref == "." || ref == "./":
		return "flake.nix"
	case hasAttr && strings.HasPrefix(ref, "./") && !slices.Contains(strings.Split(ref, "/"), ".."):
		return strings.Trim(strings.TrimPrefix(ref, "./"), "/") + "/flake.nix"
	}
	return ""
}

// scope maps Nix's closure scope onto GitHub's: what the built output
// references is runtime, what only building needs is development.
func scope(s sbom.Scope) string {
	switch s {
	case sbom.Runtime, sbom.Both:
		return "runtime"
	case sbom.BuildTime:
		return "development"
	}
	return ""
}

// merge folds another component with the same purl into d: found both
// directly and further down is direct, needed at run time at all is
// runtime.
func merge(d, other githubapi.Dependency) githubapi.Dependency {
	if other.Relationship == "direct" {
		d.Relationship = "direct"
	}
	if other.Scope == "runtime" || d.Scope == "" {
		if other.Scope != "" {
			d.Scope = other.Scope
		}
	}
	d.Dependencies = append(d.Dependencies, other.Dependencies...)
	slices.Sort(d.Dependencies)
	d.Dependencies = slices.Compact(d.Dependencies)
	return d
}
