package sbom

import (
	"fmt"
	"path/filepath"

	"golang.org/x/sync/errgroup"

	"github.com/voidnxsec/nixops-actions/pkg/atomicfile"
)

// FileName is the conventional name of a document of format f:
// sbom.cdx.json, sbom.cdx.xml, sbom.spdx.json or sbom.spdx.
func (f Format) FileName() string { return "sbom" + f.Extension() }

// WriteFiles writes a document of b in each format to dir, under its
// FileName, each file whole or not at all, and returns the paths by
// format. The documents are encoded side by side: each is CPU-bound and
// they share nothing but the validated view of the BOM, which they only
// read.
func WriteFiles(dir string, b *BOM, formats []Format) (map[Format]string, error) {
	// One validated view for every format: each encoder only reads it.
	v, err := newView(b)
	if err != nil {
		return nil, err
	}
	paths := make([]string, len(formats))
	var g errgroup.Group
	for i, f := range formats {
		paths[i] = filepath.Join(dir, f.FileName())
		g.Go(func() error { return writeFile(paths[i], v, f) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	files := make(map[Format]string, len(formats))
	for i, f := range formats {
		files[f] = paths[i]
	}
	return files, nil
}

func writeFile(path string, v *view, f Format) error {
	out, err := atomicfile.Create(path, 0o644)
	if err != nil {
		return err
	}
	if err := encodeView(out, v, f); err != nil {
		out.Abort()
		return fmt.Errorf("encoding %s: %w", f, err)
	}
	return out.Commit()
}
