package atomicfile_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/pkg/atomicfile"
)

// entries lists dir so a test can prove no temporary file was left behind.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func wantEntries(t *testing.T, dir string, want ...string) {
	t.Helper()
	if got := entries(t, dir); !slices.Equal(got, want) {
		t.Errorf("directory %s holds %q, want exactly %q", dir, got, want)
	}
}

func wantContent(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s holds %q, want %q", path, got, want)
	}
}

func TestWrite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		old  *string // content already at the path, if any
		data string
		perm os.FileMode
	}{
		{name: "new-file", data: "{}\n", perm: 0o644},
		{name: "replaces-existing", old: ptr("old content that is longer"), data: "new", perm: 0o600},
		{name: "empty-data", old: ptr("old"), data: "", perm: 0o640},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "out.json")
			if tt.old != nil {
				if err := os.WriteFile(path, []byte(*tt.old), 0o666); err != nil {
					t.Fatal(err)
				}
			}
			if err := atomicfile.Write(path, []byte(tt.data), tt.perm); err != nil {
				t.Fatalf("Write: %v", err)
			}
			wantContent(t, path, tt.data)
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != tt.perm {
				t.Errorf("mode %v, want %v", fi.Mode().Perm(), tt.perm)
			}
			wantEntries(t, dir, "out.json")
		})
	}
}

func TestWriteErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// path returns the destination inside the test's directory.
		path func(dir string) string
		want func(dir string) string
	}{
		{
			name: "missing-directory",
			path: func(dir string) string { return filepath.Join(dir, "nope", "out.json") },
			want: func(dir string) string {
				return `output directory "` + filepath.Join(dir, "nope") + `" does not exist: create it first or choose another output path: `
			},
		},
		{
			name: "path-is-directory",
			path: func(dir string) string { return dir },
			want: func(dir string) string {
				return `output path "` + dir + `" is a directory: give a file name inside it`
			},
		},
		{
			name: "parent-is-file",
			path: func(dir string) string {
				p := filepath.Join(dir, "file")
				if err := os.WriteFile(p, nil, 0o644); err != nil {
					panic(err)
				}
				return filepath.Join(p, "out.json")
			},
			want: func(dir string) string {
				return `cannot create a file in output directory "` + filepath.Join(dir, "file") + `": `
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := tt.path(dir)
			before := entries(t, dir)
			err := atomicfile.Write(path, []byte("data"), 0o644)
			if err == nil {
				t.Fatal("Write succeeded, want an error")
			}
			if want := tt.want(dir); !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error\n%s\nwant prefix\n%s", err, want)
			}
			wantEntries(t, dir, before...)
		})
	}
}

func TestCreateStreams(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "sbom.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := atomicfile.Create(path, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	if f.Name() != path {
		t.Errorf("Name() = %q, want %q", f.Name(), path)
	}
	for range 3 {
		if _, err := f.Write([]byte("chunk\n")); err != nil {
			t.Fatal(err)
		}
		// Readers must keep seeing the old file while the new one grows.
		wantContent(t, path, "old")
	}
	if got := len(entries(t, dir)); got != 2 {
		t.Errorf("%d entries while writing, want the file and one temporary file", got)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	wantContent(t, path, "chunk\nchunk\nchunk\n")
	wantEntries(t, dir, "sbom.json")

	f.Abort() // after Commit: must not remove the committed file
	wantContent(t, path, "chunk\nchunk\nchunk\n")
	if _, err := f.Write([]byte("x")); err == nil || !strings.Contains(err.Error(), "after Commit or Abort") {
		t.Errorf("Write after Commit: err = %v, want one saying after Commit or Abort", err)
	}
	if err := f.Commit(); err == nil {
		t.Error("second Commit succeeded, want an error")
	}
}

func TestCreateAbortKeepsOld(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		old  *string
	}{
		{name: "existing-file", old: ptr("old")},
		{name: "no-file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "out.xml")
			var want []string
			if tt.old != nil {
				if err := os.WriteFile(path, []byte(*tt.old), 0o644); err != nil {
					t.Fatal(err)
				}
				want = []string{"out.xml"}
			}
			f, err := atomicfile.Create(path, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Write(bytes.Repeat([]byte("partial"), 1000)); err != nil {
				t.Fatal(err)
			}
			f.Abort()
			f.Abort() // twice is harmless
			wantEntries(t, dir, want...)
			if tt.old != nil {
				wantContent(t, path, *tt.old)
			} else if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("Stat after Abort: %v, want not-exist", err)
			}
			if err := f.Commit(); err == nil {
				t.Error("Commit after Abort succeeded, want an error")
			}
			wantEntries(t, dir, want...)
		})
	}
}

func TestCreateEmptyPath(t *testing.T) {
	t.Parallel()
	_, err := atomicfile.Create("", 0o644)
	if err == nil || err.Error() != "output path is empty: give a file name" {
		t.Errorf("err = %v", err)
	}
}

func ptr(s string) *string { return &s }
