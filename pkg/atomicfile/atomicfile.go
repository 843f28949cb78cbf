// Package atomicfile writes output files so that readers see either the old
// content or the complete new content, never a partial file: data goes to a
// temporary file in the same directory (same filesystem, so rename is atomic),
// is flushed to disk, and is then renamed over the destination.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Write stores data at path with permissions perm (applied exactly; the
// umask is not consulted). On any error the temporary file is removed and an
// existing file at path is left untouched.
func Write(path string, data []byte, perm os.FileMode) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Commit()
}

// File is a pending replacement of a file. Write to it, then Commit to make
// it appear at its path, or Abort to discard it. `defer f.Abort()` right after
// Create is safe: Abort after Commit does nothing.
type File struct {
	path string
	perm os.FileMode
	tmp  *os.File
	err  error // first write error; Commit refuses to publish after one
	done bool
}

// Create starts writing a replacement for path. Nothing appears at path
// until Commit succeeds.
func Create(path string, perm os.FileMode) (*File, error) {
	if path == "" {
		return nil, errors.New("output path is empty: give a file name")
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("output path %q is a directory: give a file name inside it", path)
	}
	dir := filepath.Dir(path)
	// The leading dot keeps the temporary file out of globs such as *.json.
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, dirError(dir, err)
	}
	return &File{path: path, perm: perm, tmp: tmp}, nil
}

func dirError(dir string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("output directory %q does not exist: create it first or choose another output path: %w", dir, err)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("output directory %q is not writable: fix its permissions or choose another output path: %w", dir, err)
	default:
		return fmt.Errorf("cannot create a file in output directory %q: %w", dir, err)
	}
}

// Name returns the path the file will have once committed.
func (f *File) Name() string { return f.path }

// Write implements io.Writer. After the first error every later Write and
// Commit fail, so a writer that ignores one error cannot publish a torn file.
func (f *File) Write(p []byte) (int, error) {
	if f.done {
		return 0, fmt.Errorf("write to %q after Commit or Abort", f.path)
	}
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.tmp.Write(p)
	if err != nil {
		f.err = fmt.Errorf("writing %q failed (is the disk full?): %w", f.path, err)
		return n, f.err
	}
	return n, nil
}

// WriteAt implements io.WriterAt, for a writer that fills in a value it
// could only know once the rest was written (a content hash in a header).
func (f *File) WriteAt(p []byte, off int64) (int, error) {
	if f.done {
		return 0, fmt.Errorf("write to %q after Commit or Abort", f.path)
	}
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.tmp.WriteAt(p, off)
	if err != nil {
		f.err = fmt.Errorf("writing %q failed: %w", f.path, err)
	}
	return n, f.err
}

// Commit flushes the data to disk and renames it over path. On error the
// temporary file is removed and any existing file at path is unchanged.
func (f *File) Commit() error {
	if f.done {
		return fmt.Errorf("commit of %q after Commit or Abort", f.path)
	}
	if err := f.publish(); err != nil {
		f.Abort()
		return err
	}
	f.done = true
	syncDir(filepath.Dir(f.path))
	return nil
}

func (f *File) publish() error {
	if f.err != nil {
		return f.err
	}
	if err := f.tmp.Chmod(f.perm); err != nil {
		return fmt.Errorf("setting permissions of %q: %w", f.path, err)
	}
	if err := f.tmp.Sync(); err != nil {
		return fmt.Errorf("flushing %q to disk failed (is the disk full?): %w", f.path, err)
	}
	if err := f.tmp.Close(); err != nil {
		return fmt.Errorf("closing %q failed (is the disk full?): %w", f.path, err)
	}
	if err := os.Rename(f.tmp.Name(), f.path); err != nil {
		return fmt.Errorf("cannot replace %q: %w", f.path, err)
	}
	return nil
}

// Abort discards the pending content. It is a no-op after Commit or Abort.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	_ = f.tmp.Close()
	_ = os.Remove(f.tmp.Name())
}

// syncDir makes the rename itself durable. It is best effort: the new file is
// already in place and complete, and some filesystems refuse to fsync a
// directory.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
