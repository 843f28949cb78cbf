package release_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// repoRoot is this repository's top level, two levels up.
var repoRoot = filepath.Join("..", "..")

// env is the tests' environment for git and go: the process's, with git's
// user and system configuration ignored and a fixed identity, so a
// developer's signing or hooks settings change nothing.
func env(t *testing.T, extra ...string) []string {
	t.Helper()
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") {
			out = append(out, kv)
		}
	}
	out = append(out, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_AUTHOR_NAME=Release Test", "GIT_AUTHOR_EMAIL=release@example.com",
		"GIT_COMMITTER_NAME=Release Test", "GIT_COMMITTER_EMAIL=release@example.com")
	// The go command's telemetry may write under the user's config dir
	// after it exits: never under a test's temp dir.
	if dir, err := os.UserConfigDir(); err == nil {
		out = append(out, "XDG_CONFIG_HOME="+dir)
	}
	return append(out, extra...)
}

var (
	sharedCacheOnce sync.Once
	sharedCache     string
)

// goCache is one GOCACHE for the tests that do not compare caches, so
// the stand-in binaries' runtime compiles once per platform and run.
func goCache(t *testing.T) string {
	sharedCacheOnce.Do(func() {
		dir, err := os.MkdirTemp("", "nixops-release-gocache-")
		if err != nil {
			t.Fatal(err)
		}
		sharedCache = dir
	})
	return sharedCache
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedCache != "" {
		os.RemoveAll(sharedCache)
	}
	os.Exit(code)
}

// repo is a throw-away git repository holding the stand-in module of
// testdata/module, this repository's actions/bootstrap.sh and the header
// of its actions/checksums.txt.
type repo struct {
	t   *testing.T
	dir string
	env []string
}

func newRepo(t *testing.T) *repo {
	t.Helper()
	testenv.LookPath(t, "git")
	r := &repo{t: t, dir: t.TempDir(), env: env(t, "GOCACHE="+goCache(t), "GOPATH="+filepath.Join(goCache(t), "gopath"))}
	testenv.CopyDir(t, filepath.Join("testdata", "module"), r.dir)
	for _, f := range []string{"actions/bootstrap.sh", "actions/checksums.txt"} {
		b, err := os.ReadFile(filepath.Join(repoRoot, f))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(r.dir, f), string(b))
	}
	if err := os.Chmod(filepath.Join(r.dir, "actions", "bootstrap.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	r.git("init", "-q", "-b", "main")
	r.git("add", "-A")
	r.git("commit", "-q", "-m", "initial")
	return r
}

// git runs git in the repository and returns its trimmed output.
func (r *repo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir, cmd.Env = r.dir, r.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// commit writes each path=content pair and commits them with msg.
func (r *repo) commit(msg string, files ...string) string {
	r.t.Helper()
	for _, f := range files {
		path, content, _ := strings.Cut(f, "=")
		writeFile(r.t, filepath.Join(r.dir, path), content)
		r.git("add", path)
	}
	r.git("commit", "-q", "-m", msg)
	return r.git("rev-parse", "HEAD")
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
