package release

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Publisher is what publishing needs of GitHub. The project's GitHub
// client (pkg/githubapi) is meant to implement it; tests use a recorder.
type Publisher interface {
	// EnsureRelease returns the id of the release of tag, creating it,
	// titled name and described by body, when there is none.
	EnsureRelease(ctx context.Context, tag, name, body string) (int64, error)
	// ReplaceAsset uploads the file at path to the release as name,
	// replacing an asset of that name.
	ReplaceAsset(ctx context.Context, releaseID int64, name, path string) error
	// DownloadAsset opens asset name of the release of tag as a user's
	// download sees it.
	DownloadAsset(ctx context.Context, tag, name string) (io.ReadCloser, error)
	// MoveTag points tag (v1, v1.2) at commit, creating it or moving it.
	MoveTag(ctx context.Context, tag, commit string) error
}

// ErrMismatch is matched by a *MismatchError.
var ErrMismatch = errors.New("asset does not match the committed checksum")

// MismatchError is an asset whose bytes are not those the release
// commit's checksums file names.
type MismatchError struct {
	Asset, Where string // Where: "local" (before upload) or "download"
	Want, Got    string // hex SHA-256; Got "" when the asset is missing
}

func (e *MismatchError) Error() string {
	if e.Got == "" {
		return fmt.Sprintf("%s: %s is missing (%s lists it)", e.Where, e.Asset, ChecksumsPath)
	}
	return fmt.Sprintf("%s: %s has SHA-256 %s, but %s of the release commit says %s", e.Where, e.Asset, e.Got, ChecksumsPath, e.Want)
}

func (e *MismatchError) Is(target error) bool { return target == ErrMismatch }

// PublishOptions says which cut release to publish.
type PublishOptions struct {
	Dir     string   // the git work tree the release was cut in
	Version string   // its tag
	Assets  string   // the directory Cut filled (OutDir/<version>)
	Remote  string   // where the tag is pushed; default "origin"
	Env     []string // for git; nil: the process's
	// PushEnv is added to Env for the push alone: the credentials of the
	// remote (git configuration in GIT_CONFIG_* variables), which no other
	// git command needs to see.
	PushEnv []string
}

// Published is what Publish did.
type Published struct {
	Commit    string
	Assets    []string // uploaded, downloaded back and verified
	MovedTags []string
}

// Publish makes a cut release public, in the only order that never shows a
// user a bad binary: it checks the local assets against the checksums file
// committed in the tag (the file users verify against), pushes the tag,
// creates the release, uploads every asset and the checksums file,
// downloads every asset back and verifies it, and only when all match moves
// vX and vX.Y to the release commit (not for a pre-release, and not past a
// newer release of the same line).
func Publish(ctx context.Context, p Publisher, o PublishOptions) (*Published, error) {
	v, err := ParseVersion(o.Version)
	if err != nil {
		return nil, err
	}
	if o.Remote == "" {
		o.Remote = "origin"
	}
	g := git{dir: o.Dir, env: o.Env}
	out := &Published{}
	if out.Commit, err = g.line(ctx, "rev-parse", "--verify", "refs/tags/"+string(v)+"^{commit}"); err != nil {
		return nil, err
	}
	want, err := committedSums(ctx, g, v, out.Commit)
	if err != nil {
		return nil, err
	}
	if err := verifyLocal(o.Assets, want); err != nil {
		return nil, err
	}
	if err := addSBOMs(o.Assets, want); err != nil {
		return nil, err
	}
	if _, err := g.run(ctx, o.PushEnv, "push", o.Remote, "refs/tags/"+string(v)+":refs/tags/"+string(v)); err != nil {
		return nil, err
	}
	if out.Assets, err = upload(ctx, p, v, o.Assets, want); err != nil {
		return nil, err
	}
	if err := verifyDownloads(ctx, p, v, want); err != nil {
		return nil, err
	}
	out.MovedTags, err = moveTags(ctx, p, g, v, out.Commit)
	return out, err
}

// checksumsAsset is the release asset holding the checksums file.
const checksumsAsset = "checksums.txt"

// committedSums reads this version's entries of the checksums file in the
// release commit, and the hash of the file itself as asset checksumsAsset.
func committedSums(ctx context.Context, g git, v Version, commit string) (map[string]string, error) {
	content, ok, err := g.show(ctx, commit, ChecksumsPath)
	if err != nil {
		return nil, err
	}
	sums, err := parseChecksums(content)
	if err != nil {
		return nil, err
	}
	if want := ofVersion(sums, v); ok && len(want) > 0 {
		// The checksums file is an asset too, and must be the one committed.
		want[checksumsAsset], _ = readerSHA256(strings.NewReader(string(content)))
		return want, nil
	}
	return nil, fmt.Errorf("the commit of tag %s is no release commit: its %s lists no %s binary", v, ChecksumsPath, v)
}

func sortedNames(sums map[string]string) []string {
	names := make([]string, 0, len(sums))
	for n := range sums {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// addSBOMs adds each binary's SBOM documents in dir to want, at their
// local hashes: they are not committed, but are derived from binaries that
// are, and the downloads are then checked against what was uploaded.
func addSBOMs(dir string, want map[string]string) error {
	for _, name := range sortedNames(want) {
		if name == checksumsAsset {
			continue
		}
		for _, f := range SBOMFormats {
			sum, err := fileSHA256(filepath.Join(dir, name+f.Extension()))
			if err != nil {
				return fmt.Errorf("SBOM of %s: %w", name, err)
			}
			want[name+f.Extension()] = sum
		}
	}
	return nil
}

func verifyLocal(dir string, want map[string]string) error {
	var errs []error
	for _, name := range sortedNames(want) {
		got, err := fileSHA256(filepath.Join(dir, name))
		switch {
		case errors.Is(err, os.ErrNotExist):
			errs = append(errs, &MismatchError{Asset: name, Where: "local", Want: want[name]})
		case err != nil:
			errs = append(errs, err)
		case got != want[name]:
			errs = append(errs, &MismatchError{Asset: name, Where: "local", Want: want[name], Got: got})
		}
	}
	return errors.Join(errs...)
}

func upload(ctx context.Context, p Publisher, v Version, dir string, want map[string]string) ([]string, error) {
	notes, err := os.ReadFile(filepath.Join(dir, "notes.md"))
	if err != nil {
		return nil, err
	}
	id, err := p.EnsureRelease(ctx, string(v), string(v), string(notes))
	if err != nil {
		return nil, fmt.Errorf("creating the release %s: %w", v, err)
	}
	names := sortedNames(want)
	for _, name := range names {
		if err := p.ReplaceAsset(ctx, id, name, filepath.Join(dir, name)); err != nil {
			return nil, fmt.Errorf("uploading %s: %w", name, err)
		}
	}
	return names, nil
}

// verifyDownloads fetches every asset back and checks it, reporting all
// that differ.
func verifyDownloads(ctx context.Context, p Publisher, v Version, want map[string]string) error {
	var errs []error
	for _, name := range sortedNames(want) {
		rc, err := p.DownloadAsset(ctx, string(v), name)
		if err != nil {
			errs = append(errs, fmt.Errorf("downloading %s back: %w", name, err))
			continue
		}
		got, err := readerSHA256(rc)
		rc.Close()
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("downloading %s back: %w", name, err))
		case got != want[name]:
			errs = append(errs, &MismatchError{Asset: name, Where: "download", Want: want[name], Got: got})
		}
	}
	return errors.Join(errs...)
}

func moveTags(ctx context.Context, p Publisher, g git, v Version, commit string) ([]string, error) {
	if v.Prerelease() {
		return nil, nil
	}
	tags, err := g.tags(ctx)
	if err != nil {
		return nil, err
	}
	var moved []string
	for _, t := range v.MovingTags() {
		if !newestOfLine(v, t, tags) {
			continue
		}
		if err := p.MoveTag(ctx, t, commit); err != nil {
			return moved, fmt.Errorf("moving %s to %s: %w", t, commit, err)
		}
		moved = append(moved, t)
	}
	return moved, nil
}

// String lists what was published, for a log line.
func (p *Published) String() string {
	return fmt.Sprintf("%d assets verified at %s; moved: %s", len(p.Assets), p.Commit, strings.Join(p.MovedTags, ", "))
}
