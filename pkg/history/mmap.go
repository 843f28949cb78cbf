package history

import (
	"errors"
	"io"
	"path"
	"strings"

	"github.com/go-git/go-billy/v5"
	"golang.org/x/exp/mmap"
)

// mappedFS serves pack files and commit-graph files from memory maps.
// go-git reads them with small positioned reads, one system call each;
// 100,000 commits make several hundred thousand of them, which cost more
// than decoding. A map turns them into memory copies.
type mappedFS struct{ billy.Filesystem }

func mapped(name string) bool {
	return strings.HasSuffix(name, ".pack") || strings.HasSuffix(name, ".graph") ||
		path.Base(name) == "commit-graph"
}

func (m mappedFS) Open(name string) (billy.File, error) {
	if !mapped(name) {
		return m.Filesystem.Open(name)
	}
	r, err := mmap.Open(m.Join(m.Root(), name))
	if err != nil {
		return m.Filesystem.Open(name) // e.g. a file system without maps
	}
	return &mappedFile{name: name, r: r}, nil
}

// mappedFile is a read-only billy.File over a memory map.
type mappedFile struct {
	name string
	r    *mmap.ReaderAt
	off  int64
}

var errReadOnly = errors.New("mapped file is read-only")

func (f *mappedFile) Name() string                            { return f.name }
func (f *mappedFile) Write([]byte) (int, error)               { return 0, errReadOnly }
func (f *mappedFile) Truncate(int64) error                    { return errReadOnly }
func (f *mappedFile) Lock() error                             { return nil }
func (f *mappedFile) Unlock() error                           { return nil }
func (f *mappedFile) Close() error                            { return f.r.Close() }
func (f *mappedFile) ReadAt(p []byte, off int64) (int, error) { return f.r.ReadAt(p, off) }

func (f *mappedFile) Read(p []byte) (int, error) {
	n, err := f.r.ReadAt(p, f.off)
	f.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

func (f *mappedFile) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		off += f.off
	case io.SeekEnd:
		off += int64(f.r.Len())
	default:
		return f.off, errors.New("seek: bad whence")
	}
	if off < 0 {
		return f.off, errors.New("seek: negative offset")
	}
	f.off = off
	return off, nil
}
