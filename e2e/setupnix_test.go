package e2e_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// TestActSetupNix runs `uses: ./setup-nix` under act on this machine's
// real Nix: it adopts it, and the next step's nix sees the job's setting.
func TestActSetupNix(t *testing.T) {
	act := tool(t, "act")
	testenv.LookPath(t, "nix")
	testenv.LookPath(t, "git")
	testenv.LookPath(t, "go")
	base := t.TempDir()
	fx := checkoutFixture(t, base, true)

	r := fx.act(t, act, "e2e/testdata/workflows/setup-nix.yml", map[string]string{"extra-conf": "keep-going = true"})
	if got := r.jobResult(); got != "success" {
		t.Fatalf("job result %q; act log:\n%s", got, r.text)
	}
	if !strings.Contains(r.text, "bootstrap: built nixops-setup-nix from source") {
		t.Errorf("bootstrap did not build nixops-setup-nix from source:\n%s", r.text)
	}
	if !strings.Contains(r.text, "settings-checked mode=adopted") {
		t.Errorf("the next step did not see the adopted Nix with keep-going = true:\n%s", r.text)
	}
	if outs := r.outputs("nix"); outs["mode"] != "adopted" || outs["store-dir"] != "/nix/store" {
		t.Errorf("the action's outputs: %v", outs)
	}

	r = fx.act(t, act, "e2e/testdata/workflows/setup-nix.yml", map[string]string{"extra-conf": "keep-going true"})
	if got := r.jobResult(); got != "failure" {
		t.Fatalf("a bad extra-conf line: job result %q; act log:\n%s", got, r.text)
	}
}

// actionsCacheSHA is the actions/cache commit setup-nix pins (v5.0.5); act
// maps it to the stand-in, since it cannot reach GitHub's cache service.
const actionsCacheSHA = "27d5ce7f107fe9357f9df03efb73ab90386fccae"

// TestActSetupNixCache runs setup-nix with cache: true, a build and
// setup-nix/save under act, twice: the first run builds and saves; after
// the paths are deleted from the store, the second, with building
// forbidden, gets them from the restored cache and saves nothing.
func TestActSetupNixCache(t *testing.T) {
	act := tool(t, "act")
	testenv.LookPath(t, "nix")
	testenv.LookPath(t, "git")
	testenv.LookPath(t, "go")
	base := t.TempDir()
	fx := checkoutFixture(t, base, true)
	fx.githubCache = filepath.Join(base, "github-cache")
	const workflow = "e2e/testdata/workflows/setup-nix-cache.yml"

	r := fx.act(t, act, workflow, map[string]string{"max-jobs": "auto"})
	if got := r.jobResult(); got != "success" {
		t.Fatalf("first run: job result %q; act log:\n%s", got, r.text)
	}
	first := r.outputs("save")
	saved, _ := filepath.Glob(filepath.Join(fx.githubCache, "nixops-nix-*"))
	if first["changed"] != "true" || first["paths"] != "2" || len(saved) != 1 || filepath.Base(saved[0]) != first["key"] {
		t.Fatalf("first run: save outputs %v, Nix cache entries %v; want one entry of 2 paths under the key", first, saved)
	}
	narinfos, _ := filepath.Glob(filepath.Join(saved[0], "*.narinfo"))
	var paths []string
	for _, n := range narinfos {
		for _, l := range strings.Split(read(t, n), "\n") {
			if p, ok := strings.CutPrefix(l, "StorePath: "); ok {
				paths = append(paths, p)
			}
		}
	}
	if len(paths) != 2 {
		t.Fatalf("the saved entry holds %v, want app and lib", paths)
	}
	// The first run's result link is still a GC root; the test ignores it.
	run(t, "", "nix-store", append([]string{"--delete", "--ignore-liveness"}, paths...)...)

	r = fx.act(t, act, workflow, map[string]string{"max-jobs": "0"})
	if got := r.jobResult(); got != "success" {
		t.Fatalf("second run, building forbidden: job result %q; act log:\n%s", got, r.text)
	}
	if !strings.Contains(r.text, "Cache restored from key: "+first["key"]) {
		t.Errorf("the second run did not restore %s:\n%s", first["key"], r.text)
	}
	if second := r.outputs("save"); second["changed"] != "false" || second["key"] != first["key"] {
		t.Errorf("second run: save outputs %v, want unchanged under %s", second, first["key"])
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was not substituted back: %v", p, err)
		}
	}
}

// checkoutFixture is a copy of this checkout at base/repo, committed as
// one snapshot unless it is left to the caller (commit false), with an
// empty HOME and action cache for act.
func checkoutFixture(t testing.TB, base string, commit bool) fixture {
	t.Helper()
	fx := fixture{repo: filepath.Join(base, "repo"), actHome: filepath.Join(base, "home"), actCache: filepath.Join(base, "act-cache")}
	for _, d := range []string{fx.repo, fx.actHome} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copySources(t, repoRoot(t), fx.repo)
	if commit {
		git(t, fx.repo, "init", "-q", "-b", "main")
		git(t, fx.repo, "add", "-A")
		git(t, fx.repo, "-c", "user.name=e2e", "-c", "user.email=e2e@localhost", "commit", "-q", "-m", "e2e snapshot")
	}
	return fx
}

// TestActBootstrapCache: a branch ref builds the action's binary from
// source once; the next run, on a fresh runner (an empty tool cache),
// restores that build from GitHub's cache (the stand-in) and compiles
// nothing.
func TestActBootstrapCache(t *testing.T) {
	act := tool(t, "act")
	testenv.LookPath(t, "nix")
	testenv.LookPath(t, "go")
	base := t.TempDir()
	fx := checkoutFixture(t, base, true)
	fx.githubCache = filepath.Join(base, "github-cache")
	const workflow = "e2e/testdata/workflows/setup-nix.yml"
	in := map[string]string{"extra-conf": "keep-going = true"}
	r := fx.act(t, act, workflow, in)
	if r.jobResult() != "success" || !strings.Contains(r.text, "bootstrap: built nixops-setup-nix from source") {
		t.Fatalf("first run: want a source build; act log:\n%s", r.text)
	}
	keys, _ := filepath.Glob(filepath.Join(fx.githubCache, "nixops-actions-nixops-setup-nix-*"))
	if len(keys) != 1 {
		t.Fatalf("cache entries %v, want the build saved under its source hash", keys)
	}
	fx.actCache = filepath.Join(base, "fresh-runner")
	r = fx.act(t, act, workflow, in)
	if r.jobResult() != "success" || !strings.Contains(r.text, "Cache restored from key: "+filepath.Base(keys[0])) ||
		!strings.Contains(r.text, "bootstrap: cache hit: nixops-setup-nix for source") || strings.Contains(r.text, "building nixops-setup-nix") {
		t.Fatalf("second run on a fresh runner: want the restored build, no compile; act log:\n%s", r.text)
	}
}
