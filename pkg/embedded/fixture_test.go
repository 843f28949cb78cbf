package embedded

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/nix/storepath"
)

// Store paths of the fixture store; those not in testdata/store are made
// at test time (a Go binary, an empty directory, symlinks).
const (
	pyPath     = "/nix/store/0c0c2i9ffh7mwbs7v5n2nwy6hszm2b5j-python3.11-requests-2.31.0"
	lockPath   = "/nix/store/1qbd6x7x2yq6fn8wm8ar1ccchn9dd3a5-webapp-1.0.0-source"
	npmPath    = "/nix/store/2mr3d3c7hbz6v0k6f8cd1rj4h8c9ka9p-leftpad-1.3.0"
	goPath     = "/nix/store/3g5lnvmx9kkfr8j0w2d5z8n7q6c1a4hb-hello-go-0.1.0"
	emptyPath  = "/nix/store/4ab7xw2d8gq1m0c9l3s5k6r7p2n0y1zc-empty"
	linksPath  = "/nix/store/5z1y2x3w4v5s6r7q8p9n0m1l2k3j4i5h-links"
	filePath   = "/nix/store/6b0c1d2f3g4h5i6j7k8l9m0n1p2q3r4s-hello-go-bin"
	absentPath = "/nix/store/7a8b9c0d1f2g3h4i5j6k7l8m9n0p1q2r-absent"
	jarPath    = "/nix/store/8c9d0f1g2h3i4j5k6l7m8n9p0q1r2s3v-commons-lang3-3.14.0"
)

// inChroot reads the fixture store as Nix's `--store root` would.
func inChroot(root string) Option {
	return WithLocation(storepath.Locate(storepath.Settings{Flag: root}))
}

var (
	helloOnce sync.Once
	helloBin  []byte
	helloErr  error
)

// goHello builds testdata/gohello once per test binary: a main module
// linking golang.org/x/text, taken from the module cache (GOPROXY=off).
func goHello(t testing.TB) []byte {
	t.Helper()
	goTool := testenv.LookPath(t, "go")
	helloOnce.Do(func() {
		out := filepath.Join(os.TempDir(), "embedded-gohello-"+strings.ReplaceAll(t.Name(), "/", "_"))
		defer os.Remove(out)
		cmd := exec.Command(goTool, "build", "-trimpath", "-buildvcs=false", "-o", out, ".")
		cmd.Dir = filepath.Join("testdata", "gohello")
		cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=readonly", "GOWORK=off", "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			helloErr = err
			helloBin = msg
			return
		}
		helloBin, helloErr = os.ReadFile(out)
	})
	if helloErr != nil {
		t.Fatalf("build testdata/gohello (it needs golang.org/x/text v0.43.0 in the module cache: run go mod download in the repository): %v: %s", helloErr, helloBin)
	}
	return helloBin
}

// fixtureStore lays out testdata/store plus the generated store paths under
// a temporary root and returns that root.
func fixtureStore(t testing.TB) string {
	t.Helper()
	root := t.TempDir()
	if err := os.CopyFS(root, os.DirFS(filepath.Join("testdata", "store"))); err != nil {
		t.Fatal(err)
	}
	at := func(p string) string { return filepath.Join(root, p) }
	bin := goHello(t)
	writeFile(t, at(goPath+"/bin/hello"), bin, 0o555)
	// The same binary twice is one module seen at two locations.
	writeFile(t, at(goPath+"/libexec/hello-go/hello"), bin, 0o555)
	writeFile(t, at(filePath), bin, 0o555)
	mkdir(t, at(emptyPath))
	javaJar(t, at(jarPath+"/share/java/commons-lang3-3.14.0.jar"))
	// Links into other store paths, absolute as Nix writes them and
	// relative: the linked paths are scanned on their own, not again here.
	mkdir(t, at(linksPath+"/lib"))
	symlink(t, pyPath+"/lib/python3.11", at(linksPath+"/lib/python3.11"))
	symlink(t, "../../"+filepath.Base(npmPath)+"/lib/node_modules", at(linksPath+"/lib/node_modules"))
	symlink(t, goPath+"/bin/hello", at(linksPath+"/hello"))
	return root
}

func writeFile(t testing.TB, name string, data []byte, mode os.FileMode) {
	t.Helper()
	mkdir(t, filepath.Dir(name))
	if err := os.WriteFile(name, data, mode); err != nil {
		t.Fatal(err)
	}
}

func mkdir(t testing.TB, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func symlink(t testing.TB, target, name string) {
	t.Helper()
	if err := os.Symlink(target, name); err != nil {
		t.Fatal(err)
	}
}

// javaJar writes a minimal jar as Maven builds it: a manifest and the
// pom.properties that name its coordinates.
func javaJar(t testing.TB, name string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range []struct{ name, body string }{
		{"META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nImplementation-Title: Apache Commons Lang\r\nImplementation-Version: 3.14.0\r\nBundle-License: https://www.apache.org/licenses/LICENSE-2.0.txt\r\n\r\n"},
		{"META-INF/maven/org.apache.commons/commons-lang3/pom.properties", "artifactId=commons-lang3\ngroupId=org.apache.commons\nversion=3.14.0\n"},
		{"org/apache/commons/lang3/StringUtils.class", "\xca\xfe\xba\xbe"},
	} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, f.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	writeFile(t, name, buf.Bytes(), 0o444)
}
