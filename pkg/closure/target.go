package closure

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/voidnxsec/nixops-actions/pkg/nix/storepath"
)

// Target is what the user asked for, resolved against the store.
type Target struct {
	Spec    string // as given
	Flake   bool   // an installable Nix evaluates
	DrvPath string // the derivation, "" when unknown (a store path without deriver)
	// Paths are the target's own store paths: the outputs asked for, or the
	// store path given.
	Paths []string
	// checked says Nix already found every one of Paths valid, so the
	// runtime query need not ask again.
	checked bool
	// meta is what the evaluation found of meta.*, keyed by .drv path;
	// metaDone says the walk ran (or failed with a warning).
	meta     map[string]Meta
	metaDone bool
}

// Resolve turns a target spec (flake installable, store path, result link
// or .drv) into store paths. It evaluates but never builds. A flake
// target resolved here has no meta yet: Build with Options.Meta then
// evaluates it a second time; ResolveFor saves that.
func Resolve(ctx context.Context, st Store, spec string) (*Target, error) {
	return ResolveFor(ctx, st, spec, Options{})
}

// ResolveFor is Resolve for a Build with the same opts: with opts.Meta, the
// one evaluation of a flake target also walks its meta.
func ResolveFor(ctx context.Context, st Store, spec string, opts Options) (*Target, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, &TargetError{Spec: spec, Err: ErrNoTarget}
	}
	if p, ok, err := storePathOf(spec, st.StoreDir()); err != nil {
		return nil, err
	} else if ok {
		return resolveStorePath(ctx, st, spec, p)
	}
	return resolveFlake(ctx, st, spec, opts)
}

// storePathOf follows a result link or reads a store path out of spec. A
// link into a store at another root (--store DIR) cannot be followed on
// disk, so each link is read one level at a time.
func storePathOf(spec, storeDir string) (string, bool, error) {
	p := spec
	for i := 0; i < 40 && !storepath.InDir(storeDir, p); i++ {
		fi, err := os.Lstat(p)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			return "", false, nil // not a link: a flake reference for Nix to judge
		}
		link, err := os.Readlink(p)
		if err != nil {
			return "", false, &TargetError{Spec: spec, Err: err}
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(p), link)
		}
		p = link
	}
	if !storepath.InDir(storeDir, p) {
		return "", false, nil
	}
	// /nix/store/<hash>-name/bin/x belongs to /nix/store/<hash>-name.
	sp, _, err := storepath.Split(storeDir, p)
	if err != nil {
		return "", false, &TargetError{Spec: spec, Err: err}
	}
	return sp.String(), true, nil
}

func resolveStorePath(ctx context.Context, st Store, spec, p string) (*Target, error) {
	t := &Target{Spec: spec}
	if strings.HasSuffix(p, ".drv") {
		t.DrvPath = p
		return t, outputsOf(ctx, st, t)
	}
	infos, err := st.PathInfo(ctx, []string{p}, false)
	if err != nil {
		return nil, err
	}
	if len(infos) != 1 || !infos[0].Valid {
		return nil, &TargetError{Spec: spec, Paths: []string{p}, Err: ErrNotInStore}
	}
	t.Paths, t.checked = []string{p}, true
	t.DrvPath = infos[0].Deriver
	return t, nil
}

// outputsOf fills Paths with every output of the target's derivation; which
// of them exist is decided by the runtime query.
func outputsOf(ctx context.Context, st Store, t *Target) error {
	drvs, err := st.Derivations(ctx, []string{t.DrvPath}, false)
	if err != nil {
		return err
	}
	d, ok := drvs[t.DrvPath]
	if !ok {
		return &TargetError{Spec: t.Spec, Paths: []string{t.DrvPath}, Err: errors.New("no derivation came back for it")}
	}
	for _, name := range sortedKeys(d.Outputs) {
		if p := d.Outputs[name].Path; p != "" {
			t.Paths = append(t.Paths, p)
		}
	}
	return nil
}
