// Package storepath knows the shape of Nix store paths,
// <store dir>/<hash>-<name>, and where a store keeps their files on this
// machine. The other Nix packages ask it rather than slicing strings.
//
// It is modelled on go-nix's storepath package, which fixes the store
// directory at /nix/store; here the directory is a parameter, since a store
// opened with `local?store=DIR` names its paths under DIR.
package storepath

import (
	"fmt"
	"path"
	"strings"

	"github.com/nix-community/go-nix/pkg/nixbase32"
)

// DefaultStoreDir is where Nix keeps store paths unless told otherwise.
const DefaultStoreDir = "/nix/store"

// HashLen is the length of the hash part: 160 bits in nixbase32.
const HashLen = 32

// maxNameLen is Nix's limit on the name part (libstore/path.cc).
const maxNameLen = 211

// Path is a store path taken apart.
type Path struct {
	Dir  string // the store directory, without a trailing slash
	Hash string // HashLen nixbase32 characters
	Name string
}

// String is the absolute store path.
func (p Path) String() string { return p.Dir + "/" + p.Base() }

// Base is the store path without its directory: <hash>-<name>.
func (p Path) Base() string { return p.Hash + "-" + p.Name }

// IsDerivation says whether the path is a store derivation (a .drv file).
func (p Path) IsDerivation() bool { return strings.HasSuffix(p.Name, ".drv") }

// Parse reads an absolute store path in storeDir, with nothing below it.
func Parse(storeDir, s string) (Path, error) {
	base, ok := strings.CutPrefix(s, storeDir+"/")
	if !ok {
		return Path{}, fmt.Errorf("%q is not in the store directory %s", s, storeDir)
	}
	hash, name, err := ParseBase(base)
	if err != nil {
		return Path{}, fmt.Errorf("%q is not a store path: %w", s, err)
	}
	return Path{Dir: storeDir, Hash: hash, Name: name}, nil
}

// Split reads a path inside storeDir that may go below a store path, as
// the target of a result link does (/nix/store/<hash>-x/bin/x): it returns
// the store path and what follows it ("/bin/x", or "").
func Split(storeDir, s string) (Path, string, error) {
	base, ok := strings.CutPrefix(s, storeDir+"/")
	if !ok {
		return Path{}, "", fmt.Errorf("%q is not in the store directory %s", s, storeDir)
	}
	rest := ""
	if i := strings.IndexByte(base, '/'); i >= 0 {
		base, rest = base[:i], base[i:]
	}
	p, err := Parse(storeDir, storeDir+"/"+base)
	return p, rest, err
}

// ParseBase splits a store path basename into hash and name, checking
// both as Nix does: the hash in nixbase32, the name of at most 211
// characters from [a-zA-Z0-9+-._?=] (libstore/path.cc; Nix 2.8 to 2.34
// agree, a leading dot included).
func ParseBase(base string) (hash, name string, err error) {
	if len(base) < HashLen+2 || base[HashLen] != '-' {
		return "", "", fmt.Errorf("want <%d-character hash>-<name>", HashLen)
	}
	hash, name = base[:HashLen], base[HashLen+1:]
	if !isHash(hash) {
		return "", "", fmt.Errorf("hash part %q is not nixbase32 (%s)", hash, nixbase32.Alphabet)
	}
	if err := checkName(name); err != nil {
		return "", "", err
	}
	return hash, name, nil
}

func checkName(name string) error {
	if len(name) > maxNameLen {
		return fmt.Errorf("name is %d characters long, more than Nix's %d", len(name), maxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("+-._?=", c) >= 0) {
			return fmt.Errorf("name %q holds %q, outside [a-zA-Z0-9+-._?=]", name, c)
		}
	}
	return nil
}

func isHash(s string) bool {
	for i := 0; i < len(s); i++ {
		if !nixbase32.Is(s[i]) {
			return false
		}
	}
	return true
}

// Name returns the name part of a store path or of its basename:
// "/nix/store/<hash>-hello-1.0" gives "hello-1.0". Anything without the
// "<hash>-" prefix comes back as its basename, unchanged, so callers can
// pass names they are unsure about.
func Name(s string) string {
	base := s[strings.LastIndexByte(s, '/')+1:]
	if len(base) > HashLen && base[HashLen] == '-' && isHash(base[:HashLen]) {
		return base[HashLen+1:]
	}
	return base
}

// InDir says whether s names something inside storeDir: a store path or a
// file below one.
func InDir(storeDir, s string) bool { return strings.HasPrefix(s, storeDir+"/") }

// Join turns a basename, as Nix 2.32+ prints them, into a store path in
// storeDir; an absolute path is returned as it is.
func Join(storeDir, s string) string {
	if strings.HasPrefix(s, "/") {
		return s
	}
	return path.Join(storeDir, s)
}
