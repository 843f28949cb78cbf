package reportdir_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/voidnxsec/nixops-actions/pkg/dora"
	"github.com/voidnxsec/nixops-actions/pkg/dora/exposition"
	"github.com/voidnxsec/nixops-actions/pkg/dora/reportdir"
)

func load(t *testing.T, name string) *dora.Report {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "reports", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := dora.DecodeReport(f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Write makes the directory and writes the bytes of EncodeReport and of
// the exposition writer, nothing else.
func TestWrite(t *testing.T) {
	r := load(t, "full")
	dir := filepath.Join(t.TempDir(), "a", "b")
	f, err := reportdir.Write(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	if f.Report != filepath.Join(dir, "dora.json") || f.Metrics != filepath.Join(dir, "dora.prom") {
		t.Errorf("files %+v", f)
	}
	want, _ := dora.EncodeReport(r)
	var prom bytes.Buffer
	if err := exposition.Write(&prom, r); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string][]byte{f.Report: want, f.Metrics: prom.Bytes()} {
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %v, content differs from the writer's", path, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("%d entries in %s, want the two files and no leftovers", len(entries), dir)
	}
}

// A directory that cannot be made (a file in its way) is a ConfigError of
// OutputDir naming the directory.
func TestWriteUnwritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := reportdir.Write(filepath.Join(file, "out"), load(t, "full"))
	var ce *dora.ConfigError
	if !errors.As(err, &ce) || ce.Field != "OutputDir" || !bytes.Contains([]byte(err.Error()), []byte(file)) {
		t.Fatalf("error %v, want a ConfigError of OutputDir naming the directory", err)
	}
}
