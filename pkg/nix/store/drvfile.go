package store

import (
	"os"
	"runtime"
	"sync"
	"syscall"

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
	bp := drvBufs.Get().(*[]byte)
	defer drvBufs.Put(bp)
	data, err := readSmallFile(file, (*bp)[:0])
	*bp = data
	if err != nil {
		return nil
	}
	// ParseATerm copies what it keeps, so the buffer is reused.
	d, err := derivation.ParseATerm(data, p)
	if err != nil {
		return nil
	}
	return d
}

// drvBufs hold .drv file contents while they are parsed: a closure has
// thousands, most a few kilobytes.
var drvBufs = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// readSmallFile appends the file's contents to buf with plain system
// calls: open, read to the end, close. os.ReadFile adds an fstat and a
// try at registering the descriptor with the poller, which for 10,000
// files is measurable kernel time.
func readSmallFile(name string, buf []byte) ([]byte, error) {
	fd, err := syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return buf, &os.PathError{Op: "open", Path: name, Err: err}
	}
	defer syscall.Close(fd)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return buf, &os.PathError{Op: "read", Path: name, Err: err}
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}
