// Package history reads the commit graph and tags of a git repository with
// go-git, fast enough for 100,000 commits: every commit object is decoded
// once, in parallel when the commit-graph file lists the commits up front.
package history

import (
	"errors"
	"fmt"

	"github.com/go-git/go-billy/v5"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	cgraph "github.com/go-git/go-git/v5/plumbing/format/commitgraph/v2"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// Hash is a commit or object id.
type Hash = plumbing.Hash

// ErrNotRepository is returned by Open for a path that is not in a git work
// tree or repository.
var ErrNotRepository = errors.New("not a git repository")

// Repo is an open repository. It is not safe for concurrent use.
type Repo struct {
	repo   *git.Repository
	dotgit billy.Filesystem
	graph  cgraph.Index // nil without a commit-graph file
	packs  []*packIndex // nil: every object is read through go-git
}

// Open opens the repository whose work tree (or a directory inside it) or
// bare directory is path.
func Open(path string) (*Repo, error) {
	r, err := git.PlainOpenWithOptions(path, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, fmt.Errorf("%s: %w", path, ErrNotRepository)
	}
	if err != nil {
		return nil, fmt.Errorf("open repository %s: %w", path, err)
	}
	st, ok := r.Storer.(*filesystem.Storage)
	if !ok {
		return nil, fmt.Errorf("open repository %s: storage %T is not a directory", path, r.Storer)
	}
	fs := mappedFS{st.Filesystem()}
	g, err := cgraph.OpenChainOrFileIndex(fs)
	if err != nil {
		g = nil // no commit-graph (or an unreadable one): objects only, slower
	}
	packs, err := openPacks(fs.Join(fs.Root(), "objects"))
	if err != nil {
		return nil, err
	}
	return &Repo{repo: r, dotgit: fs, graph: g, packs: packs}, nil
}

// Close releases the commit-graph file.
func (r *Repo) Close() error {
	if r.graph != nil {
		return r.graph.Close()
	}
	return nil
}

// HasCommitGraph says whether the commit-graph file was found, which lets
// Load decode commits in parallel.
func (r *Repo) HasCommitGraph() bool { return r.graph != nil }

// Head returns the commit HEAD points at and the short name of its branch
// ("" when HEAD is detached).
func (r *Repo) Head() (Hash, string, error) {
	ref, err := r.repo.Head()
	if err != nil {
		return plumbing.ZeroHash, "", fmt.Errorf("resolve HEAD: %w", err)
	}
	name := ""
	if ref.Name().IsBranch() {
		name = ref.Name().Short()
	}
	return ref.Hash(), name, nil
}

// Branch resolves a branch name: the local branch, else origin's
// remote-tracking branch (what actions/checkout leaves for other branches).
func (r *Repo) Branch(name string) (Hash, error) {
	for _, ref := range []plumbing.ReferenceName{
		plumbing.NewBranchReferenceName(name),
		plumbing.NewRemoteReferenceName("origin", name),
	} {
		got, err := r.repo.Reference(ref, true)
		if err == nil {
			return got.Hash(), nil
		}
	}
	return plumbing.ZeroHash, fmt.Errorf("branch %q not found (neither refs/heads/%[1]s nor refs/remotes/origin/%[1]s)", name)
}

// Shallow returns the commits whose parents a shallow clone left out; an
// empty list means a complete history.
func (r *Repo) Shallow() ([]Hash, error) {
	s, err := r.repo.Storer.Shallow()
	if err != nil {
		return nil, fmt.Errorf("read .git/shallow: %w", err)
	}
	return s, nil
}
