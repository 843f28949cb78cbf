package embedded

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/nix/storepath"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
)

// fixturePaths are the store paths of fixtureStore that exist.
var fixturePaths = []string{pyPath, lockPath, npmPath, goPath, emptyPath, linksPath, filePath, jarPath}

func TestScan(t *testing.T) {
	root := fixtureStore(t)
	got, err := New(inChroot(root)).Scan(context.Background(), fixturePaths)
	if err != nil {
		t.Fatal(err)
	}
	goVersion := goToolVersion(t)
	jarSHA1 := sha1Hex(t, filepath.Join(root, jarPath, "share/java/commons-lang3-3.14.0.jar"))

	tests := []struct {
		name      string
		storePath string
		want      []sbom.Component
	}{
		{
			name:      "python dist-info",
			storePath: pyPath,
			want: []sbom.Component{
				embeddedOf(pyPath, "pkg:pypi/requests@2.31.0", "requests", "2.31.0", "python-installed-package-cataloger",
					"lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA").
					with(func(c *sbom.Component) {
						c.CPE = "cpe:2.3:a:python:requests:2.31.0:*:*:*:*:*:*:*"
						c.Licenses = []sbom.License{{Name: "Apache 2.0"}}
					}),
			},
		},
		{
			name:      "npm lockfile v3",
			storePath: lockPath,
			want: []sbom.Component{
				embeddedOf(lockPath, "pkg:npm/ms@2.1.3", "ms", "2.1.3", "javascript-lock-cataloger", "package-lock.json").
					with(func(c *sbom.Component) {
						c.CPE = "cpe:2.3:a:vercel:ms:2.1.3:*:*:*:*:node.js:*:*"
						c.Licenses = []sbom.License{{ID: "MIT"}}
					}),
				embeddedOf(lockPath, "pkg:npm/once@1.4.0", "once", "1.4.0", "javascript-lock-cataloger", "package-lock.json").
					with(func(c *sbom.Component) { c.Licenses = []sbom.License{{ID: "ISC"}} }),
				// syft reports the project that owns the lock file as well.
				sbom.Component(embeddedOf(lockPath, "pkg:npm/webapp@1.0.0", "webapp", "1.0.0", "javascript-lock-cataloger", "package-lock.json")),
			},
		},
		{
			name:      "npm package.json",
			storePath: npmPath,
			want: []sbom.Component{
				embeddedOf(npmPath, "pkg:npm/leftpad@1.3.0", "leftpad", "1.3.0", "javascript-package-cataloger",
					"lib/node_modules/leftpad/package.json").
					with(func(c *sbom.Component) { c.Licenses = []sbom.License{{ID: "WTFPL"}} }),
			},
		},
		{
			name:      "go binary twice",
			storePath: goPath,
			want:      goHelloComponents(goPath, goVersion, "bin/hello", "libexec/hello-go/hello"),
		},
		{
			name:      "go binary as the store path",
			storePath: filePath,
			want:      goHelloComponents(filePath, goVersion),
		},
		{
			name:      "java archive",
			storePath: jarPath,
			want: []sbom.Component{
				embeddedOf(jarPath, "pkg:maven/org.apache.commons/commons-lang3@3.14.0", "commons-lang3", "3.14.0",
					"java-archive-cataloger", "share/java/commons-lang3-3.14.0.jar").
					with(func(c *sbom.Component) {
						c.Licenses = []sbom.License{{ID: "Apache-2.0"}}
						c.Hashes = []sbom.Hash{{Alg: "SHA-1", Hex: jarSHA1}}
					}),
			},
		},
		{name: "empty directory", storePath: emptyPath},
		// Every link leads into another store path: nothing is found twice.
		{name: "links to other store paths", storePath: linksPath},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := got[tt.storePath]; !ok && tt.want != nil {
				t.Fatalf("no entry for %s; entries: %v", tt.storePath, keys(got))
			}
			if !reflect.DeepEqual(got[tt.storePath], tt.want) {
				t.Errorf("components of %s:\n got %+v\nwant %+v", tt.storePath, got[tt.storePath], tt.want)
			}
		})
	}
	if len(got) != 6 {
		t.Errorf("got entries for %v, want only the 6 store paths holding packages", keys(got))
	}
}

// TestScanDeterministic checks that scheduling does not show in the result.
func TestScanDeterministic(t *testing.T) {
	root := fixtureStore(t)
	// Listed twice and shuffled: each path is still scanned once.
	paths := append([]string{jarPath, goPath, filePath}, fixturePaths...)
	one, err := New(inChroot(root), WithWorkers(1)).Scan(context.Background(), paths)
	if err != nil {
		t.Fatal(err)
	}
	eight, err := New(inChroot(root), WithWorkers(8)).Scan(context.Background(), paths)
	if err != nil {
		t.Fatal(err)
	}
	if len(one) != 6 {
		t.Fatalf("1 worker found packages in %v, want 6 store paths", keys(one))
	}
	if !reflect.DeepEqual(one, eight) {
		t.Errorf("1 and 8 workers differ:\n 1: %+v\n 8: %+v", one, eight)
	}
}

func TestScanErrors(t *testing.T) {
	root := fixtureStore(t)
	tests := []struct {
		name     string
		path     string
		wantText string
	}{
		{name: "absent", path: absentPath, wantText: "store path " + absentPath + ": not readable"},
		{name: "relative", path: "nix/store/x-rel", wantText: `store path "nix/store/x-rel": want an absolute, clean path`},
		{name: "unclean", path: pyPath + "/../x", wantText: "want an absolute, clean path"},
		{name: "outside the store", path: "/opt/store/x", wantText: "store path /opt/store/x: not in the store directory /nix/store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := New(inChroot(root)).Scan(context.Background(), []string{npmPath, tt.path})
			if err == nil || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantText)
			}
			if len(got[npmPath]) != 1 {
				t.Errorf("the failing path lost the result of %s: %+v", npmPath, got)
			}
		})
	}
}

// TestScanNotLocal: a store whose files are out of reach fails at once,
// with one ErrNotLocal naming the store, rather than reading the host's
// paths or failing path by path.
func TestScanNotLocal(t *testing.T) {
	loc := storepath.Locate(storepath.Settings{Flag: "ssh://builder"})
	_, err := New(WithLocation(loc)).Scan(context.Background(), []string{npmPath, pyPath})
	if !errors.Is(err, ErrNotLocal) || strings.Count(err.Error(), "ssh://builder") != 1 {
		t.Errorf("error = %v, want one ErrNotLocal naming ssh://builder", err)
	}
}

func TestScanCancelled(t *testing.T) {
	root := fixtureStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got, err := New(inChroot(root), WithWorkers(2)).Scan(ctx, fixturePaths)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if len(got) != 0 {
		t.Errorf("a cancelled scan still scanned %v", keys(got))
	}
}

// TestScanCancelledMidway cancels a scan of 200 store paths once the
// third is done: at most the other worker's path in flight finishes after
// that, and the paths already done are returned with the error.
func TestScanCancelledMidway(t *testing.T) {
	root, paths := benchStore(t, 200)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	done := 0
	s := New(inChroot(root), WithWorkers(2))
	s.scanned = func(string) {
		mu.Lock()
		defer mu.Unlock()
		if done++; done == 3 {
			cancel()
		}
	}
	got, err := s.Scan(ctx, paths)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if done > 3+1 {
		t.Errorf("%d store paths scanned after cancelling at the third", done)
	}
	if len(got) > done {
		t.Errorf("results for %d paths, only %d were scanned", len(got), done)
	}
}

// TestWithWorkers checks the documented rule: one worker per CPU unless
// told otherwise, never more than 64.
func TestWithWorkers(t *testing.T) {
	cpus := min(runtime.NumCPU(), 64)
	tests := []struct {
		n, want int
	}{
		{n: 0, want: cpus},
		{n: -3, want: cpus},
		{n: 3, want: 3},
		{n: 1000, want: 64},
	}
	if got := New().workers; got != cpus {
		t.Errorf("default workers = %d, want %d (the CPUs)", got, cpus)
	}
	for _, tt := range tests {
		if got := New(WithWorkers(tt.n)).workers; got != tt.want {
			t.Errorf("WithWorkers(%d) gives %d workers, want %d", tt.n, got, tt.want)
		}
	}
}

// goHelloComponents are the packages of testdata/gohello: the main module
// (built from a checkout, so without a version), its one dependency and
// the Go standard library of the toolchain that built it.
func goHelloComponents(storePath, goVersion string, locs ...string) []sbom.Component {
	const by = "go-module-binary-cataloger"
	return []sbom.Component{
		embeddedOf(storePath, "pkg:golang/example.com/hello", "example.com/hello", "", by, locs...).
			with(func(c *sbom.Component) { c.Type = "application" }),
		embeddedOf(storePath, "pkg:golang/golang.org/x/text@v0.43.0", "golang.org/x/text", "v0.43.0", by, locs...).
			with(func(c *sbom.Component) { c.CPE = "cpe:2.3:a:golang:text:v0.43.0:*:*:*:*:*:*:*" }),
		embeddedOf(storePath, "pkg:golang/stdlib@"+strings.TrimPrefix(goVersion, "go"), "stdlib", goVersion, by, locs...).
			with(func(c *sbom.Component) {
				c.CPE = "cpe:2.3:a:golang:go:" + strings.TrimPrefix(goVersion, "go") + ":-:*:*:*:*:*:*"
				c.Licenses = []sbom.License{{ID: "BSD-3-Clause"}}
			}),
	}
}

// want is a component expected from the fixture store, edited by with.
type want sbom.Component

func embeddedOf(storePath, purl, name, version, foundBy string, locs ...string) want {
	parent := path.Base(storePath)
	return want{
		Ref: parent + "#" + purl, Type: "library", Name: name, Version: version, PURL: purl,
		Embedded: true, Parent: parent, Locations: locs,
		Properties: []sbom.Property{{Name: "syft:package:foundBy", Value: foundBy}},
	}
}

func (w want) with(f func(*sbom.Component)) sbom.Component {
	c := sbom.Component(w)
	f(&c)
	return c
}

func goToolVersion(t *testing.T) string {
	t.Helper()
	out, err := exec.Command(testenv.LookPath(t, "go"), "env", "GOVERSION").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

func sha1Hex(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum(data)
	return hex.EncodeToString(sum[:])
}

func keys(m map[string][]sbom.Component) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
