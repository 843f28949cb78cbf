package store

import (
	"os"
	"runtime"
	"sync"

	"github.com/voidnxsec/nixops-actions/pkg/nix/derivation"
	"github.com/voidnxsec/nixops-actions/pkg/nix/storepath"
)

// readDrvFiles parses the .drv files of paths straight from disk, which is
// several times faster than having Nix print them as JSON. It returns the
// derivations it could read and the paths it could not (missing,
// unreadable or unparsable: those are left to Nix, which says why).
func (s *Store) readDrvFiles(paths []string) (map[string]*derivation.Derivation, []string) {
	// Reading a .drv file directly is sound whichever store Nix would
	// answer from: a derivation's store path is computed from its
	// contents, so any file at that path holds that derivation.
	if s.loc.RealDir == "" || s.noFiles {
		return nil, paths
	}
	drvs, paths := s.takePrefetched(paths)
	if drvs == nil {
		drvs = make(map[string]*derivation.Derivation, len(paths))
	}
	got := make([]*derivation.Derivation, len(paths))
	var wg sync.WaitGroup
	// Reading is partly waiting for the disk: a few more workers than CPUs.
	workers := min(len(paths), 2*runtime.GOMAXPROCS(0))
	next := make(chan int, workers)
	for range workers {
		wg.Go(func() {
			for i := range next {
				got[i] = s.readDrvFile(paths[i])
			}
		})
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
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
func (s *Store) readDrvFile(p string) *derivation.Derivation {
	sp, err := storepath.Parse(s.loc.StoreDir, p)
	if err != nil || !sp.IsDerivation() {
		return nil
	}
	file, ok := s.loc.File(p)
	if !ok {
		return nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	d, err := derivation.ParseATerm(data, p)
	if err != nil {
		return nil
	}
	return d
}
