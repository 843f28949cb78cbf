package schematest_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// source is one line of .ci/shared-sources.
type source struct {
	path, sum, from, file string
}

func readSources(t *testing.T) []source {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), ".ci", "shared-sources"))
	if err != nil {
		t.Fatal(err)
	}
	var out []source
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if len(f) != 4 {
			t.Fatalf(".ci/shared-sources: want 4 fields, got %q", line)
		}
		out = append(out, source{f[0], f[1], f[2], f[3]})
	}
	if len(out) == 0 {
		t.Fatal(".ci/shared-sources lists no file")
	}
	return out
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// The recorded hashes are those of the shared directory's files, and every
// schema there is listed, so a machine without it gets the same files.
func TestSharedSourcesMatchShared(t *testing.T) {
	schemas := testenv.Shared(t, "schemas")
	listed := map[string]bool{}
	for _, s := range readSources(t) {
		listed[s.path] = true
		b, err := os.ReadFile(testenv.Shared(t, s.path))
		if err != nil {
			t.Fatal(err)
		}
		if got := sha256Hex(b); got != s.sum {
			t.Errorf("%s: SHA-256 %s, .ci/shared-sources records %s", s.path, got, s.sum)
		}
	}
	err := filepath.WalkDir(schemas, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(filepath.Dir(schemas), p)
		if !listed[filepath.ToSlash(rel)] {
			t.Errorf("%s is in the shared directory but not in .ci/shared-sources", rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// upstream serves what .ci/fetch-shared downloads, from the shared
// directory's files: GitHub's raw files under /raw/ and an npm registry
// (package documents and tarballs) under /npm/. tamper names the paths
// (under shared/) whose bytes it changes.
type upstream struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string
}

func newUpstream(t *testing.T, sources []source, tamper ...string) *upstream {
	t.Helper()
	u := &upstream{}
	raw := map[string][]byte{}            // owner/repo/commit/file -> content
	pkgFiles := map[string][]packedFile{} // package@version -> its files
	for _, s := range sources {
		b, err := os.ReadFile(testenv.Shared(t, s.path))
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(tamper, s.path) {
			b = append(bytes.Clone(b), ' ')
		}
		switch {
		case strings.HasPrefix(s.from, "github:"):
			repo, commit, _ := strings.Cut(strings.TrimPrefix(s.from, "github:"), "@")
			raw[repo+"/"+commit+"/"+s.file] = b
		case strings.HasPrefix(s.from, "npm:"):
			spec := strings.TrimPrefix(s.from, "npm:")
			pkgFiles[spec] = append(pkgFiles[spec], packedFile{s.file, b})
		default:
			t.Fatalf("unknown source %q", s.from)
		}
	}
	tarballs := map[string][]byte{} // tarball path -> .tgz
	packuments := map[string][]byte{}
	mux := http.NewServeMux()
	u.Server = httptest.NewServer(mux)
	t.Cleanup(u.Close)
	for spec, files := range pkgFiles {
		at := strings.LastIndex(spec, "@")
		name, version := spec[:at], spec[at+1:]
		tgz := npmTarball(t, name, version, files)
		tarPath := "/npm/tarballs/" + strings.ReplaceAll(name, "/", "_") + "-" + version + ".tgz"
		tarballs[tarPath] = tgz
		integrity := sha512.Sum512(tgz)
		doc, err := json.Marshal(map[string]any{
			"name":      name,
			"dist-tags": map[string]string{"latest": version},
			"versions": map[string]any{version: map[string]any{
				"name": name, "version": version,
				"dist": map[string]string{
					"tarball":   u.URL + tarPath,
					"integrity": "sha512-" + base64.StdEncoding.EncodeToString(integrity[:]),
				},
			}},
		})
		if err != nil {
			t.Fatal(err)
		}
		packuments["/npm/"+name] = doc
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.requests = append(u.requests, r.URL.Path)
		u.mu.Unlock()
		if b, ok := raw[strings.TrimPrefix(r.URL.Path, "/raw/")]; ok {
			w.Write(b)
		} else if b, ok := packuments[r.URL.Path]; ok {
			w.Header().Set("Content-Type", "application/json")
			w.Write(b)
		} else if b, ok := tarballs[r.URL.Path]; ok {
			w.Write(b)
		} else {
			http.NotFound(w, r)
		}
	})
	return u
}

// packedFile is one file of an npm package.
type packedFile struct {
	name    string
	content []byte
}

// npmTarball packs files the way npm does: package/<name>, beside a
// package.json.
func npmTarball(t *testing.T, name, version string, files []packedFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	manifest, _ := json.Marshal(map[string]string{"name": name, "version": version})
	add := func(file string, b []byte) {
		if err := tw.WriteHeader(&tar.Header{Name: "package/" + file, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	add("package.json", manifest)
	for _, f := range files {
		add(f.name, f.content)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (u *upstream) took() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	r := u.requests
	u.requests = nil
	return r
}

// runFetch runs .ci/fetch-shared DIR against u and returns its output.
func runFetch(t *testing.T, u *upstream, dir string) (string, error) {
	t.Helper()
	for _, p := range []string{"bash", "curl", "npm", "tar", "sha256sum"} {
		testenv.LookPath(t, p)
	}
	home := t.TempDir()
	cmd := exec.Command("bash", filepath.Join(testenv.RepoRoot(t), ".ci", "fetch-shared"), dir)
	cmd.Env = append(os.Environ(),
		"NIXOPS_GITHUB_RAW="+u.URL+"/raw",
		"npm_config_registry="+u.URL+"/npm/",
		"npm_config_cache="+filepath.Join(home, "npm-cache"),
		"npm_config_update_notifier=false",
		"HOME="+home,
	)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// The fetch path of .ci/run, against a local server holding the same files
// as upstream: every file arrives, verified, and a second run is served
// from the cache without a request.
func TestFetchShared(t *testing.T) {
	sources := readSources(t)
	u := newUpstream(t, sources)
	dir := t.TempDir()
	out, err := runFetch(t, u, dir)
	if err != nil {
		t.Fatalf("fetch-shared failed: %v\n%s", err, out)
	}
	for _, s := range sources {
		got, err := os.ReadFile(filepath.Join(dir, s.path))
		if err != nil {
			t.Errorf("%s was not fetched: %v", s.path, err)
			continue
		}
		want, err := os.ReadFile(testenv.Shared(t, s.path))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the shared directory's copy", s.path)
		}
	}
	if reqs := u.took(); len(reqs) == 0 {
		t.Fatalf("no request reached the server:\n%s", out)
	}
	out, err = runFetch(t, u, dir)
	if err != nil {
		t.Fatalf("second fetch-shared failed: %v\n%s", err, out)
	}
	if reqs := u.took(); len(reqs) != 0 {
		t.Errorf("a second run with every file cached still requested %v", reqs)
	}
	if !strings.Contains(out, "0 fetched") {
		t.Errorf("second run does not say it fetched nothing:\n%s", out)
	}
}

// A file whose bytes differ from the recorded SHA-256, one from GitHub and
// one from an npm package, fails the run by name and never lands in DIR;
// a cached file that was tampered with afterwards is fetched again.
func TestFetchSharedTampered(t *testing.T) {
	sources := readSources(t)
	var fromGitHub, fromNPM string
	for _, s := range sources {
		if fromGitHub == "" && strings.HasPrefix(s.from, "github:") {
			fromGitHub = s.path
		}
		if fromNPM == "" && strings.HasPrefix(s.from, "npm:") {
			fromNPM = s.path
		}
	}
	u := newUpstream(t, sources, fromGitHub, fromNPM)
	dir := t.TempDir()
	out, err := runFetch(t, u, dir)
	if err == nil {
		t.Fatalf("fetch-shared accepted tampered files:\n%s", out)
	}
	t.Logf("fetch-shared with two tampered files: %v\n%s", err, out)
	for _, s := range sources {
		_, err := os.Stat(filepath.Join(dir, s.path))
		if s.path != fromGitHub && s.path != fromNPM {
			if err != nil {
				t.Errorf("intact %s was not fetched: %v", s.path, err)
			}
			continue
		}
		if !os.IsNotExist(err) {
			t.Errorf("tampered %s was put in place (%v)", s.path, err)
		}
		if !strings.Contains(out, "::error::fetch-shared: "+s.path+" from ") || !strings.Contains(out, "records "+s.sum) {
			t.Errorf("the output does not name %s and its recorded SHA-256:\n%s", s.path, out)
		}
	}

	// A cached file changed on disk is not trusted: the next run, against
	// an intact upstream, replaces it.
	good := newUpstream(t, sources)
	if out, err := runFetch(t, good, dir); err != nil {
		t.Fatalf("fetch-shared failed against an intact server: %v\n%s", err, out)
	}
	victim := filepath.Join(dir, fromGitHub)
	if err := os.WriteFile(victim, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := runFetch(t, good, dir); err != nil {
		t.Fatalf("fetch-shared failed: %v\n%s", err, out)
	}
	b, err := os.ReadFile(victim)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sha256Hex(b), sources[slices.IndexFunc(sources, func(s source) bool { return s.path == fromGitHub })].sum; got != want {
		t.Errorf("a changed cached file was kept: SHA-256 %s, want %s", got, want)
	}
}
