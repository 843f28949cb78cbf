package vulndb

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// lockFile is the lock of a database directory. Processes that share one
// (jobs of runners on one host with a common tool cache) take it: an
// update exclusively, since grype's curator removes the old database
// before it renames the new one in; a scan shared, so it never opens a
// database being swapped.
const lockFile = ".nixops-scan.lock"

// lockDir takes the lock of dir, waiting for it under ctx, and returns its
// release. A shared lock on a directory where the lock file cannot be
// created (read-only, as an air-gapped mount may be, or missing) is
// skipped: nothing can update such a directory anyway.
func lockDir(ctx context.Context, dir string, exclusive bool) (func(), error) {
	flags, how := os.O_RDONLY, syscall.LOCK_SH
	if exclusive {
		flags, how = os.O_RDWR|os.O_CREATE, syscall.LOCK_EX
	}
	f, err := os.OpenFile(filepath.Join(dir, lockFile), flags, 0o644)
	if err != nil && !exclusive {
		if f, err = os.OpenFile(filepath.Join(dir, lockFile), os.O_RDONLY|os.O_CREATE, 0o644); err != nil {
			return func() {}, nil
		}
	}
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, err
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// removeLeftovers removes what an update killed midway left beside the
// database (Download's temporary archive and directory), under the
// exclusive lock.
func removeLeftovers(dir string) {
	left, _ := filepath.Glob(filepath.Join(dir, "download-*"))
	for _, p := range left {
		_ = os.RemoveAll(p)
	}
}
