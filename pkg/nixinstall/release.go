package nixinstall

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Systems are the platforms the official releases ship a tarball for and
// setup-nix installs on.
var Systems = []string{"x86_64-linux", "aarch64-linux", "aarch64-darwin"}

// Table is the verified release table (setup-nix/versions.json): for each
// version, the SHA-256 the Nix project published for each system's
// tarball, and where that value was read.
type Table struct {
	Comment  string             `json:"comment,omitempty"`
	Versions map[string]Release `json:"versions"`
}

// Release is one version's tarball hashes.
type Release struct {
	SHA256 map[string]string `json:"sha256"`
	// Source names where the hashes were read (the .sha256 files beside
	// the tarballs, or the version's official install script).
	Source string `json:"source"`
}

var (
	versionRE = regexp.MustCompile(`^\d+\.\d+\.\d+$`)
	hexRE     = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// ParseTable reads and checks a table: version numbers, known systems,
// 64 lower-case hex digits, a source for every version.
func ParseTable(data []byte) (*Table, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var t Table
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("the release table is not valid: %w", err)
	}
	if t.Versions == nil {
		return nil, errors.New(`the release table has no "versions" object`)
	}
	var errs []error
	for v, r := range t.Versions {
		if !versionRE.MatchString(v) {
			errs = append(errs, fmt.Errorf("version %q is not MAJOR.MINOR.PATCH", v))
		}
		if strings.TrimSpace(r.Source) == "" {
			errs = append(errs, fmt.Errorf("version %s: no source says where its hashes come from", v))
		}
		for sys, h := range r.SHA256 {
			if !slices.Contains(Systems, sys) {
				errs = append(errs, fmt.Errorf("version %s: system %q is not one of %s", v, sys, strings.Join(Systems, ", ")))
			}
			if !hexRE.MatchString(h) {
				errs = append(errs, fmt.Errorf("version %s, %s: %q is not a SHA-256 in 64 lower-case hex digits", v, sys, h))
			}
		}
	}
	return &t, errors.Join(errs...)
}

// Newest is the highest version of the table that has every system: the
// default install. "" when none has.
func (t *Table) Newest() string {
	best := ""
	for v, r := range t.Versions {
		if len(r.SHA256) == len(Systems) && (best == "" || less(best, v)) {
			best = v
		}
	}
	return best
}

func less(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := range pa {
		x, _ := strconv.Atoi(pa[i])
		y, _ := strconv.Atoi(pb[i])
		if x != y {
			return x < y
		}
	}
	return false
}

// UnknownError is a version or system the table has no hash for.
type UnknownError struct {
	Version, System string
	Known           []string // versions that have System
}

func (e *UnknownError) Error() string {
	known := "none"
	if len(e.Known) > 0 {
		known = strings.Join(e.Known, ", ")
	}
	return fmt.Sprintf("no verified SHA-256 for Nix %s on %s (verified versions for %s: %s)", e.Version, e.System, e.System, known)
}

// SHA256 is the published hash of version's tarball for system.
func (t *Table) SHA256(version, system string) (string, error) {
	if h, ok := t.Versions[version].SHA256[system]; ok {
		return h, nil
	}
	e := &UnknownError{Version: version, System: system}
	for v, r := range t.Versions {
		if _, ok := r.SHA256[system]; ok {
			e.Known = append(e.Known, v)
		}
	}
	slices.SortFunc(e.Known, func(a, b string) int {
		if less(a, b) {
			return 1
		}
		return -1
	})
	return "", e
}

// ErrIntelMac: Nix 2.36.0 stopped shipping x86_64-darwin installers and
// binaries, so 2.35 is the last release series with an Intel macOS
// tarball (as cachix/install-nix-action's v32 notes record, citing the
// Nix 2.36.0 announcement). setup-nix installs none.
var ErrIntelMac = errors.New("Intel macOS (x86_64-darwin) is not a system setup-nix installs Nix on: Nix 2.36.0 dropped it, " +
	"and 2.35 was the last release series with an x86_64-darwin tarball. Use an Apple silicon runner (macos-14 or later), " +
	"or install Nix 2.35 or earlier on the machine yourself and setup-nix adopts it")

// System is the Nix name of the platform GOOS/GOARCH describe.
func System(goos, goarch string) (string, error) {
	arch := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[goarch]
	switch {
	case goos == "darwin" && arch == "x86_64":
		return "", ErrIntelMac
	case arch == "" || (goos != "linux" && goos != "darwin"):
		return "", fmt.Errorf("Nix releases have no tarball for %s/%s: they exist for %s", goos, goarch, strings.Join(Systems, ", "))
	}
	return arch + "-" + goos, nil
}

// TarballURL is where a release's tarball lives below base (the release
// host's /nix directory).
func TarballURL(base, version, system string) string {
	return fmt.Sprintf("%s/nix-%s/nix-%s-%s.tar.xz", strings.TrimRight(base, "/"), version, version, system)
}
