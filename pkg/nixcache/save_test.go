package nixcache_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/nix/binarycache"
	"github.com/voidnxsec/nixops-actions/pkg/nix/store"
	"github.com/voidnxsec/nixops-actions/pkg/nixcache"
)

// fixture is testdata/flake built into a store of its own.
type fixture struct {
	uri             string
	app, lib, other string
	st              *store.Store
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	testenv.LookPath(t, "nix")
	dir := t.TempDir()
	f := &fixture{uri: "local?store=" + dir + "/store&state=" + dir + "/var&log=" + dir + "/log"}
	flake := filepath.Join(dir, "flake")
	if err := os.CopyFS(flake, os.DirFS("testdata/flake")); err != nil {
		t.Fatal(err)
	}
	// --json, not --print-out-paths: Nix 2.8 has only the first.
	out := f.nix(t, "build", "--no-link", "--json", "path:"+flake+"#app", "path:"+flake+"#other", "path:"+flake+"#lib")
	var built []struct{ Outputs struct{ Out string } }
	if err := json.Unmarshal([]byte(out), &built); err != nil || len(built) != 3 {
		t.Fatalf("nix build printed %q, want three paths (%v)", out, err)
	}
	byName := map[string]string{}
	for _, b := range built { // in no particular order
		byName[strings.SplitN(b.Outputs.Out, "-", 4)[3]] = b.Outputs.Out
	}
	f.app, f.other, f.lib = byName["app-1.0"], byName["other-1.0"], byName["lib-1.0"]
	f.st = store.New(store.WithStore(f.uri))
	return f
}

// nix runs nix on the fixture's store, offline, and returns its stdout.
func (f *fixture) nix(t *testing.T, args ...string) string {
	t.Helper()
	full := append([]string{"--extra-experimental-features", "nix-command flakes", "--store", f.uri,
		"--option", "sandbox", "false", "--option", "substituters", ""}, args...)
	out, err := exec.Command("nix", full...).Output()
	if err != nil {
		t.Fatalf("nix %s: %v\n%s", strings.Join(args, " "), err, stderrOf(err))
	}
	return string(out)
}

// save saves the closures of roots into dir with no upstream.
func (f *fixture) save(t *testing.T, dir string, roots ...string) *nixcache.Saved {
	t.Helper()
	s, err := nixcache.Save(context.Background(), f.st, nixcache.SaveOptions{Dir: dir, Roots: roots})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func stderrOf(err error) []byte {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.Stderr
	}
	return nil
}

func storePaths(entries []binarycache.Entry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.StorePath)
	}
	return out
}

// TestRoundTrip: save app's closure, delete it from the store, realise it
// from the cache alone, and save again with nothing new.
func TestRoundTrip(t *testing.T) {
	f := newFixture(t)
	dir := filepath.Join(t.TempDir(), "cache")
	s := f.save(t, dir, f.app)
	want := []string{f.app, f.lib}
	slices.Sort(want)
	if got := storePaths(s.After); !slices.Equal(got, want) || !s.Changed || s.Added != 2 || s.Removed != 0 || s.Closure != 2 {
		t.Fatalf("first save: %+v, want app and lib added", s)
	}
	f.nix(t, "store", "delete", f.app, f.lib)
	if out := f.nix(t, "path-info", "--json", f.app); !strings.Contains(out, `"valid":false`) && strings.Contains(out, f.app) {
		t.Fatalf("%s is still valid after the delete: %s", f.app, out)
	}
	sub := nixcache.CacheURL(dir, f.st.StoreDir(), url.Values{"trusted": {"1"}})
	if _, err := exec.Command("nix", "--extra-experimental-features", "nix-command", "--store", f.uri,
		"build", "--no-link", "--option", "substituters", sub, "--option", "max-jobs", "0", f.app).Output(); err != nil {
		t.Fatalf("realising %s from the cache with building forbidden: %v\n%s", f.app, err, stderrOf(err))
	}
	again := f.save(t, dir, f.app)
	if again.Changed || again.Added != 0 || again.Fingerprint != s.Fingerprint {
		t.Errorf("second save with nothing new: %+v, want unchanged", again)
	}
}

// TestPrune: the cache keeps exactly the roots' closures; a path no root
// needs any more and a stray NAR go.
func TestPrune(t *testing.T) {
	f := newFixture(t)
	dir := filepath.Join(t.TempDir(), "cache")
	f.save(t, dir, f.app, f.other)
	stray := filepath.Join(dir, "nar", "0000000000000000000000000000000000000000000000000000.nar.zst")
	if err := os.WriteFile(stray, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := f.save(t, dir, f.other)
	if got := storePaths(s.After); !slices.Equal(got, []string{f.other}) || s.Removed != 2 || !s.Changed {
		t.Errorf("after saving other alone: %+v, want only %s", s, f.other)
	}
	nars, _ := filepath.Glob(filepath.Join(dir, "nar", "*"))
	if len(nars) != 1 || nars[0] != filepath.Join(dir, s.After[0].NAR) {
		t.Errorf("NARs left: %v, want only %s", nars, s.After[0].NAR)
	}
}

// TestServedUpstream: what an upstream cache already holds is left out,
// asked over HTTP as Nix asks, and from a file:// cache.
func TestServedUpstream(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	upstream := filepath.Join(t.TempDir(), "upstream")
	f.save(t, upstream, f.lib)
	var heads []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		heads = append(heads, r.Method+" "+r.URL.Path)
		http.FileServer(http.Dir(upstream)).ServeHTTP(w, r)
	}))
	defer srv.Close()
	for _, up := range []string{srv.URL, nixcache.CacheURL(upstream, f.st.StoreDir(), nil)} {
		dir := filepath.Join(t.TempDir(), "cache")
		s, err := nixcache.Save(ctx, f.st, nixcache.SaveOptions{Dir: dir, Roots: []string{f.app},
			Upstreams: []string{up, "s3://bucket"}, Client: srv.Client(), Workers: 4})
		if err != nil {
			t.Fatal(err)
		}
		if got := storePaths(s.After); !slices.Equal(got, []string{f.app}) || s.Served != 1 || len(s.NotAsked) != 1 {
			t.Errorf("%s: %+v, want app only, lib served, s3 not asked", up, s)
		}
		// The two caches together give the whole closure back.
		f.nix(t, "store", "delete", f.app, f.lib)
		subs := nixcache.CacheURL(dir, f.st.StoreDir(), url.Values{"trusted": {"1"}}) + " " +
			nixcache.CacheURL(upstream, f.st.StoreDir(), url.Values{"trusted": {"1"}})
		f.nix(t, "build", "--no-link", "--option", "substituters", subs, "--option", "max-jobs", "0", f.app)
	}
	if len(heads) != 2 || !strings.HasPrefix(heads[0], "HEAD /") || !strings.HasSuffix(heads[0], ".narinfo") {
		t.Errorf("requests to the HTTP upstream: %v, want two HEADs of narinfos", heads)
	}
}

// TestUpstreamDown: an upstream that fails is reported and leaves out
// nothing.
func TestUpstreamDown(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "cache")
	s, err := nixcache.Save(context.Background(), f.st, nixcache.SaveOptions{Dir: dir, Roots: []string{f.app},
		Upstreams: []string{srv.URL}, Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.After) != 2 || len(s.NotAsked) != 1 || !strings.Contains(s.NotAsked[0].Error(), "500") {
		t.Errorf("%+v, want both paths kept and the upstream reported", s)
	}
}

// TestBrokenEntry: a narinfo whose NAR is gone (a placeholder left by a
// failed save) is dropped and its path copied again.
func TestBrokenEntry(t *testing.T) {
	f := newFixture(t)
	dir := filepath.Join(t.TempDir(), "cache")
	s := f.save(t, dir, f.app)
	for _, e := range s.After {
		if e.StorePath == f.lib {
			os.Remove(filepath.Join(dir, e.NAR))
		}
	}
	again := f.save(t, dir, f.app)
	if len(again.Before) != 1 || again.Added != 1 || len(again.After) != 2 {
		t.Fatalf("%+v, want lib dropped and copied again", again)
	}
	for _, e := range again.After {
		if _, err := os.Stat(filepath.Join(dir, e.NAR)); err != nil {
			t.Errorf("%s: %v", e.StorePath, err)
		}
	}
}
