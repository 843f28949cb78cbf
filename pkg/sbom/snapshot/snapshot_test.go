package snapshot_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/githubtest"
	"github.com/voidnxsec/nixops-actions/pkg/githubapi"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
	"github.com/voidnxsec/nixops-actions/pkg/sbom/sbomtest"
	"github.com/voidnxsec/nixops-actions/pkg/sbom/snapshot"
)

func fixture(t *testing.T, name string) *sbom.BOM {
	return sbomtest.Load(t, filepath.Join("..", "testdata", name+".json"))
}

var run = snapshot.Run{
	Correlator:  "CI sbom nix=2.26",
	ID:          "4242",
	HTMLURL:     "https://github.com/octo-org/hello-world/actions/runs/4242",
	SHA:         "0123456789abcdef0123456789abcdef01234567",
	Ref:         "refs/heads/main",
	DetectorURL: "https://github.com/voidnxsec/nixops-actions",
}

func convert(t *testing.T, b *sbom.BOM) (githubapi.Snapshot, map[string]githubapi.Dependency) {
	t.Helper()
	s, err := snapshot.FromBOM(b, run)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Manifests) != 1 {
		t.Fatalf("%d manifests, want one for the target", len(s.Manifests))
	}
	m, ok := s.Manifests[b.Target]
	if !ok || m.Name != b.Target {
		t.Fatalf("manifests %v, want one named %q", s.Manifests, b.Target)
	}
	for k, d := range m.Resolved {
		if k != d.PackageURL {
			t.Errorf("resolved key %q holds purl %q", k, d.PackageURL)
		}
	}
	return s, m.Resolved
}

func check(t *testing.T, got map[string]githubapi.Dependency, want map[string]githubapi.Dependency) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s missing", k)
			continue
		}
		if g.Relationship != w.Relationship || g.Scope != w.Scope || !slices.Equal(g.Dependencies, w.Dependencies) {
			t.Errorf("%s = %s/%s %v, want %s/%s %v", k, g.Relationship, g.Scope, g.Dependencies, w.Relationship, w.Scope, w.Dependencies)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected %s", k)
		}
	}
}

func dep(rel, scope string, deps ...string) githubapi.Dependency {
	return githubapi.Dependency{Relationship: rel, Scope: scope, Dependencies: deps}
}

// TestRunFields: the run and the BOM's own data end up where GitHub reads
// them, the scan time in UTC.
func TestRunFields(t *testing.T) {
	b := fixture(t, "runtime-deps")
	s, _ := convert(t, b)
	if s.SHA != run.SHA || s.Ref != run.Ref || s.Job.Correlator != run.Correlator || s.Job.ID != run.ID || s.Job.HTMLURL != run.HTMLURL {
		t.Errorf("run fields %+v %s %s", s.Job, s.SHA, s.Ref)
	}
	if s.Detector != (githubapi.Detector{Name: "nixops-sbom", Version: "0.1.0", URL: run.DetectorURL}) {
		t.Errorf("detector %+v", s.Detector)
	}
	if want := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC); !s.Scanned.Equal(want) || s.Scanned.Location() != time.UTC {
		t.Errorf("scanned %v, want %v", s.Scanned, want)
	}
}

// TestRuntimeClosure: the target and what it references are direct, what
// those reference indirect; the self-reference of hello is dropped.
func TestRuntimeClosure(t *testing.T) {
	_, got := convert(t, fixture(t, "runtime-deps"))
	check(t, got, map[string]githubapi.Dependency{
		"pkg:nix/hello@2.12.1":  dep("direct", "runtime", "pkg:nix/glibc@2.39-52"),
		"pkg:nix/glibc@2.39-52": dep("direct", "runtime", "pkg:nix/libidn2@2.3.7"),
		"pkg:nix/libidn2@2.3.7": dep("indirect", "runtime"),
	})
}

// TestBuildScope: build-only inputs are development, a path needed both
// ways runtime; components without a purl are not listed.
func TestBuildScope(t *testing.T) {
	_, got := convert(t, fixture(t, "build-only"))
	check(t, got, map[string]githubapi.Dependency{
		"pkg:nix/gcc@13.2.0":  dep("direct", "development", "pkg:nix/bash@5.2p26"),
		"pkg:nix/bash@5.2p26": dep("direct", "runtime"),
	})
}

// TestLookThrough: a component without a purl does not cut what is below
// it off the graph.
func TestLookThrough(t *testing.T) {
	b := fixture(t, "multi-output")
	for i := range b.Components {
		if b.Components[i].PURL == "pkg:nix/curl@8.7.1" {
			b.Components[i].PURL = ""
		}
	}
	_, got := convert(t, b)
	check(t, got, map[string]githubapi.Dependency{
		"pkg:nix/curl@8.7.1?output=bin":     dep("direct", "runtime", "pkg:nix/openssl@3.0.13", "pkg:nix/openssl@3.0.13?output=dev"),
		"pkg:nix/openssl@3.0.13":            dep("indirect", "runtime"),
		"pkg:nix/openssl@3.0.13?output=dev": dep("indirect", "development"),
	})
}

// TestEmbedded: packages found inside store paths, hung there as nixops-sbom
// does (AddEmbedded), are direct when inside the target's own store path,
// indirect further down, keep the scope of their store path, and are
// listed as dependencies of it. One module in two store paths is one
// entry, direct if either is.
func TestEmbedded(t *testing.T) {
	b := fixture(t, "runtime-deps")
	hello, libidn2 := "/nix/store/5h2lcmb0bvgqkzfrqg4qcvqdkzbjd4ya-hello-2.12.1", "/nix/store/mkx1p8vbd2q3lfh0xqc8kzmgz6x3wddf-libidn2-2.3.7"
	emb := func(parent, purl string) sbom.Component {
		return sbom.Component{Ref: filepath.Base(parent) + "#" + purl, Type: "library", Name: purl, PURL: purl, Embedded: true, Parent: filepath.Base(parent)}
	}
	const text, cbor, left = "pkg:golang/golang.org/x/text@v0.43.0", "pkg:cargo/serde_cbor@0.11.2", "pkg:npm/%40types/node@20.11.30"
	err := b.AddEmbedded(map[string][]sbom.Component{
		hello:   {emb(hello, text), emb(hello, left)},
		libidn2: {emb(libidn2, text), emb(libidn2, cbor)},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, got := convert(t, b)
	check(t, got, map[string]githubapi.Dependency{
		"pkg:nix/hello@2.12.1":  dep("direct", "runtime", text, "pkg:nix/glibc@2.39-52", left),
		"pkg:nix/glibc@2.39-52": dep("direct", "runtime", "pkg:nix/libidn2@2.3.7"),
		"pkg:nix/libidn2@2.3.7": dep("indirect", "runtime", cbor, text),
		text:                    dep("direct", "runtime"),
		left:                    dep("direct", "runtime"),
		cbor:                    dep("indirect", "runtime"),
	})
}

// TestSourceLocation: only a flake inside the repository names a file.
func TestSourceLocation(t *testing.T) {
	for target, want := range map[string]string{
		".#default":      "flake.nix",
		".":              "flake.nix",
		"path:.#hello":   "flake.nix",
		"./tools#lint":   "tools/flake.nix",
		"./tools/#lint":  "tools/flake.nix",
		"./result":       "",
		"../other#x":     "",
		"./a/../../b#x":  "",
		"nixpkgs#hello":  "",
		"/nix/store/x-y": "",
		"github:o/r#pkg": "",
	} {
		b := fixture(t, "minimal")
		b.Target = target
		s, err := snapshot.FromBOM(b, run)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		if f := s.Manifests[target].File; f != nil {
			got = f.SourceLocation
		}
		if got != want {
			t.Errorf("%q: source location %q, want %q", target, got, want)
		}
	}
}

// TestNoTarget: a BOM without its target is named after its roots.
func TestNoTarget(t *testing.T) {
	b := fixture(t, "minimal")
	s, err := snapshot.FromBOM(b, run)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Manifests["4a5s6d7f8g9h0j1k2l3z4x5c6v7b8n9m-minimal"]; !ok {
		t.Errorf("manifests %v", s.Manifests)
	}
}

// TestBadRun: what GitHub would refuse is refused first, naming the field.
func TestBadRun(t *testing.T) {
	b := fixture(t, "runtime-deps")
	for field, mod := range map[string]func(*snapshot.Run){
		"SHA":         func(r *snapshot.Run) { r.SHA = "" },
		"Ref":         func(r *snapshot.Run) { r.Ref = "main" },
		"Correlator":  func(r *snapshot.Run) { r.Correlator = "" },
		"ID":          func(r *snapshot.Run) { r.ID = "" },
		"DetectorURL": func(r *snapshot.Run) { r.DetectorURL = "" },
	} {
		r := run
		mod(&r)
		_, err := snapshot.FromBOM(b, r)
		var re *snapshot.RunError
		if !errors.Is(err, snapshot.ErrNoRun) || !errors.As(err, &re) || re.Field != field {
			t.Errorf("%s: error %v", field, err)
		}
	}
	r := run
	r.SHA = "g123456789abcdef0123456789abcdef01234567"
	if _, err := snapshot.FromBOM(b, r); !errors.Is(err, snapshot.ErrNoRun) {
		t.Errorf("a SHA with a g: %v", err)
	}
}

// TestFixturesAccepted submits the snapshot of every BOM fixture to the
// fake API, which checks each body against GitHub's description.
func TestFixturesAccepted(t *testing.T) {
	srv := githubtest.New(t)
	c, err := githubapi.New(githubapi.Options{APIURL: srv.URL, Token: srv.Token})
	if err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob(filepath.Join("..", "testdata", "*.json"))
	if len(names) < 5 {
		t.Fatalf("fixtures %v", names)
	}
	for _, name := range names {
		b := sbomtest.Load(t, name)
		s, err := snapshot.FromBOM(b, run)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.SubmitSnapshot(context.Background(), githubapi.Repo{Owner: srv.Owner, Name: srv.Name}, s); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if got := len(srv.Calls("dependency-graph/create-repository-snapshot")); got != len(names) {
		t.Errorf("%d submissions, want %d", got, len(names))
	}
}
