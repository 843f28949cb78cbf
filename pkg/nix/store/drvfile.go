package store

import (
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/voidnxsec/nixops-actions/pkg/nix/derivation"
)

// fileRoot says where the store's files can be read on this machine: ""
// for the default store (paths are read where they are named), the
// directory of a chroot store given as --store DIR, and ok false for stores
// only Nix can reach (daemon, ssh, binary caches, local?... URIs).
//
// Reading a .drv file directly is sound whichever store Nix would answer
// from: a derivation's store path is computed from its contents, so any
// file at that path holds that derivation.
func (s *Store) fileRoot() (root string, ok bool) {
	uri := s.storeURI
	switch {
	case uri == "":
		return "", true
	case filepath.IsAbs(uri):
		// A chroot store keeps /nix/store/x under DIR/nix/store/x.
		return filepath.Clean(uri), s.storeDir == DefaultStoreDir
	case strings.HasPrefix(uri, "local?"):
		q, err := url.ParseQuery(uri[len("local?"):])
		if err != nil {
			return "", false
		}
		if r := q.Get("root"); r != "" {
			return filepath.Clean(r), filepath.IsAbs(r) && q.Get("store") == ""
		}
		return "", true // store=DIR: paths are where they are named
	}
	return "", false
}

// readDrvFiles parses the .drv files of paths straight from disk, which is
// several times faster than having Nix print them as JSON. It returns the
// derivations it could read and the paths it could not (missing,
// unreadable or unparsable: those are left to Nix, which says why).
func (s *Store) readDrvFiles(paths []string) (map[string]*derivation.Derivation, []string) {
	root, ok := s.fileRoot()
	if !ok || s.noFiles {
		return nil, paths
	}
	got := make([]*derivation.Derivation, len(paths))
	var wg sync.WaitGroup
	// Reading is partly waiting for the disk: a few more workers than CPUs.
	workers := min(len(paths), 2*runtime.GOMAXPROCS(0))
	next := make(chan int, workers)
	for range workers {
		wg.Go(func() {
			for i := range next {
				got[i] = readDrvFile(root, s.storeDir, paths[i])
			}
		})
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	drvs := make(map[string]*derivation.Derivation, len(paths))
	var rest []string
	for i, d := range got {
		if d == nil {
			rest = append(rest, paths[i])
			continue
		}
		drvs[paths[i]] = d
	}
	return drvs, rest
}

// readDrvFile returns nil when Nix has to be asked instead.
func readDrvFile(root, storeDir, p string) *derivation.Derivation {
	if !strings.HasPrefix(p, storeDir+"/") || !strings.HasSuffix(p, ".drv") || strings.Contains(p[len(storeDir)+1:], "/") {
		return nil
	}
	data, err := os.ReadFile(root + p)
	if err != nil {
		return nil
	}
	d, err := derivation.ParseATerm(data, p)
	if err != nil {
		return nil
	}
	return d
}
