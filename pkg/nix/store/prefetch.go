package store

import (
	"runtime"
	"sync"

	"github.com/voidnxsec/nixops-actions/pkg/nix/derivation"
	"github.com/voidnxsec/nixops-actions/pkg/nix/storedb"
)

// WithDerivationPrefetch has a recursive PathInfo answered from the store
// database start reading each deriver's .drv file as the query returns its
// row, for Derivations to take. A caller that needs both (an SBOM) then
// has the file reads overlap the query instead of following it; one that
// needs no derivations should not ask for it.
func WithDerivationPrefetch() Option { return func(s *Store) { s.prefetchDrvs = true } }

// prefetch reads .drv files on a few workers while a query runs.
type prefetch struct {
	mu      sync.Mutex
	pending map[string]*drvFuture
	queue   chan *drvFuture
	wg      sync.WaitGroup
}

// drvFuture is a .drv file being read; drv is set when done is closed,
// nil when the file could not be read or parsed.
type drvFuture struct {
	path string
	done chan struct{}
	drv  *derivation.Derivation
}

// startPrefetch starts the workers; the caller adds paths, then ends.
func (s *Store) startPrefetch() *prefetch {
	pf := &prefetch{pending: map[string]*drvFuture{}, queue: make(chan *drvFuture, 1<<14)}
	for range 2 * runtime.GOMAXPROCS(0) {
		pf.wg.Go(func() {
			for f := range pf.queue {
				f.drv = s.readDrvFile(f.path)
				close(f.done)
			}
		})
	}
	s.mu.Lock()
	s.prefetched = pf
	s.mu.Unlock()
	return pf
}

// each queues the deriver of o.
func (pf *prefetch) each(o storedb.Object) {
	if o.Deriver == "" {
		return
	}
	pf.mu.Lock()
	_, seen := pf.pending[o.Deriver]
	f := &drvFuture{path: o.Deriver, done: make(chan struct{})}
	if !seen {
		pf.pending[o.Deriver] = f
	}
	pf.mu.Unlock()
	if !seen {
		pf.queue <- f
	}
}

// end lets the workers stop once the queue is read.
func (pf *prefetch) end() { close(pf.queue) }

// take removes and returns the future of p, or nil.
func (pf *prefetch) take(p string) *drvFuture {
	pf.mu.Lock()
	defer pf.mu.Unlock()
	f := pf.pending[p]
	delete(pf.pending, p)
	return f
}

// takePrefetched splits paths into the derivations the prefetch read (it
// waits for those still being read) and the paths it has not.
func (s *Store) takePrefetched(paths []string) (map[string]*derivation.Derivation, []string) {
	s.mu.Lock()
	pf := s.prefetched
	s.mu.Unlock()
	if pf == nil {
		return nil, paths
	}
	got := map[string]*derivation.Derivation{}
	var rest []string
	for _, p := range paths {
		f := pf.take(p)
		if f == nil {
			rest = append(rest, p)
			continue
		}
		<-f.done
		if f.drv == nil {
			rest = append(rest, p)
			continue
		}
		got[p] = f.drv
	}
	return got, rest
}
