// Package binarycache reads and tidies a Nix binary cache kept in a local
// directory, the file:// store `nix copy --to` writes: one <hash>.narinfo
// per store path naming its compressed NAR under nar/, and nix-cache-info.
// Nix itself writes the paths; this package only lists, prunes and
// fingerprints the directory, so a cache saved per job holds exactly the
// closures asked for and never grows without bound.
package binarycache

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Entry is one store path the cache holds.
type Entry struct {
	// StorePath is the full path, from the narinfo's StorePath line.
	StorePath string
	// NAR is the file holding its archive, relative to the cache
	// directory (the narinfo's URL line).
	NAR string
	// Size is the size of that file in bytes (FileSize).
	Size int64
}

// Hash is the hash part of e's store path, which names its narinfo.
func (e Entry) Hash() string {
	base := path.Base(e.StorePath)
	h, _, _ := strings.Cut(base, "-")
	return h
}

// Init makes dir a cache for storeDir if it is not one yet. Priority 10
// puts it before cache.nixos.org (40): a path built by an earlier job of
// this repository is fetched from the runner's disk, not the network.
func Init(dir, storeDir string) error {
	info := filepath.Join(dir, "nix-cache-info")
	if _, err := os.Stat(info); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	text := fmt.Sprintf("StoreDir: %s\nWantMassQuery: 1\nPriority: 10\n", storeDir)
	return os.WriteFile(info, []byte(text), 0o644)
}

// Entries lists the store paths dir holds, sorted by store path. A missing
// directory holds none.
func Entries(dir string) ([]Entry, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.narinfo"))
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(names))
	for _, name := range names {
		e, err := readNarinfo(name)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.StorePath, b.StorePath) })
	return out, nil
}

// DropBroken removes from dir each narinfo whose NAR is missing (a
// placeholder a failed save left, or a file lost on the way) and returns
// the entries left: Nix takes a narinfo alone as the path being there,
// and would neither copy the path again nor substitute it.
func DropBroken(dir string) ([]Entry, error) {
	entries, err := Entries(dir)
	if err != nil {
		return nil, err
	}
	left := entries[:0]
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(dir, e.NAR)); err == nil {
			left = append(left, e)
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Hash()+".narinfo")); err != nil {
			return nil, err
		}
	}
	return left, nil
}

// FormatError is a narinfo this package cannot read.
type FormatError struct {
	File, Problem string
}

func (e *FormatError) Error() string { return e.File + ": " + e.Problem }

func readNarinfo(name string) (Entry, error) {
	f, err := os.Open(name)
	if err != nil {
		return Entry{}, err
	}
	defer f.Close()
	var e Entry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ": ")
		switch {
		case !ok:
		case k == "StorePath":
			e.StorePath = v
		case k == "URL":
			e.NAR = v
		case k == "FileSize":
			fmt.Sscan(v, &e.Size)
		}
	}
	if err := sc.Err(); err != nil {
		return Entry{}, err
	}
	switch {
	case e.StorePath == "":
		return Entry{}, &FormatError{name, "no StorePath line"}
	case strings.TrimSuffix(filepath.Base(name), ".narinfo") != e.Hash():
		return Entry{}, &FormatError{name, "names a store path of another hash: " + e.StorePath}
	case e.NAR == "" || !filepath.IsLocal(e.NAR):
		return Entry{}, &FormatError{name, fmt.Sprintf("URL %q is not a file inside the cache", e.NAR)}
	}
	return e, nil
}

// Fingerprint identifies what entries hold: store paths are named by the
// hash of their content or recipe, so the sorted names are enough.
func Fingerprint(entries []Entry) string {
	h := sha256.New()
	for _, e := range entries {
		fmt.Fprintln(h, e.StorePath)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Size is the bytes entries take on disk, their NARs summed.
func Size(entries []Entry) int64 {
	var n int64
	for _, e := range entries {
		n += e.Size
	}
	return n
}

// Prune removes from dir every store path not in keep, with its NAR, and
// any NAR no narinfo names; nix-cache-info stays. It returns the entries
// left. Logs, realisations and listings are removed too: a restored cache
// only needs to substitute paths.
func Prune(dir string, keep []string) (left []Entry, removed int, err error) {
	entries, err := Entries(dir)
	if err != nil {
		return nil, 0, err
	}
	wanted := make(map[string]bool, len(keep))
	for _, p := range keep {
		wanted[p] = true
	}
	nars := map[string]bool{}
	for _, e := range entries {
		if !wanted[e.StorePath] {
			if err := os.Remove(filepath.Join(dir, e.Hash()+".narinfo")); err != nil {
				return nil, removed, err
			}
			removed++
			continue
		}
		left = append(left, e)
		nars[filepath.Clean(e.NAR)] = true
	}
	return left, removed, removeOthers(dir, nars)
}

// removeOthers deletes what is neither a narinfo, nix-cache-info nor a
// NAR in keep.
func removeOthers(dir string, keep map[string]bool) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case d.IsDir() && rel == "nar":
			return nil
		case d.IsDir():
			if err := os.RemoveAll(p); err != nil {
				return err
			}
			return fs.SkipDir
		case !strings.Contains(rel, "/") && (strings.HasSuffix(rel, ".narinfo") || rel == "nix-cache-info"):
			return nil
		case keep[rel]:
			return nil
		}
		return os.Remove(p)
	})
}
