// Package fuzzcorpus seeds fuzz tests with the fixtures their table tests
// already read, so that fuzzing starts from every shape a parser knows.
package fuzzcorpus

import (
	"os"
	"path/filepath"
	"testing"
)

// AddFiles adds the content of every file matching pattern (a
// filepath.Glob pattern) to the seed corpus of f.
func AddFiles(f *testing.F, pattern string) {
	f.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}
