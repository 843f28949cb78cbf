package actions_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

const fakeName = "nixops-sbom"

// run is the outcome of one bootstrap.sh invocation.
type run struct {
	log    string // stdout and stderr
	exit   int
	output string // what the script appended to GITHUB_OUTPUT
}

// path returns the binary path the script published, or "".
func (r run) path() string {
	for _, line := range strings.Split(r.output, "\n") {
		if p, ok := strings.CutPrefix(line, "path="); ok {
			return p
		}
	}
	return ""
}

// tree is a throw-away action repository: <root>/actions/bootstrap.sh plus an
// action directory, as the runner checks it out.
type tree struct {
	root      string
	actionDir string
	cache     string
	temp      string // the job's RUNNER_TEMP
}

func newTree(t testing.TB, actionDir string) tree {
	t.Helper()
	base := t.TempDir()
	root := filepath.Join(base, filepath.FromSlash(actionDir), "..")
	root = filepath.Clean(root)
	script, err := os.ReadFile("bootstrap.sh")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(root, "actions", "bootstrap.sh"), string(script), 0o755)
	if err := os.MkdirAll(filepath.Join(base, filepath.FromSlash(actionDir)), 0o755); err != nil {
		t.Fatal(err)
	}
	return tree{root: root, actionDir: filepath.Join(base, filepath.FromSlash(actionDir)),
		cache: filepath.Join(base, "toolcache"), temp: filepath.Join(base, "runner_temp")}
}

func writeFile(t testing.TB, path, body string, mode fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
}

// bootstrap runs the real script with bash in a clean environment.
func (tr tree) bootstrap(t testing.TB, name string, env map[string]string) run {
	t.Helper()
	bash := testenv.LookPath(t, "bash")
	out := filepath.Join(t.TempDir(), "github_output")
	writeFile(t, out, "", 0o644)
	vars := map[string]string{
		"PATH":               os.Getenv("PATH"),
		"HOME":               t.TempDir(),
		"RUNNER_TOOL_CACHE":  tr.cache,
		"RUNNER_TEMP":        tr.temp,
		"GITHUB_ACTION_PATH": tr.actionDir,
		"GITHUB_OUTPUT":      out,
		"RUNNER_OS":          "Linux",
		"RUNNER_ARCH":        "X64",
	}
	// The host's Go caches keep the source build to a link step.
	for _, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH"} {
		if v, err := exec.Command("go", "env", k).Output(); err == nil {
			vars[k] = strings.TrimSpace(string(v))
		}
	}
	vars["GOTOOLCHAIN"] = "local"
	// The go command's telemetry child may outlive it and write under the
	// user's config dir: keep that out of the test's temp dirs.
	if dir, err := os.UserConfigDir(); err == nil {
		vars["XDG_CONFIG_HOME"] = dir
	}
	for k, v := range env {
		vars[k] = v
	}
	cmd := exec.Command(bash, filepath.Join(tr.root, "actions", "bootstrap.sh"), name)
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	err := cmd.Run()
	r := run{log: log.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.exit = exit.ExitCode()
	case err != nil:
		t.Fatalf("running bootstrap.sh: %v", err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	r.output = string(b)
	return r
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// release is a local stand-in for github.com serving release assets.
type release struct {
	srv    *httptest.Server
	mu     sync.Mutex
	served []string
}

func newRelease(t testing.TB, assets map[string][]byte) *release {
	t.Helper()
	r := &release{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.served = append(r.served, req.URL.Path)
		r.mu.Unlock()
		body, ok := assets[req.URL.Path]
		if !ok {
			http.NotFound(w, req)
			return
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func TestBootstrapRelease(t *testing.T) {
	testenv.LookPath(t, "curl")
	binary, err := os.ReadFile(filepath.Join("testdata", "release-binary"))
	if err != nil {
		t.Fatal(err)
	}
	good := sum(binary)
	bad := sum([]byte("some other build"))
	const asset = fakeName + "_v1.2.3_linux_amd64"
	const url = "/voidnxsec/nixops-actions/releases/download/v1.2.3/" + asset

	tests := []struct {
		name      string
		actionDir string // relative to a temp dir; its parent is the repo root
		env       map[string]string
		checksums string
		assets    map[string][]byte
		wantExit  int
		wantLog   []string
	}{
		{
			name:      "good-checksum",
			actionDir: "repo/sbom",
			env:       map[string]string{"ACTION_REF": "v1.2.3", "ACTION_REPOSITORY": "voidnxsec/nixops-actions"},
			checksums: good + "  " + asset + "\n",
			assets:    map[string][]byte{url: binary},
			wantLog:   []string{"installed verified " + asset},
		},
		{
			name:      "major-tag-resolves-through-committed-checksums",
			actionDir: "repo/sbom",
			env:       map[string]string{"ACTION_REF": "v1", "ACTION_REPOSITORY": "voidnxsec/nixops-actions"},
			checksums: "# release v1.2.3\n" + good + "  " + asset + "\n" + bad + "  " + fakeName + "_v1.2.3_darwin_arm64\n",
			assets:    map[string][]byte{url: binary},
			wantLog:   []string{"ref v1 resolves to release v1.2.3", "installed verified " + asset},
		},
		{
			// The runner leaves github.action_ref empty in composite run
			// steps; its checkout directory still names the ref.
			name:      "ref-from-runner-checkout-directory",
			actionDir: "_actions/voidnxsec/nixops-actions/v1.2.3/sbom",
			env:       map[string]string{"GITHUB_ACTION_REF": "", "ACTION_REF": ""},
			checksums: good + " *" + asset + "\n",
			assets:    map[string][]byte{url: binary},
			wantLog:   []string{"installed verified " + asset},
		},
		{
			name:      "github-action-ref-fallback",
			actionDir: "repo/sbom",
			env:       map[string]string{"GITHUB_ACTION_REF": "v1.2.3", "GITHUB_ACTION_REPOSITORY": "voidnxsec/nixops-actions"},
			checksums: good + "  " + asset + "\n",
			assets:    map[string][]byte{url: binary},
			wantLog:   []string{"installed verified " + asset},
		},
		{
			name:      "wrong-checksum",
			actionDir: "repo/sbom",
			env:       map[string]string{"ACTION_REF": "v1.2.3", "ACTION_REPOSITORY": "voidnxsec/nixops-actions"},
			checksums: bad + "  " + asset + "\n",
			assets:    map[string][]byte{url: binary},
			wantExit:  1,
			wantLog:   []string{"::error::checksum mismatch for " + asset, "expected " + bad, "got " + good},
		},
		{
			name:      "missing-asset",
			actionDir: "repo/sbom",
			env:       map[string]string{"ACTION_REF": "v1.2.3", "ACTION_REPOSITORY": "voidnxsec/nixops-actions"},
			checksums: good + "  " + asset + "\n",
			assets:    map[string][]byte{},
			wantExit:  1,
			wantLog:   []string{"::error::download of " + asset + " failed"},
		},
		{
			name:      "missing-checksum-entry",
			actionDir: "repo/sbom",
			env:       map[string]string{"ACTION_REF": "v1.2.3", "ACTION_REPOSITORY": "voidnxsec/nixops-actions"},
			checksums: good + "  " + fakeName + "_v1.2.3_darwin_arm64\n",
			assets:    map[string][]byte{url: binary},
			wantExit:  1,
			wantLog:   []string{"::error::no checksum for " + asset},
		},
		{
			name:      "major-tag-without-release-in-checksums",
			actionDir: "repo/sbom",
			env:       map[string]string{"ACTION_REF": "v2", "ACTION_REPOSITORY": "voidnxsec/nixops-actions"},
			checksums: good + "  " + asset + "\n",
			assets:    map[string][]byte{url: binary},
			wantExit:  1,
			wantLog:   []string{"::error::no " + fakeName + " release for tag v2"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTree(t, tc.actionDir)
			writeFile(t, filepath.Join(tr.root, "actions", "checksums.txt"), tc.checksums, 0o644)
			rel := newRelease(t, tc.assets)
			env := map[string]string{"NIXOPS_RELEASE_HOST": rel.srv.URL}
			for k, v := range tc.env {
				env[k] = v
			}
			r := tr.bootstrap(t, fakeName, env)
			if r.exit != tc.wantExit {
				t.Fatalf("exit %d, want %d; log:\n%s", r.exit, tc.wantExit, r.log)
			}
			for _, want := range tc.wantLog {
				if !strings.Contains(r.log, want) {
					t.Errorf("log lacks %q:\n%s", want, r.log)
				}
			}
			if tc.wantExit != 0 {
				if r.path() != "" {
					t.Errorf("failed run published path %q", r.path())
				}
				if files := regularFiles(t, tr.cache); len(files) != 0 {
					t.Errorf("failed run left files in the tool cache: %v", files)
				}
				return
			}
			assertRuns(t, r.path(), "fake "+fakeName+" --version")
			if want := filepath.Join(tr.cache, "nixops-actions", fakeName, "v1.2.3", fakeName); r.path() != want {
				t.Errorf("installed at %s, want %s", r.path(), want)
			}
			again := tr.bootstrap(t, fakeName, env)
			if again.exit != 0 || again.path() != r.path() || !strings.Contains(again.log, "cache hit") {
				t.Errorf("second run: exit %d path %q, want a cache hit at %q; log:\n%s", again.exit, again.path(), r.path(), again.log)
			}
		})
	}
}

// A cached release binary that no longer matches is fetched again, never run.
func TestBootstrapReleaseCacheTampered(t *testing.T) {
	testenv.LookPath(t, "curl")
	binary := []byte("#!/bin/sh\necho genuine\n")
	const asset = fakeName + "_v1.2.3_linux_amd64"
	rel := newRelease(t, map[string][]byte{"/o/r/releases/download/v1.2.3/" + asset: binary})
	tr := newTree(t, "repo/sbom")
	writeFile(t, filepath.Join(tr.root, "actions", "checksums.txt"), sum(binary)+"  "+asset+"\n", 0o644)
	env := map[string]string{"NIXOPS_RELEASE_HOST": rel.srv.URL, "ACTION_REF": "v1.2.3", "ACTION_REPOSITORY": "o/r"}
	first := tr.bootstrap(t, fakeName, env)
	if first.exit != 0 {
		t.Fatalf("exit %d:\n%s", first.exit, first.log)
	}
	writeFile(t, first.path(), "#!/bin/sh\necho tampered\n", 0o755)
	second := tr.bootstrap(t, fakeName, env)
	if second.exit != 0 || strings.Contains(second.log, "cache hit") {
		t.Fatalf("tampered cache: exit %d, want a fresh download; log:\n%s", second.exit, second.log)
	}
	assertRuns(t, second.path(), "genuine")
	if n := len(rel.served); n != 2 {
		t.Errorf("server saw %d downloads, want 2", n)
	}
}

func TestBootstrapSource(t *testing.T) {
	testenv.LookPath(t, "go")
	for _, ref := range []string{"", "main", "0123456789abcdef0123456789abcdef01234567", "feature/v1.2.3"} {
		t.Run("ref="+ref, func(t *testing.T) {
			tr := newTree(t, "repo/hello-action")
			testenv.CopyDir(t, filepath.Join("testdata", "source"), tr.root)
			env := map[string]string{"ACTION_REF": ref}

			first := tr.bootstrap(t, "hello", env)
			if first.exit != 0 {
				t.Fatalf("exit %d:\n%s", first.exit, first.log)
			}
			if !strings.Contains(first.log, "built hello from source") {
				t.Errorf("first run did not build:\n%s", first.log)
			}
			assertRuns(t, first.path(), "hello from source")
			if dir := filepath.Dir(filepath.Dir(first.path())); dir != filepath.Join(tr.cache, "nixops-actions", "hello") {
				t.Errorf("binary at %s, want it under the tool cache", first.path())
			}

			second := tr.bootstrap(t, "hello", env)
			if second.exit != 0 || !strings.Contains(second.log, "cache hit") || strings.Contains(second.log, "building") {
				t.Fatalf("second run: exit %d, want a cache hit:\n%s", second.exit, second.log)
			}
			if second.path() != first.path() {
				t.Errorf("cache hit at %s, want %s", second.path(), first.path())
			}
		})
	}
}

// Changing any .go file changes the source hash, so a stale binary is never
// reused.
func TestBootstrapSourceChangeRebuilds(t *testing.T) {
	testenv.LookPath(t, "go")
	tr := newTree(t, "repo/hello-action")
	testenv.CopyDir(t, filepath.Join("testdata", "source"), tr.root)
	first := tr.bootstrap(t, "hello", nil)
	if first.exit != 0 {
		t.Fatalf("exit %d:\n%s", first.exit, first.log)
	}
	main := filepath.Join(tr.root, "cmd", "hello", "main.go")
	b, err := os.ReadFile(main)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, main, strings.Replace(string(b), "hello from source", "hello again", 1), 0o644)
	second := tr.bootstrap(t, "hello", nil)
	if second.exit != 0 || !strings.Contains(second.log, "built hello from source") {
		t.Fatalf("exit %d, want a rebuild:\n%s", second.exit, second.log)
	}
	if second.path() == first.path() {
		t.Errorf("changed source reused %s", first.path())
	}
	assertRuns(t, second.path(), "hello again")
}

func TestBootstrapSourceWithoutGo(t *testing.T) {
	tr := newTree(t, "repo/hello-action")
	testenv.CopyDir(t, filepath.Join("testdata", "source"), tr.root)
	r := tr.bootstrap(t, "hello", map[string]string{"PATH": pathWithout(t, "go"), "ACTION_REF": "main"})
	if r.exit != 1 {
		t.Fatalf("exit %d, want 1:\n%s", r.exit, r.log)
	}
	for _, want := range []string{"::error::Go is not installed", "actions/setup-go"} {
		if !strings.Contains(r.log, want) {
			t.Errorf("log lacks %q:\n%s", want, r.log)
		}
	}
	if r.path() != "" {
		t.Errorf("published path %q without a binary", r.path())
	}
}

// pathWithout returns a PATH holding only the tools bootstrap.sh uses, so a
// test can take one away whatever else the machine has in /usr/bin.
func pathWithout(t *testing.T, missing string) string {
	t.Helper()
	dir := t.TempDir()
	tools := []string{"bash", "sha256sum", "find", "sort", "xargs", "cut", "mkdir", "mktemp",
		"mv", "rm", "chmod", "awk", "grep", "tr", "curl", "uname", "go"}
	for _, tool := range tools {
		if tool == missing {
			continue
		}
		p := testenv.LookPath(t, tool)
		if err := os.Symlink(p, filepath.Join(dir, tool)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func assertRuns(t *testing.T, bin, want string) {
	t.Helper()
	if bin == "" {
		t.Fatal("bootstrap published no path")
	}
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("running %s: %v\n%s", bin, err, out)
	}
	if got := strings.TrimSpace(string(out)); got != want {
		t.Errorf("%s printed %q, want %q", bin, got, want)
	}
}

func regularFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// A cache save may run while another job builds on the same tool cache (a
// self-hosted machine with several runners): while the build runs, the
// cache directory must hold no partial file.
func TestBootstrapSourceBuildsBesideCacheDir(t *testing.T) {
	goBin := testenv.LookPath(t, "go")
	tr := newTree(t, "repo/hello-action")
	testenv.CopyDir(t, filepath.Join("testdata", "source"), tr.root)
	wrapped := t.TempDir()
	seen := filepath.Join(t.TempDir(), "seen")
	// The wrapper records what the tool cache holds mid-build.
	writeFile(t, filepath.Join(wrapped, "go"), "#!/bin/sh\n"+
		"[ \"$1\" = build ] && find \"$RUNNER_TOOL_CACHE\" -type f >>"+seen+"\n"+
		"exec "+goBin+" \"$@\"\n", 0o755)
	r := tr.bootstrap(t, "hello", map[string]string{"PATH": wrapped + ":" + os.Getenv("PATH")})
	if r.exit != 0 {
		t.Fatalf("exit %d:\n%s", r.exit, r.log)
	}
	during, err := os.ReadFile(seen)
	if err != nil {
		t.Fatal(err)
	}
	hashDir := filepath.Dir(r.path())
	for _, f := range strings.Fields(string(during)) {
		if filepath.Dir(f) == hashDir {
			t.Errorf("mid-build the cache directory held %s", f)
		}
	}
	got := regularFiles(t, hashDir)
	want := []string{r.path(), r.path() + ".sha256"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("cache directory holds %v, want %v", got, want)
	}
}
