package release_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/release"
)

// releaseServer serves the files of a cut release as github.com serves
// release assets: /<owner>/<repo>/releases/download/<tag>/<asset>.
type releaseServer struct {
	*httptest.Server
	mu     sync.Mutex
	served []string
}

func serveRelease(t *testing.T, res *release.Result, tamper string) *releaseServer {
	t.Helper()
	s := &releaseServer{}
	prefix := "/o/r/releases/download/" + string(res.Version) + "/"
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
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
		s.mu.Lock()
		s.served = append(s.served, name)
		s.mu.Unlock()
		_, _ = w.Write(b)
	}))
	t.Cleanup(s.Close)
	return s
}

// checkout extracts ref of r as the runner does for `uses: o/r/hello@ref`
// (a tarball of the tree, in _actions/<owner>/<repo>/<ref>/) and returns
// the action's directory.
func checkout(t *testing.T, r *repo, ref string) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "_actions", "o", "r", ref)
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	tarball := filepath.Join(t.TempDir(), "action.tar")
	r.git("archive", "--format=tar", "-o", tarball, ref)
	if out, err := exec.Command(testenv.LookPath(t, "tar"), "-xf", tarball, "-C", root).CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	return filepath.Join(root, "hello")
}

type bootstrapRun struct {
	log, path string
	exit      int
	cache     string
}

// runBootstrap runs the real actions/bootstrap.sh of the checkout for
// nixops-hello, as the hello action's step would, with a fresh tool cache.
func runBootstrap(t *testing.T, actionDir, host string) bootstrapRun {
	t.Helper()
	runnerOS, runnerArch := hostRunner(t)
	out := filepath.Join(t.TempDir(), "github_output")
	writeFile(t, out, "")
	run := bootstrapRun{cache: t.TempDir()}
	cmd := exec.Command(testenv.LookPath(t, "bash"), filepath.Join(actionDir, "..", "actions", "bootstrap.sh"), "nixops-hello")
	cmd.Env = env(t, "HOME="+t.TempDir(), "RUNNER_TOOL_CACHE="+run.cache, "RUNNER_TEMP="+t.TempDir(),
		"GITHUB_ACTION_PATH="+actionDir, "GITHUB_OUTPUT="+out, "RUNNER_OS="+runnerOS, "RUNNER_ARCH="+runnerArch,
		"NIXOPS_RELEASE_HOST="+host, "GOCACHE="+goCache(t), "GOPATH="+filepath.Join(goCache(t), "gopath"),
		"GOTOOLCHAIN=local", "ACTION_REF=", "GITHUB_ACTION_REF=", "ACTION_REPOSITORY=", "GITHUB_ACTION_REPOSITORY=")
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	err := cmd.Run()
	run.log = log.String()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		run.exit = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(line, "path="); ok {
			run.path = p
		}
	}
	return run
}

// says runs the binary and returns what it printed.
func says(t *testing.T, bin string) string {
	t.Helper()
	out, err := exec.Command(bin).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, out)
	}
	return strings.TrimSpace(string(out))
}

// The real bootstrap.sh, run from checkouts of what Cut made, takes the
// verified download for the version tag, a moving v1 and the release
// commit's SHA; refuses a tampered asset; and builds a branch from source.
func TestCutThenBootstrap(t *testing.T) {
	testenv.LookPath(t, "go")
	testenv.LookPath(t, "curl")
	r := newRepo(t)
	res := mustCut(t, r, "v1.0.0", t.TempDir())
	r.git("tag", "v1", "v1.0.0^{commit}") // what Publish has GitHub do
	hostRunner(t)
	asset := release.AssetName("nixops-hello", "v1.0.0", release.Platform{OS: runtime.GOOS, Arch: runtime.GOARCH})

	srv := serveRelease(t, res, "")
	for _, ref := range []string{"v1.0.0", "v1", res.Commit} {
		t.Run("ref="+ref, func(t *testing.T) {
			run := runBootstrap(t, checkout(t, r, ref), srv.URL)
			if run.exit != 0 || !strings.Contains(run.log, "installed verified "+asset) {
				t.Fatalf("exit %d, want a verified download of %s:\n%s", run.exit, asset, run.log)
			}
			if ref != "v1.0.0" && !strings.Contains(run.log, "ref "+ref+" resolves to release v1.0.0") {
				t.Errorf("log does not say how %s resolved:\n%s", ref, run.log)
			}
			if got := says(t, run.path); got != "nixops-hello v1.0.0" {
				t.Errorf("the downloaded binary says %q, want nixops-hello v1.0.0", got)
			}
		})
	}
	srv.mu.Lock()
	if n := len(srv.served); n != 3 {
		t.Errorf("the release server served %d downloads (%v), want 3", n, srv.served)
	}
	srv.mu.Unlock()

	t.Run("tampered", func(t *testing.T) {
		bad := serveRelease(t, res, asset)
		run := runBootstrap(t, checkout(t, r, "v1.0.0"), bad.URL)
		if run.exit != 1 || !strings.Contains(run.log, "::error::checksum mismatch for "+asset) || run.path != "" {
			t.Fatalf("exit %d, path %q, want a refusal:\n%s", run.exit, run.path, run.log)
		}
		if bins, _ := filepath.Glob(filepath.Join(run.cache, "nixops-actions", "nixops-hello", "*", "*")); len(bins) != 0 {
			t.Errorf("the tampered download was kept: %v", bins)
		}
	})

	t.Run("branch", func(t *testing.T) {
		run := runBootstrap(t, checkout(t, r, "main"), srv.URL)
		if run.exit != 0 || !strings.Contains(run.log, "built nixops-hello from source") {
			t.Fatalf("exit %d, want a source build:\n%s", run.exit, run.log)
		}
		if got := says(t, run.path); got != "nixops-hello dev" {
			t.Errorf("the branch's binary says %q, want nixops-hello dev", got)
		}
	})
}
