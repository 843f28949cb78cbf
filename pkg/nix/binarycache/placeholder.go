package binarycache

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/voidnxsec/nixops-actions/pkg/nix/pathinfo"
)

// Placeholder writes a narinfo for in, with no NAR behind it, unless dir
// already holds the path. Nix adds a path to a binary cache only when
// every reference is in it ("cannot add … because the reference … is not
// valid"); a cache that leaves out what upstream serves writes
// placeholders for those references before `nix copy`, and Prune removes
// them after.
func Placeholder(dir string, in pathinfo.Info) error {
	base := path.Base(in.Path)
	hash, _, ok := strings.Cut(base, "-")
	if !ok || in.NarHash == "" {
		return fmt.Errorf("placeholder for %q: not a valid path", in.Path)
	}
	name := filepath.Join(dir, hash+".narinfo")
	if _, err := os.Stat(name); !errors.Is(err, os.ErrNotExist) {
		return err
	}
	refs := make([]string, len(in.References))
	for i, r := range in.References {
		refs[i] = path.Base(r)
	}
	text := fmt.Sprintf("StorePath: %s\nURL: nar/placeholder-%s.nar\nCompression: none\nNarHash: %s\nNarSize: %d\nReferences: %s\n",
		in.Path, hash, in.NarHash, in.NarSize, strings.Join(refs, " "))
	return os.WriteFile(name, []byte(text), 0o644)
}
