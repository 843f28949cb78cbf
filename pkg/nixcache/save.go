package nixcache

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/voidnxsec/nixops-actions/pkg/nix/binarycache"
	"github.com/voidnxsec/nixops-actions/pkg/nix/pathinfo"
	"github.com/voidnxsec/nixops-actions/pkg/nix/store"
	"github.com/voidnxsec/nixops-actions/pkg/nix/storepath"
)

// SaveOptions say what goes into the cache directory.
type SaveOptions struct {
	// Dir is the binary cache directory, as restored.
	Dir string
	// Roots are the store paths whose closures the cache keeps.
	Roots []string
	// Upstreams are the substituters whose paths are left out. One that
	// cannot be asked is reported in Saved.NotAsked and leaves out
	// nothing.
	Upstreams []string
	// Client asks the http(s) upstreams; Workers is how many requests run
	// at once.
	Client  *http.Client
	Workers int
}

// Saved is what a save did.
type Saved struct {
	// Closure is the number of paths in the roots' closures; Served of
	// them are left to the upstreams.
	Closure, Served int
	// Before and After are the cache's entries before and after.
	Before, After []binarycache.Entry
	// Added and Removed count paths, Bytes the size of After.
	Added, Removed int
	Bytes          int64
	// Fingerprint identifies After; Changed is false when After holds
	// exactly what Before did, and nothing needs saving.
	Fingerprint string
	Changed     bool
	NotAsked    []error
}

// Save copies the roots' closures, minus what the upstreams serve, into
// opts.Dir and prunes everything else from it.
func Save(ctx context.Context, st *store.Store, opts SaveOptions) (*Saved, error) {
	if err := binarycache.Init(opts.Dir, st.StoreDir()); err != nil {
		return nil, err
	}
	s := &Saved{}
	var err error
	if s.Before, err = binarycache.DropBroken(opts.Dir); err != nil {
		return nil, err
	}
	var closure []pathinfo.Info
	if len(opts.Roots) > 0 {
		if closure, err = st.PathInfo(ctx, opts.Roots, true); err != nil {
			return nil, err
		}
	}
	var all []string
	for _, in := range closure {
		if in.Valid {
			all = append(all, in.Path)
		}
	}
	s.Closure = len(all)
	keep, err := s.leaveOutServed(ctx, opts, all)
	if err != nil {
		return nil, err
	}
	if err := placeholders(opts.Dir, closure, keep); err != nil {
		return nil, err
	}
	// Only what the cache lacks: Nix would skip the rest itself, but its
	// process costs more than the whole save when nothing is new.
	if err := st.CopyTo(ctx, CacheURL(opts.Dir, st.StoreDir(), url.Values{"compression": {"zstd"}}), missing(keep, s.Before)); err != nil {
		return nil, err
	}
	if s.After, s.Removed, err = binarycache.Prune(opts.Dir, keep); err != nil {
		return nil, err
	}
	s.Bytes = binarycache.Size(s.After)
	s.Fingerprint = binarycache.Fingerprint(s.After)
	s.Changed = s.Fingerprint != binarycache.Fingerprint(s.Before)
	s.Added = len(s.After) - (len(s.Before) - s.Removed)
	return s, nil
}

// missing is what of paths entries lack.
func missing(paths []string, entries []binarycache.Entry) []string {
	have := make(map[string]bool, len(entries))
	for _, e := range entries {
		have[e.StorePath] = true
	}
	var out []string
	for _, p := range paths {
		if !have[p] {
			out = append(out, p)
		}
	}
	return out
}

// placeholders stands in for the paths of closure left to the upstreams.
func placeholders(dir string, closure []pathinfo.Info, keep []string) error {
	kept := make(map[string]bool, len(keep))
	for _, p := range keep {
		kept[p] = true
	}
	for _, in := range closure {
		if in.Valid && !kept[in.Path] {
			if err := binarycache.Placeholder(dir, in); err != nil {
				return err
			}
		}
	}
	return nil
}

// CacheURL is the store URL of the cache in dir, for a store in storeDir,
// with query added.
func CacheURL(dir, storeDir string, query url.Values) string {
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	// Nix takes a binary cache to be for /nix/store unless told.
	if storeDir != storepath.DefaultStoreDir {
		q.Set("store", storeDir)
	}
	return (&url.URL{Scheme: "file", Path: dir, RawQuery: q.Encode()}).String()
}

func (s *Saved) leaveOutServed(ctx context.Context, opts SaveOptions, paths []string) ([]string, error) {
	for _, up := range opts.Upstreams {
		if len(paths) == 0 {
			break
		}
		served, err := binarycache.Served(ctx, opts.Client, up, paths, opts.Workers)
		var unsupported *binarycache.UnsupportedError
		switch {
		case errors.As(err, &unsupported):
			s.NotAsked = append(s.NotAsked, err)
			continue
		case err != nil && ctx.Err() == nil:
			// An upstream that does not answer serves nothing this job can
			// count on: keep the paths.
			s.NotAsked = append(s.NotAsked, &UpstreamError{up, err})
			continue
		case err != nil:
			return nil, err
		}
		rest := paths[:0:0]
		for _, p := range paths {
			if !served[p] {
				rest = append(rest, p)
			}
		}
		s.Served += len(paths) - len(rest)
		paths = rest
	}
	return paths, nil
}

// UpstreamError is an upstream that failed to answer.
type UpstreamError struct {
	URL string
	Err error
}

func (e *UpstreamError) Error() string { return "asking " + e.URL + ": " + e.Err.Error() }
func (e *UpstreamError) Unwrap() error { return e.Err }
