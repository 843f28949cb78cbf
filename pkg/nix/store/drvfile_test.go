package store

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestReadSmallFile: the whole file whatever the buffer's capacity (empty,
// smaller than the file, already holding bytes that must be kept), and a
// missing file as a PathError.
func TestReadSmallFile(t *testing.T) {
	dir := t.TempDir()
	big := bytes.Repeat([]byte("Derive([(\"out\",\"/nix/store/x\",\"\",\"\")],"), 5000) // about 200 KiB
	path := filepath.Join(dir, "big.drv")
	if err := os.WriteFile(path, big, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, buf := range [][]byte{nil, make([]byte, 0, 10), []byte("kept:")} {
		prefix := string(buf)
		got, err := readSmallFile(path, buf)
		if err != nil || string(got) != prefix+string(big) {
			t.Errorf("buffer %q: %d bytes, %v; want the prefix and %d bytes", prefix, len(got), err, len(big))
		}
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := readSmallFile(empty, nil); err != nil || len(got) != 0 {
		t.Errorf("empty file: %q, %v", got, err)
	}
	_, err := readSmallFile(filepath.Join(dir, "missing.drv"), nil)
	var pe *fs.PathError
	if !errors.As(err, &pe) || !errors.Is(err, fs.ErrNotExist) || pe.Op != "open" {
		t.Errorf("missing file: %v, want an open PathError that is ErrNotExist", err)
	}
}
