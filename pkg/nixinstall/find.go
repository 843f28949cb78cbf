// Package nixinstall holds what getting Nix onto a machine takes: finding
// a Nix that is already there, and downloading, verifying, unpacking and
// running the official installer when none is.
package nixinstall

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/voidnxsec/nixops-actions/pkg/nix/store"
)

// ErrNotFound is returned by Find when no directory holds a nix binary.
var ErrNotFound = errors.New("no Nix found")

// Nix is an installed Nix.
type Nix struct {
	Bin     string // absolute path of the nix binary
	BinDir  string // the directory holding it, as found (not resolved)
	Version store.Version
}

// SearchDirs are the places Nix lives, best first: the multi-user default
// profile, NixOS's system profile, a single-user profile in home, then the
// absolute entries of path. Relative PATH entries are left out: they name
// whatever directory the step happens to run in.
func SearchDirs(home, path string) []string {
	dirs := []string{"/nix/var/nix/profiles/default/bin", "/run/current-system/sw/bin"}
	if home != "" {
		dirs = append(dirs, filepath.Join(home, ".nix-profile/bin"))
	}
	for _, d := range filepath.SplitList(path) {
		if filepath.IsAbs(d) {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// Find returns the first executable nix in dirs, with its version.
func Find(ctx context.Context, dirs []string) (*Nix, error) {
	for _, d := range dirs {
		bin := filepath.Join(d, "nix")
		if fi, err := os.Stat(bin); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			continue
		}
		v, err := Version(ctx, bin)
		if err != nil {
			return nil, err
		}
		return &Nix{Bin: bin, BinDir: d, Version: v}, nil
	}
	return nil, fmt.Errorf("%w in %s", ErrNotFound, strings.Join(dirs, ", "))
}

// Version runs `nix --version`.
func Version(ctx context.Context, bin string) (store.Version, error) {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "--version")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return store.Version{}, fmt.Errorf("%s --version: %w: %s", bin, err, strings.TrimSpace(stderr.String()))
	}
	return store.ParseVersion(string(out))
}

// StoreDir asks nix where its store is (NIX_STORE_DIR and a store URL's
// ?store= move it): the directory store paths start with.
func StoreDir(ctx context.Context, bin string, env []string) (string, error) {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "--extra-experimental-features", "nix-command",
		"eval", "--raw", "--expr", "builtins.storeDir")
	cmd.Env = env
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s eval builtins.storeDir: %w: %s", bin, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}
