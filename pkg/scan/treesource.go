package scan

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/fatih/semgroup"
	"github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/sources"
)

// treeFiles is gitleaks' sources.Files with paths relative to the
// repository, as `gitleaks dir .` run inside it sees them: allowlist paths
// in a .gitleaks.toml (`^fixtures/`) are written that way, and
// sources.Files would match them against Dir's absolute path. Like
// gitleaks' default, symlinks and empty files are skipped.
type treeFiles struct {
	dir  string
	cfg  *config.Config
	sema *semgroup.Group
}

func (t *treeFiles) Fragments(ctx context.Context, yield sources.FragmentsFunc) error {
	var wg sync.WaitGroup
	err := filepath.WalkDir(t.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable: skipped, as gitleaks does
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, _ := filepath.Rel(t.dir, path)
		rel = filepath.ToSlash(rel)
		if rel != "." && t.allowed(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if info, err := d.Info(); err != nil || info.Size() == 0 {
			return nil
		}
		wg.Add(1)
		t.sema.Go(func() error {
			defer wg.Done()
			f, err := os.Open(path)
			if err != nil {
				return nil
			}
			defer f.Close()
			file := sources.File{Content: f, Path: rel, Config: t.cfg}
			return file.Fragments(ctx, yield)
		})
		return nil
	})
	wg.Wait()
	if err != nil {
		return err
	}
	return ctx.Err()
}

func (t *treeFiles) allowed(rel string) bool {
	for _, a := range t.cfg.Allowlists {
		if a.PathAllowed(rel) {
			return true
		}
	}
	return false
}
