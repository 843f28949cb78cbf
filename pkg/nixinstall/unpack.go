package nixinstall

import (
	"archive/tar"
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/xi2/xz"
)

// EntryError is a tarball entry that would reach outside the directory
// it is unpacked into; nothing of such a tarball is run.
type EntryError struct {
	Name, Problem string
}

func (e *EntryError) Error() string {
	return fmt.Sprintf("tarball entry %q %s; nothing was run", e.Name, e.Problem)
}

// storeDir is where the installer copies the tarball's store/: absolute
// links into it are how store paths refer to each other.
const storeDir = "/nix/store/"

// Unpack extracts the xz-compressed tarball at file into dir (which must
// exist). It refuses absolute names, "..", links leaving the tree, and
// entries written through a link. An absolute symlink is allowed only
// into /nix/store/<a store path the tarball itself holds>, where the
// installer puts it; that is checked once every entry is known.
func Unpack(file, dir string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	// xi2/xz (a port of XZ Embedded) decodes about 1.5x faster than
	// ulikunitz/xz; decoding in its own goroutine overlaps it with
	// writing the files.
	xr, err := xz.NewReader(bufio.NewReaderSize(f, 1<<20), 0)
	if err != nil {
		return fmt.Errorf("%s is not an xz file: %w", file, err)
	}
	pr, pw := io.Pipe()
	defer pr.Close() // stops the decoder when an entry is refused
	go func() {
		_, err := io.Copy(pw, xr)
		pw.CloseWithError(err)
	}()
	u := &unpacker{dir: dir, links: map[string]bool{}, storePaths: map[string]bool{}}
	tr := tar.NewReader(bufio.NewReaderSize(pr, 1<<20))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return u.checkStoreLinks()
		}
		if err != nil {
			return fmt.Errorf("reading the tarball: %w", err)
		}
		if err := u.entry(h, tr); err != nil {
			return err
		}
	}
}

type unpacker struct {
	dir        string
	links      map[string]bool // names of symlinks made so far
	storeLinks []*tar.Header   // absolute links into /nix/store
	storePaths map[string]bool // <top>/store/<name> entries seen
}

func (u *unpacker) entry(h *tar.Header, r io.Reader) error {
	name, err := u.check(h)
	if err != nil {
		return err
	}
	if parts := strings.Split(name, "/"); len(parts) >= 3 && parts[1] == "store" {
		u.storePaths[parts[2]] = true
	}
	dst := filepath.Join(u.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	switch h.Typeflag {
	case tar.TypeDir:
		return os.MkdirAll(dst, 0o755)
	case tar.TypeReg:
		return writeFile(dst, r, h.FileInfo().Mode().Perm())
	case tar.TypeSymlink:
		if path.IsAbs(h.Linkname) {
			u.storeLinks = append(u.storeLinks, h)
		}
		u.links[name] = true
		return os.Symlink(h.Linkname, dst)
	case tar.TypeLink:
		return os.Link(filepath.Join(u.dir, filepath.FromSlash(path.Clean(h.Linkname))), dst)
	}
	return &EntryError{h.Name, fmt.Sprintf("has type %q, which a Nix release tarball never holds", h.Typeflag)}
}

// check returns the cleaned name, or why the entry may not be unpacked.
func (u *unpacker) check(h *tar.Header) (string, error) {
	if path.IsAbs(h.Name) || strings.Contains(h.Name, `\`) {
		return "", &EntryError{h.Name, "has an absolute name"}
	}
	name := path.Clean(h.Name)
	if name == ".." || strings.HasPrefix(name, "../") || slices.Contains(strings.Split(h.Name, "/"), "..") {
		return "", &EntryError{h.Name, "climbs out of the tree with .."}
	}
	for p := path.Dir(name); p != "."; p = path.Dir(p) {
		if u.links[p] {
			return "", &EntryError{h.Name, "is written through the link " + p}
		}
	}
	switch h.Typeflag {
	case tar.TypeLink:
		if t := path.Clean(h.Linkname); path.IsAbs(h.Linkname) || t == ".." || strings.HasPrefix(t, "../") {
			return "", &EntryError{h.Name, fmt.Sprintf("is a hard link to %q, outside the tree", h.Linkname)}
		}
		for p := path.Clean(h.Linkname); p != "."; p = path.Dir(p) {
			if u.links[p] {
				return "", &EntryError{h.Name, "is a hard link through the symlink " + p}
			}
		}
	case tar.TypeSymlink:
		if path.IsAbs(h.Linkname) {
			if !strings.HasPrefix(path.Clean(h.Linkname), storeDir) {
				return "", &EntryError{h.Name, fmt.Sprintf("links to %q, outside the tree and the Nix store", h.Linkname)}
			}
			break
		}
		if t := path.Join(path.Dir(name), h.Linkname); t == ".." || strings.HasPrefix(t, "../") {
			return "", &EntryError{h.Name, fmt.Sprintf("links to %q, outside the tree", h.Linkname)}
		}
	}
	return name, nil
}

// checkStoreLinks: an absolute link must name a store path of this tarball.
func (u *unpacker) checkStoreLinks() error {
	for _, h := range u.storeLinks {
		rest := strings.TrimPrefix(path.Clean(h.Linkname), storeDir)
		top, _, _ := strings.Cut(rest, "/")
		if !u.storePaths[top] {
			return &EntryError{h.Name, fmt.Sprintf("links to %q, a store path the tarball does not hold", h.Linkname)}
		}
	}
	return nil
}

func writeFile(dst string, r io.Reader, perm os.FileMode) error {
	// O_EXCL: an entry never replaces (or follows) what is already there.
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm|0o200)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	return errors.Join(err, f.Close())
}
