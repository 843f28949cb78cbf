package closure

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotLocalFlake: the target is not a flake in a local directory, so it
// has no earlier version in that directory's git history.
var ErrNotLocalFlake = errors.New("not a flake in a local directory (such as .#default or path:./dir#pkg)")

// LocalFlake is a target that names a flake by its directory.
type LocalFlake struct {
	Dir      string // absolute
	scheme   string // "path:" or ""
	fragment string // "#pkg" or ""
}

// ParseLocalFlake reads spec as a flake in a directory on disk: a path,
// relative to the working directory or absolute, or path: and a path,
// optionally followed by #attribute. The directory must hold flake.nix;
// store paths and result links do not.
func ParseLocalFlake(spec string) (*LocalFlake, error) {
	ref, frag, _ := strings.Cut(spec, "#")
	f := &LocalFlake{}
	if frag != "" || strings.HasSuffix(spec, "#") {
		f.fragment = "#" + frag
	}
	if rest, ok := strings.CutPrefix(ref, "path:"); ok {
		f.scheme, ref = "path:", rest
	}
	// Anything else with a scheme or a registry name (nixpkgs#x) is not here.
	if !strings.HasPrefix(ref, ".") && !strings.HasPrefix(ref, "/") {
		return nil, &TargetError{Spec: spec, Err: ErrNotLocalFlake}
	}
	if strings.Contains(ref, "?") {
		return nil, &TargetError{Spec: spec, Err: ErrNotLocalFlake}
	}
	dir, err := filepath.Abs(ref)
	if err != nil {
		return nil, &TargetError{Spec: spec, Err: err}
	}
	if fi, err := os.Stat(filepath.Join(dir, "flake.nix")); err != nil || !fi.Mode().IsRegular() {
		return nil, &TargetError{Spec: spec, Err: ErrNotLocalFlake}
	}
	f.Dir = dir
	return f, nil
}

// In is the same flake in another checkout: the directory at rel below
// root, with the scheme and attribute as given.
func (f *LocalFlake) In(root, rel string) string {
	return f.scheme + filepath.Join(root, rel) + f.fragment
}
