package release

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// Platform is a GOOS/GOARCH pair binaries are released for.
type Platform struct{ OS, Arch string }

func (p Platform) String() string { return p.OS + "/" + p.Arch }

// Platforms are those actions/bootstrap.sh downloads for: the runners'
// Linux and macOS on X64 and ARM64.
var Platforms = []Platform{{"linux", "amd64"}, {"linux", "arm64"}, {"darwin", "amd64"}, {"darwin", "arm64"}}

// NotShipped are cmd/nixops-* binaries that are never released:
// nixops-release runs only in this repository's release workflow, which
// builds it from the commit being released; no action bootstraps it.
var NotShipped = []string{"nixops-release"}

// Asset is one released file.
type Asset struct {
	Name   string // <binary>_<version>_<os>_<arch>, as actions/bootstrap.sh downloads it
	Path   string
	SHA256 string // hex
}

// AssetName is the release file name of binary for version and p.
func AssetName(binary string, v Version, p Platform) string {
	return fmt.Sprintf("%s_%s_%s_%s", binary, v, p.OS, p.Arch)
}

// Binaries lists the cmd/nixops-* directories of the module at root that
// hold Go code and are shipped, sorted.
func Binaries(root string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, "cmd"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "nixops-") || slices.Contains(NotShipped, e.Name()) {
			continue
		}
		if gos, _ := filepath.Glob(filepath.Join(root, "cmd", e.Name(), "*.go")); len(gos) > 0 {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no cmd/nixops-* binary to build under %s", root)
	}
	return names, nil
}

// BuildOptions says what Build makes.
type BuildOptions struct {
	Root      string     // the module's directory
	Binaries  []string   // names under cmd/
	Version   Version    // stamped with -X main.version
	Platforms []Platform // default: Platforms
	OutDir    string     // where the assets go; must exist
	Env       []string   // the caller's environment, cleaned by BuildEnv
	Go        string     // the go command; default "go"
	Progress  func(string)
}

// BuildError is a go build that failed, with the compiler's output.
type BuildError struct {
	Platform Platform
	Output   string
	Err      error
}

func (e *BuildError) Error() string {
	return fmt.Sprintf("go build for %s: %v\n%s", e.Platform, e.Err, strings.TrimSpace(e.Output))
}

func (e *BuildError) Unwrap() error { return e.Err }

// Build builds every binary for every platform into OutDir and returns
// the assets, sorted by name. One go command per platform builds all
// binaries, so packages they share are compiled once.
func Build(ctx context.Context, o BuildOptions) ([]Asset, error) {
	if o.Go == "" {
		o.Go = "go"
	}
	if o.Platforms == nil {
		o.Platforms = Platforms
	}
	var assets []Asset
	for _, p := range o.Platforms {
		if o.Progress != nil {
			o.Progress(fmt.Sprintf("building %s for %s", strings.Join(o.Binaries, ", "), p))
		}
		built, err := buildPlatform(ctx, o, p)
		if err != nil {
			return nil, err
		}
		assets = append(assets, built...)
	}
	slices.SortFunc(assets, func(a, b Asset) int { return strings.Compare(a.Name, b.Name) })
	return assets, nil
}

func buildPlatform(ctx context.Context, o BuildOptions, p Platform) ([]Asset, error) {
	tmp, err := os.MkdirTemp(o.OutDir, ".build-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	// -s -w: no symbol table or DWARF, which every run downloads and
	// hashes and none uses (a panic's trace keeps its function names).
	args := []string{"build", "-o", tmp + string(filepath.Separator),
		"-trimpath", "-buildvcs=false", "-ldflags=-buildid= -s -w -X main.version=" + string(o.Version)}
	for _, b := range o.Binaries {
		args = append(args, "./cmd/"+b)
	}
	cmd := exec.CommandContext(ctx, o.Go, args...)
	cmd.Dir = o.Root
	cmd.Env = BuildEnv(o.Env, p)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, &BuildError{Platform: p, Output: out.String(), Err: err}
	}
	var assets []Asset
	for _, b := range o.Binaries {
		a := Asset{Name: AssetName(b, o.Version, p)}
		a.Path = filepath.Join(o.OutDir, a.Name)
		if err := os.Rename(filepath.Join(tmp, b), a.Path); err != nil {
			return nil, err
		}
		if a.SHA256, err = fileSHA256(a.Path); err != nil {
			return nil, err
		}
		assets = append(assets, a)
	}
	return assets, nil
}

// keptGoVars are the Go variables of the caller a release build keeps:
// where modules come from and where caches go. They change how fast a
// build is, never its bytes.
var keptGoVars = []string{"GOPATH", "GOCACHE", "GOMODCACHE", "GOTMPDIR", "GOROOT",
	"GOPROXY", "GONOPROXY", "GOPRIVATE", "GONOSUMDB", "GOSUMDB", "GOINSECURE", "GOAUTH", "GOVCS"}

// BuildEnv is env without the Go settings that change what a build makes
// (every GO* and CGO_* variable not in keptGoVars), plus those of a
// release build for p. See the package documentation.
func BuildEnv(env []string, p Platform) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if (strings.HasPrefix(k, "GO") || strings.HasPrefix(k, "CGO_")) && !slices.Contains(keptGoVars, k) {
			continue
		}
		out = append(out, kv)
	}
	return append(out, "GOOS="+p.OS, "GOARCH="+p.Arch, "CGO_ENABLED=0", "GOFLAGS=",
		"GOENV=off", "GOWORK=off", "GOTOOLCHAIN=local")
}

// GoVersion is what `go version` says of the Go that Build would use.
func GoVersion(ctx context.Context, goCmd string, env []string) (string, error) {
	if goCmd == "" {
		goCmd = "go"
	}
	cmd := exec.CommandContext(ctx, goCmd, "version")
	cmd.Env = BuildEnv(env, Platform{"linux", "amd64"})
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go version: %w: %s", err, bytes.TrimSpace(out))
	}
	return strings.TrimSpace(string(out)), nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return readerSHA256(f)
}

func readerSHA256(r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
