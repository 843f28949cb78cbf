package metricfile

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"
)

// DefaultMaxFileSize bounds one metrics file: far above what the suite's
// actions write (a 10,000-package SBOM's file is under 1 MiB), far below
// what would exhaust a runner's memory once parsed.
const DefaultMaxFileSize = 64 << 20

// MaxFileSize sets AddFile's limit on one file's size in bytes.
func (s *Set) MaxFileSize(n int64) *Set { s.maxFile = n; return s }

// NotRegularError is a path AddFile refuses because it is not a regular
// file: a directory, a FIFO (which would block the read), a device or a
// socket.
type NotRegularError struct {
	Path string
	Mode fs.FileMode
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("%s: not a regular file (%s); only regular files are read as metrics", e.Path, kind(e.Mode))
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.String()
}

// TooLargeError is a file over the size limit.
type TooLargeError struct {
	Path  string
	Size  int64 // bytes, or at least Limit+1 when it grew while read
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s: %d bytes, over the limit of %d bytes for one metrics file", e.Path, e.Size, e.Limit)
}

// AddFile reads and merges one regular file no larger than the limit
// (DefaultMaxFileSize unless MaxFileSize says otherwise).
func (s *Set) AddFile(path string) error {
	data, err := s.readFile(path)
	if err != nil {
		return err
	}
	return s.add(path, data)
}

// readFile reads path into a string without a second copy. The open does
// not block on a FIFO (O_NONBLOCK), and the type is checked on the opened
// file, so a path swapped after a check cannot slip through.
func (s *Set) readFile(path string) (string, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return "", fmt.Errorf("reading metrics: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("reading metrics: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return "", &NotRegularError{Path: path, Mode: fi.Mode()}
	}
	if fi.Size() > s.maxFile {
		return "", &TooLargeError{Path: path, Size: fi.Size(), Limit: s.maxFile}
	}
	var b strings.Builder
	b.Grow(int(fi.Size()))
	n, err := io.Copy(&b, io.LimitReader(f, s.maxFile+1))
	if err != nil {
		return "", fmt.Errorf("reading metrics: %w", err)
	}
	if n > s.maxFile {
		return "", &TooLargeError{Path: path, Size: n, Limit: s.maxFile}
	}
	return b.String(), nil
}
