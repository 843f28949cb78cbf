package history

import (
	"context"
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"golang.org/x/sync/errgroup"
)

// Load reads every commit reachable from roots once. With a commit-graph
// file the reachable set and parents come from it without decoding objects,
// so the objects (needed for author times and messages) are decoded by
// GOMAXPROCS workers; commits newer than the file, or all of them without
// one, are decoded while walking. Parents listed in cut (the shallow
// boundary) are left out.
func (r *Repo) Load(ctx context.Context, roots []Hash, cut []Hash) (*Graph, error) {
	w := newWalk(r, cut)
	defer w.close()
	for _, h := range roots {
		w.push(h)
	}
	if err := w.discover(ctx); err != nil {
		return nil, err
	}
	if err := w.decodePending(ctx); err != nil {
		return nil, err
	}
	return w.graph()
}

// walk is the state of one Load.
type walk struct {
	r       *Repo
	cut     map[Hash]bool
	index   map[Hash]int32
	raws    []rawCommit
	hashes  []Hash
	stack   []Hash
	pending []int32 // found in the commit-graph, object not read yet
	objs    *objReader

	mu       sync.Mutex // guards problems: decode runs in several workers
	problems map[int32]*dateProblem
}

func newWalk(r *Repo, cut []Hash) *walk {
	w := &walk{r: r, cut: map[Hash]bool{}, index: map[Hash]int32{}, problems: map[int32]*dateProblem{}}
	for _, h := range cut {
		w.cut[h] = true
	}
	w.objs = r.newReader()
	return w
}

func (w *walk) close() { w.objs.close() }

// newStorage opens a private object reader: go-git's storage is not safe for
// concurrent use, and keeping descriptors avoids reopening the pack for
// every object. The object cache is small because each commit is read once.
func (r *Repo) newStorage() *filesystem.Storage {
	return filesystem.NewStorageWithOptions(r.dotgit, cache.NewObjectLRU(cache.MiByte),
		filesystem.Options{KeepDescriptors: true, ExclusiveAccess: true})
}

func (w *walk) push(h Hash) {
	if _, ok := w.index[h]; ok {
		return
	}
	w.index[h] = int32(len(w.hashes))
	w.hashes = append(w.hashes, h)
	w.raws = append(w.raws, rawCommit{})
	w.stack = append(w.stack, h)
}

// discover finds every reachable commit, depth first.
func (w *walk) discover(ctx context.Context) error {
	for n := 0; len(w.stack) > 0; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		h := w.stack[len(w.stack)-1]
		w.stack = w.stack[:len(w.stack)-1]
		i := w.index[h]
		parents, err := w.fromGraph(h, i)
		if err != nil {
			return err
		}
		if parents == nil {
			if err := w.decode(w.objs, i); err != nil {
				return err
			}
			parents = w.raws[i].parents
		}
		if w.cut[h] {
			w.raws[i].parents, parents = nil, nil
		}
		for _, p := range parents {
			w.push(p)
		}
	}
	return nil
}

// fromGraph returns the parents of h from the commit-graph file, or nil
// when h is not in it. A root commit found there gets an empty, non-nil list.
func (w *walk) fromGraph(h Hash, i int32) ([]Hash, error) {
	if w.r.graph == nil {
		return nil, nil
	}
	gi, err := w.r.graph.GetIndexByHash(h)
	if err != nil {
		return nil, nil
	}
	d, err := w.r.graph.GetCommitDataByIndex(gi)
	if err != nil {
		return nil, fmt.Errorf("commit-graph entry of %s: %w (delete .git/objects/info/commit-graph or run git commit-graph write)", h, err)
	}
	w.raws[i].parents = d.ParentHashes
	w.raws[i].comm = d.When.Unix()
	w.pending = append(w.pending, i)
	if d.ParentHashes == nil {
		return []Hash{}, nil
	}
	return d.ParentHashes, nil
}

// decode reads commit i's object into raws[i].
func (w *walk) decode(o *objReader, i int32) error {
	h := w.hashes[i]
	typ, b, err := o.read(h)
	if err != nil {
		return err
	}
	if typ != plumbing.CommitObject {
		return fmt.Errorf("object %s is a %s, not a commit", h, typ)
	}
	c, p, err := parseCommit(b)
	if err != nil {
		return fmt.Errorf("commit %s: %w", h, err)
	}
	w.raws[i] = c
	if p != nil {
		w.mu.Lock()
		w.problems[i] = p
		w.mu.Unlock()
	}
	return nil
}

func readAll(rd io.ReadCloser, b []byte) ([]byte, error) {
	defer rd.Close()
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := rd.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// parallelMin is the number of commits below which one worker is faster
// than starting several (each maps the packs). Tests lower it.
var parallelMin = 256

// decodePending reads the objects of the commits found in the commit-graph,
// split in contiguous shares among workers, each with its own storage.
func (w *walk) decodePending(ctx context.Context) error {
	n := runtime.GOMAXPROCS(0)
	if len(w.pending) < parallelMin {
		n = 1
	}
	g, ctx := errgroup.WithContext(ctx)
	share := (len(w.pending) + n - 1) / n
	for k := 0; k < n; k++ {
		part := w.pending[min(k*share, len(w.pending)):min((k+1)*share, len(w.pending))]
		g.Go(func() error { return w.decodeShare(ctx, part) })
	}
	return g.Wait()
}

func (w *walk) decodeShare(ctx context.Context, part []int32) error {
	o := w.r.newReader()
	defer o.close()
	for n, i := range part {
		if n%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		parents := w.raws[i].parents
		if err := w.decode(o, i); err != nil {
			return err
		}
		if w.cut[w.hashes[i]] {
			w.raws[i].parents = nil
		} else {
			w.raws[i].parents = parents
		}
	}
	return nil
}

// graph turns parent hashes into indexes. A parent that was never loaded
// (cut by a shallow clone) is dropped.
func (w *walk) graph() (*Graph, error) {
	g := &Graph{Commits: make([]Commit, len(w.hashes)), index: w.index}
	for i, raw := range w.raws {
		ps := make([]int32, 0, len(raw.parents))
		for _, p := range raw.parents {
			if j, ok := w.index[p]; ok {
				ps = append(ps, j)
			}
		}
		g.Commits[i] = Commit{Hash: w.hashes[i], Parents: ps, AuthorTime: raw.author, CommitterTime: raw.comm, Message: raw.message}
	}
	for _, i := range slices.Sorted(maps.Keys(w.problems)) {
		p := w.problems[i]
		g.Commits[i].Undated = p.undated
		g.Warnings = append(g.Warnings, Warning{Object: w.hashes[i], Err: p.err})
	}
	return g, nil
}
