package release

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/atomicfile"
)

// ErrDirtyTree is matched by a *DirtyTreeError.
var ErrDirtyTree = errors.New("work tree is not clean")

// DirtyTreeError is a work tree with changes git has not committed: a
// release must be made of a commit, nothing else.
type DirtyTreeError struct{ Changes []string } // git status --porcelain lines

func (e *DirtyTreeError) Error() string {
	const shown = 10
	list := e.Changes
	if len(list) > shown {
		list = append(list[:shown:shown], fmt.Sprintf("... and %d more", len(e.Changes)-shown))
	}
	return "the work tree has uncommitted changes: " + strings.Join(list, "; ")
}

func (e *DirtyTreeError) Is(target error) bool { return target == ErrDirtyTree }

// ErrReleased is matched by a *ReleasedError.
var ErrReleased = errors.New("version already released")

// ReleasedError is a version that already has a tag, or entries in the
// committed checksums file.
type ReleasedError struct {
	Version Version
	Where   string // "tag" or ChecksumsPath
}

func (e *ReleasedError) Error() string {
	if e.Where == "tag" {
		return fmt.Sprintf("%s is already released: the tag %s exists", e.Version, e.Version)
	}
	return fmt.Sprintf("%s is already released: %s at HEAD lists its binaries", e.Version, e.Where)
}

func (e *ReleasedError) Is(target error) bool { return target == ErrReleased }

// Options says what Cut releases and where its files go.
type Options struct {
	Dir       string     // the git work tree (its top level)
	Version   string     // vX.Y.Z
	OutDir    string     // binaries, checksums.txt and notes.md go to OutDir/<version>
	Env       []string   // the caller's environment, for git and (cleaned) go; nil: the process's
	Go        string     // the go command; default "go"
	Platforms []Platform // default: Platforms
	Progress  func(string)
}

// Result is what Cut made.
type Result struct {
	Version   Version
	Commit    string // the release commit, which the tag points at
	Parent    string // the commit it was cut from
	Dir       string // OutDir/<version>
	Assets    []Asset
	Checksums string   // path of the checksums file, as committed
	NotesFile string   // path of notes.md
	SBOMs     []string // paths of each asset's SBOM documents (see SBOMFormats)
	Notes     *Notes
	GoVersion string
}

// Cut makes release o.Version of the commit checked out in o.Dir: it
// refuses a dirty tree or a version released before, builds every binary
// (see Build), writes OutDir/<version>/{checksums.txt,notes.md}, commits
// the checksums as actions/checksums.txt on top of HEAD ("release
// <version>") and tags that commit with an annotated tag. Nothing is
// committed or tagged unless every build succeeded.
func Cut(ctx context.Context, o Options) (*Result, error) {
	v, err := ParseVersion(o.Version)
	if err != nil {
		return nil, err
	}
	g := git{dir: o.Dir, env: o.Env}
	if o.Dir, err = g.line(ctx, "rev-parse", "--show-toplevel"); err != nil {
		return nil, err
	}
	g.dir = o.Dir
	head, header, err := checkReleasable(ctx, g, v)
	if err != nil {
		return nil, err
	}
	r := &Result{Version: v, Parent: head}
	if r.GoVersion, err = GoVersion(ctx, o.Go, o.Env); err != nil {
		return nil, err
	}
	tags, err := g.tags(ctx)
	if err != nil {
		return nil, err
	}
	if r.Notes, err = collectNotes(ctx, g, v, previousVersion(v, tags), head); err != nil {
		return nil, err
	}
	at, err := commitTime(ctx, g, head)
	if err != nil {
		return nil, err
	}
	if err := r.build(ctx, o, header, at); err != nil {
		return nil, err
	}
	if r.Commit, err = commitChecksums(ctx, g, v, head, r.Checksums); err != nil {
		return nil, err
	}
	msg := "release " + string(v) + "\n\n" + r.Notes.Markdown()
	if _, err := g.run(ctx, nil, "tag", "--annotate", "--cleanup=verbatim", "--message", msg, string(v), r.Commit); err != nil {
		return nil, err
	}
	return r, nil
}

// checkReleasable returns HEAD and the header of its checksums file, or
// why v cannot be released from it.
func checkReleasable(ctx context.Context, g git, v Version) (head string, header []byte, err error) {
	if head, err = g.line(ctx, "rev-parse", "--verify", "HEAD^{commit}"); err != nil {
		return "", nil, err
	}
	status, err := g.run(ctx, nil, "status", "--porcelain=v1", "--untracked-files=normal")
	if err != nil {
		return "", nil, err
	}
	if s := strings.TrimRight(status, "\n"); s != "" {
		return "", nil, &DirtyTreeError{Changes: strings.Split(s, "\n")}
	}
	if tagged, err := g.hasRef(ctx, "refs/tags/"+string(v)); err != nil || tagged {
		if err == nil {
			err = &ReleasedError{Version: v, Where: "tag"}
		}
		return "", nil, err
	}
	committed, _, err := g.show(ctx, head, ChecksumsPath)
	if err != nil {
		return "", nil, err
	}
	sums, err := parseChecksums(committed)
	if err != nil {
		return "", nil, err
	}
	if len(ofVersion(sums, v)) > 0 {
		return "", nil, &ReleasedError{Version: v, Where: ChecksumsPath}
	}
	return head, checksumsHeader(committed), nil
}

// build fills r.Dir with the assets, checksums.txt and notes.md. They
// are made in a temporary directory that replaces OutDir/<version> whole
// once complete, so a failed or interrupted run leaves no half release.
func (r *Result) build(ctx context.Context, o Options, header []byte, at time.Time) error {
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(o.OutDir, "."+string(r.Version)+"-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bins, err := Binaries(o.Dir)
	if err != nil {
		return err
	}
	assets, err := Build(ctx, BuildOptions{Root: o.Dir, Binaries: bins, Version: r.Version,
		Platforms: o.Platforms, OutDir: tmp, Env: o.Env, Go: o.Go, Progress: o.Progress})
	if err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(tmp, checksumsAsset), renderChecksums(header, assets), 0o644); err != nil {
		return err
	}
	var sboms []string
	for _, a := range assets {
		names, err := writeSBOMs(tmp, a, r.Version, at)
		if err != nil {
			return err
		}
		sboms = append(sboms, names...)
	}
	if err := atomicfile.Write(filepath.Join(tmp, "notes.md"), []byte(r.Notes.Markdown()), 0o644); err != nil {
		return err
	}
	r.Dir = filepath.Join(o.OutDir, string(r.Version))
	if err := os.RemoveAll(r.Dir); err != nil {
		return err
	}
	if err := os.Rename(tmp, r.Dir); err != nil {
		return err
	}
	r.Checksums, r.NotesFile = filepath.Join(r.Dir, checksumsAsset), filepath.Join(r.Dir, "notes.md")
	for _, a := range assets {
		a.Path = filepath.Join(r.Dir, a.Name)
		r.Assets = append(r.Assets, a)
	}
	for _, name := range sboms {
		r.SBOMs = append(r.SBOMs, filepath.Join(r.Dir, name))
	}
	return nil
}

// commitTime is the committer time of commit: the time of the release's
// SBOMs, so that cutting the same commit again gives the same documents.
func commitTime(ctx context.Context, g git, commit string) (time.Time, error) {
	s, err := g.line(ctx, "show", "-s", "--format=%ct", commit)
	if err != nil {
		return time.Time{}, err
	}
	sec, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("committer time %q of %s: %w", s, commit, err)
	}
	return time.Unix(sec, 0).UTC(), nil
}

// commitChecksums makes the release commit: parent's tree with
// actions/checksums.txt replaced by the file at path, through a private
// index so that neither the branch, nor the index, nor the work tree move.
func commitChecksums(ctx context.Context, g git, v Version, parent, path string) (string, error) {
	blob, err := g.line(ctx, "hash-object", "-w", "--", path)
	if err != nil {
		return "", err
	}
	idxDir, err := os.MkdirTemp("", "nixops-release-index-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(idxDir)
	idx := []string{"GIT_INDEX_FILE=" + filepath.Join(idxDir, "index")}
	steps := [][]string{
		{"read-tree", parent},
		{"update-index", "--add", "--cacheinfo", "100644," + blob + "," + ChecksumsPath},
	}
	for _, s := range steps {
		if _, err := g.run(ctx, idx, s...); err != nil {
			return "", err
		}
	}
	tree, err := g.run(ctx, idx, "write-tree")
	if err != nil {
		return "", err
	}
	commit, err := g.run(ctx, nil, "commit-tree", strings.TrimSpace(tree), "-p", parent, "-m", "release "+string(v))
	return strings.TrimSpace(commit), err
}
