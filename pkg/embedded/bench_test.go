package embedded

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkScan scans 200 store paths shaped like a closure: Go binaries,
// Python and npm packages, Java archives, and paths of plain text (docs,
// headers) that hold no packages but must still be walked.
func BenchmarkScan(b *testing.B) {
	root, paths := benchStore(b, 200)
	size := treeSize(b, root)
	for _, workers := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			s := New(inChroot(root), WithWorkers(workers))
			var elapsed time.Duration
			for b.Loop() {
				start := time.Now()
				got, err := s.Scan(context.Background(), paths)
				elapsed += time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				if len(got) != 160 {
					b.Fatalf("found packages in %d store paths, want 160", len(got))
				}
			}
			b.ReportMetric(float64(len(paths)*b.N)/elapsed.Seconds(), "paths/s")
			b.ReportMetric(float64(size*int64(b.N))/1e6/elapsed.Seconds(), "MB/s")
		})
	}
}

func benchStore(b testing.TB, n int) (string, []string) {
	b.Helper()
	root := b.TempDir()
	bin := goHello(b)
	text := []byte(strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n", 40))
	var paths []string
	for i := range n {
		p := fmt.Sprintf("/nix/store/%032d-pkg-%d", i, i)
		dir := filepath.Join(root, p)
		switch i % 5 {
		case 0:
			writeFile(b, filepath.Join(dir, "bin", "hello"), bin, 0o555)
		case 1:
			sp := filepath.Join(dir, "lib/python3.11/site-packages")
			writeFile(b, filepath.Join(sp, fmt.Sprintf("pkg%d-1.0.%d.dist-info", i, i), "METADATA"),
				fmt.Appendf(nil, "Metadata-Version: 2.1\nName: pkg%d\nVersion: 1.0.%d\nLicense: MIT\n", i, i), 0o444)
			for j := range 20 {
				writeFile(b, filepath.Join(sp, fmt.Sprintf("pkg%d", i), fmt.Sprintf("m%d.py", j)), text, 0o444)
			}
		case 2:
			nm := filepath.Join(dir, "lib/node_modules")
			for j := range 5 {
				d := filepath.Join(nm, fmt.Sprintf("dep%d", j))
				writeFile(b, filepath.Join(d, "package.json"), fmt.Appendf(nil, `{"name":"dep%d","version":"1.%d.0","license":"MIT"}`, j, i), 0o444)
				writeFile(b, filepath.Join(d, "index.js"), text, 0o444)
			}
		case 3:
			javaJar(b, filepath.Join(dir, "share/java", fmt.Sprintf("lib%d.jar", i)))
		case 4:
			for j := range 30 {
				writeFile(b, filepath.Join(dir, "share/doc", fmt.Sprintf("f%d.txt", j)), text, 0o444)
			}
		}
		paths = append(paths, p)
	}
	return root, paths
}

func treeSize(b *testing.B, root string) int64 {
	b.Helper()
	var size int64
	err := filepath.WalkDir(root, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		size += info.Size()
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return size
}
