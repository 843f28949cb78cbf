package e2e_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/release"
)

// releaseWorkflow pins the sbom action to a release commit by its SHA, as
// security advice says to; act maps the repository at that SHA to a
// checkout of the release commit (--local-repository).
const releaseWorkflow = `name: e2e-sbom-release
on: workflow_dispatch
jobs:
  sbom:
    runs-on: ubuntu-latest
    steps:
      - id: sbom
        uses: voidnxsec/nixops-actions/sbom@COMMIT
        with:
          target: TARGET
          nix-store: STORE
          embedded: "false"
          format: cyclonedx-json
          output-dir: OUT
`

// TestActSBOMRelease cuts a release of this checkout with nixops-release's
// own Cut (this platform only), then runs a workflow that uses the sbom
// action at the release commit under act: bootstrap.sh downloads the
// released nixops-sbom from a local release host, verifies it against the
// committed checksums and runs it, compiling nothing. A tampered asset
// stops the job before the binary runs.
func TestActSBOMRelease(t *testing.T) {
	act := tool(t, "act")
	testenv.LookPath(t, "nix")
	testenv.LookPath(t, "curl")
	testenv.LookPath(t, "go")
	fx := newFixture(t)
	if run(t, fx.repo, "git", "status", "--porcelain") != "" { // a flake.lock Nix wrote
		git(t, fx.repo, "add", "-A")
		git(t, fx.repo, "-c", "user.name=e2e", "-c", "user.email=e2e@localhost", "commit", "-q", "-m", "lock")
	}
	platform := release.Platform{OS: runtime.GOOS, Arch: runtime.GOARCH}
	res := cutRelease(t, fx.repo, "v9.9.9")
	actionRepo := filepath.Join(t.TempDir(), "release")
	git(t, fx.repo, "worktree", "add", "-q", "--detach", actionRepo, res.Commit)
	asset := release.AssetName("nixops-sbom", res.Version, platform)

	for _, tc := range []struct {
		name, tamper, wantJob, wantLog string
	}{
		{"verified", "", "success", "installed verified " + asset},
		{"tampered", asset, "failure", "::error::checksum mismatch for " + asset},
	} {
		t.Run(tc.name, func(t *testing.T) {
			host := releaseHost(t, res, tc.tamper)
			out := filepath.Join(t.TempDir(), "out")
			wf := strings.NewReplacer("COMMIT", res.Commit, "TARGET", fx.storePath, "STORE", fx.store, "OUT", out).Replace(releaseWorkflow)
			file := filepath.Join(t.TempDir(), "sbom-release.yml")
			if err := os.WriteFile(file, []byte(wf), 0o644); err != nil {
				t.Fatal(err)
			}
			fx.actCache = t.TempDir() // no binary from an earlier case
			r := fx.act(t, act, file, nil, "--local-repository", "voidnxsec/nixops-actions@"+res.Commit+"="+actionRepo,
				"--env", "NIXOPS_RELEASE_HOST="+host.URL)
			if got := r.jobResult(); got != tc.wantJob || !strings.Contains(r.text, tc.wantLog) {
				t.Fatalf("job result %q, want %q with %q in the log:\n%s", got, tc.wantJob, tc.wantLog, r.text)
			}
			if strings.Contains(r.text, "from source") {
				t.Errorf("bootstrap compiled instead of downloading:\n%s", r.text)
			}
			_, err := os.Stat(filepath.Join(out, "sbom.cdx.json"))
			if tc.wantJob == "success" && err != nil {
				t.Errorf("the released binary wrote no SBOM: %v", err)
			}
			if tc.wantJob == "failure" && err == nil {
				t.Errorf("the tampered binary ran and wrote an SBOM")
			}
		})
	}
}

// cutRelease cuts version of the committed repository at dir with
// nixops-release's own Cut, for this platform only.
func cutRelease(t testing.TB, dir, version string) *release.Result {
	t.Helper()
	env := os.Environ()
	for _, k := range []string{"GOPATH", "GOMODCACHE", "GOCACHE"} {
		env = append(env, k+"="+goEnv(k)) // the builds reuse this machine's caches
	}
	res, err := release.Cut(context.Background(), release.Options{Dir: dir, Version: version, OutDir: t.TempDir(), Env: env,
		Platforms: []release.Platform{{OS: runtime.GOOS, Arch: runtime.GOARCH}}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// releaseHost serves the assets of res where GitHub serves a release's
// downloads, one of them with a flipped bit when tamper names it.
func releaseHost(t testing.TB, res *release.Result, tamper string) *httptest.Server {
	t.Helper()
	prefix := "/voidnxsec/nixops-actions/releases/download/" + string(res.Version) + "/"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		name, ok := strings.CutPrefix(req.URL.Path, prefix)
		if !ok || name != path.Base(name) || strings.HasPrefix(name, ".") {
			http.NotFound(w, req)
			return
		}
		b, err := os.ReadFile(filepath.Join(res.Dir, name))
		if err != nil {
			http.NotFound(w, req)
			return
		}
		if name == tamper {
			b[len(b)/2] ^= 1
		}
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}
