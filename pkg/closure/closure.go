// Package closure assembles the bill of materials of a Nix closure from the
// store: runtime references, build inputs, derivation data and the metadata
// that only the Nix language knows.
package closure

import (
	"context"
	"slices"
	"sort"

	"github.com/voidnxsec/nixops-actions/pkg/nix/derivation"
	"github.com/voidnxsec/nixops-actions/pkg/nix/pathinfo"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
)

// Store is what the assembly needs from Nix; *store.Store provides it.
type Store interface {
	PathInfo(ctx context.Context, paths []string, recursive bool) ([]pathinfo.Info, error)
	Derivations(ctx context.Context, drvPaths []string, recursive bool) (map[string]*derivation.Derivation, error)
	Eval(ctx context.Context, installable, applyFn string) ([]byte, error)
	StoreDir() string
}

// Options say what to collect.
type Options struct {
	Scope sbom.Scope // runtime, buildtime or both
	// Meta walks meta.* (licenses, homepage...) of a flake target in the
	// same evaluation that resolves it.
	Meta bool
	// Warn receives problems that lose some metadata but not the document.
	Warn func(format string, args ...any)
}

// graph is the closure before it becomes a BOM: nodes by store path.
type graph struct {
	nodes   map[string]*node
	runtime map[string][]string // runtime references, self excluded
	build   map[string][]string // build inputs
	drvs    map[string]*derivation.Derivation
}

type node struct {
	path    string
	drv     string // deriving .drv, "" when unknown
	output  string
	info    *pathinfo.Info
	runtime bool
	build   bool
	source  bool // an input source added to the store, not built
}

// Build resolves the target and assembles its BOM.
func Build(ctx context.Context, st Store, t *Target, opts Options) (*sbom.BOM, error) {
	if opts.Warn == nil {
		opts.Warn = func(string, ...any) {}
	}
	g := &graph{nodes: map[string]*node{}, runtime: map[string][]string{}, build: map[string][]string{}, drvs: map[string]*derivation.Derivation{}}
	if opts.Scope == sbom.Runtime || opts.Scope == sbom.Both {
		if err := g.addRuntime(ctx, st, t); err != nil {
			return nil, err
		}
	}
	if opts.Scope == sbom.BuildTime || opts.Scope == sbom.Both {
		if t.DrvPath == "" {
			return nil, &TargetError{Spec: t.Spec, Paths: t.Paths, Err: ErrNoDerivation}
		}
		if err := g.addBuildTime(ctx, st, t); err != nil {
			return nil, err
		}
	}
	var meta map[string]Meta
	if opts.Meta && t.Flake {
		meta = t.meta
		if !t.metaDone { // resolved without the walk: a second evaluation
			m, err := evalMeta(ctx, st, t.Spec)
			if err != nil {
				opts.Warn("metadata of %s could not be evaluated, licenses and homepages are left out: %v", t.Spec, err)
			}
			meta = m
		}
	}
	return g.bom(t, meta), nil
}

func (g *graph) addRuntime(ctx context.Context, st Store, t *Target) error {
	valid, err := validPaths(ctx, st, t)
	if err != nil {
		return err
	}
	t.Paths, t.checked = valid, true
	infos, err := st.PathInfo(ctx, valid, true)
	if err != nil {
		return err
	}
	var derivers []string
	for i := range infos {
		in := &infos[i]
		if !in.Valid {
			continue
		}
		n := g.node(in.Path)
		n.info, n.runtime, n.drv = in, true, in.Deriver
		for _, r := range in.References {
			if r != in.Path {
				g.runtime[in.Path] = append(g.runtime[in.Path], r)
			}
		}
		if in.Deriver != "" {
			derivers = append(derivers, in.Deriver)
		}
	}
	return g.loadDerivations(ctx, st, uniq(derivers))
}

// validPaths keeps the target paths that are in the store.
func validPaths(ctx context.Context, st Store, t *Target) ([]string, error) {
	if t.checked {
		return t.Paths, nil
	}
	roots, err := st.PathInfo(ctx, t.Paths, false)
	if err != nil {
		return nil, err
	}
	var valid []string
	for _, in := range roots {
		if in.Valid {
			valid = append(valid, in.Path)
		}
	}
	if len(valid) == 0 {
		return nil, &TargetError{Spec: t.Spec, Paths: t.Paths, Err: ErrNotBuilt}
	}
	return valid, nil
}

// loadDerivations reads the derivers in one batch. A deriver that is gone
// from the store (garbage-collected, or the path was substituted) only
// costs that component its derivation data, so on failure the batch is
// retried with the derivers that exist.
func (g *graph) loadDerivations(ctx context.Context, st Store, drvPaths []string) error {
	if len(drvPaths) == 0 {
		return nil
	}
	drvs, err := st.Derivations(ctx, drvPaths, false)
	if err != nil {
		infos, perr := st.PathInfo(ctx, drvPaths, false)
		if perr != nil {
			return err
		}
		var present []string
		for _, in := range infos {
			if in.Valid {
				present = append(present, in.Path)
			}
		}
		if len(present) == len(drvPaths) {
			return err
		}
		if drvs, err = st.Derivations(ctx, present, false); err != nil {
			return err
		}
	}
	for p, d := range drvs {
		g.drvs[p] = d
	}
	for _, n := range g.nodes {
		if d := g.drvs[n.drv]; d != nil && n.output == "" {
			n.output = outputName(d, n.path)
		}
	}
	return nil
}

func (g *graph) addBuildTime(ctx context.Context, st Store, t *Target) error {
	drvs, err := st.Derivations(ctx, []string{t.DrvPath}, true)
	if err != nil {
		return err
	}
	for p, d := range drvs {
		g.drvs[p] = d
	}
	// Only the outputs something asks for are in the closure, and all of the
	// target's own.
	wanted := map[string][]string{t.DrvPath: sortedKeys(drvs[t.DrvPath].Outputs)}
	for _, d := range drvs {
		for in, outs := range d.InputDrvs {
			wanted[in] = append(wanted[in], outs...)
		}
	}
	var paths []string
	for drvPath, outs := range wanted {
		d := drvs[drvPath]
		if d == nil {
			continue
		}
		for _, o := range uniq(outs) {
			p := d.Outputs[o].Path
			if p == "" {
				continue // a floating content-addressed output: no path before it is built
			}
			n := g.node(p)
			n.build, n.drv, n.output = true, drvPath, o
			paths = append(paths, p)
			g.build[p] = g.inputsOf(d)
		}
		for _, src := range d.InputSrcs {
			n := g.node(src)
			n.build, n.source = true, true
			paths = append(paths, src)
		}
	}
	return g.addHashes(ctx, st, uniq(paths))
}

// inputsOf lists the store paths a derivation's build reads.
func (g *graph) inputsOf(d *derivation.Derivation) []string {
	deps := slices.Clone(d.InputSrcs)
	for in, outs := range d.InputDrvs {
		if id := g.drvs[in]; id != nil {
			for _, o := range outs {
				if p := id.Outputs[o].Path; p != "" {
					deps = append(deps, p)
				}
			}
		}
	}
	return uniq(deps)
}

// addHashes fills in NAR hashes of the build-time paths that were built.
func (g *graph) addHashes(ctx context.Context, st Store, paths []string) error {
	var missing []string
	for _, p := range paths {
		if g.nodes[p].info == nil {
			missing = append(missing, p)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	infos, err := st.PathInfo(ctx, missing, false)
	if err != nil {
		return err
	}
	for i := range infos {
		if infos[i].Valid {
			g.nodes[infos[i].Path].info = &infos[i]
		}
	}
	return nil
}

func (g *graph) node(p string) *node {
	n := g.nodes[p]
	if n == nil {
		n = &node{path: p}
		g.nodes[p] = n
	}
	return n
}

func outputName(d *derivation.Derivation, p string) string {
	for name, o := range d.Outputs {
		if o.Path == p {
			return name
		}
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func uniq(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}
