package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/voidnxsec/nixops-actions/pkg/nix/derivation"
	"github.com/voidnxsec/nixops-actions/pkg/nix/pathinfo"
	"github.com/voidnxsec/nixops-actions/pkg/nix/storepath"
)

// PathInfo returns the metadata of paths (with recursive, of their
// closures), sorted by path, each once. A .drv path means the derivation
// file itself in every Nix version (2.8 would otherwise answer for its
// outputs). A missing path comes back with Valid false, except with
// recursive, where Nix fails. The store database answers where it can be
// read (see WithSourceReport), else Nix's CLI, with the same Infos: NAR
// hashes in SRI form, no signatures as nil.
func (s *Store) PathInfo(ctx context.Context, paths []string, recursive bool) ([]pathinfo.Info, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	if infos, ok, err := s.pathInfoFromDB(ctx, paths, recursive); ok {
		return infos, err
	}
	infos, err := s.pathInfoCLI(ctx, paths, recursive)
	if err != nil {
		return nil, err
	}
	// Batches come one after the other, and .drv paths after the rest.
	slices.SortFunc(infos, func(a, b pathinfo.Info) int { return strings.Compare(a.Path, b.Path) })
	return infos, nil
}

// pathInfoCLI is PathInfo through `nix path-info`.
func (s *Store) pathInfoCLI(ctx context.Context, paths []string, recursive bool) ([]pathinfo.Info, error) {
	v, err := s.Version(ctx)
	if err != nil {
		return nil, err
	}
	drvs, others := splitDrvPaths(paths)
	args := pathInfoArgs(v, recursive)
	got := infoSet{seen: map[string]bool{}}
	if err := s.collectPathInfo(ctx, v, args, others, &got); err != nil {
		return nil, err
	}
	if cliFor(v).drvOutputsSuffix == "" {
		// Before 2.13, `--derivation` fails on a missing .drv instead of
		// reporting it, so the missing ones are sorted out first.
		var invalid []string
		if drvs, invalid, err = s.splitValid(ctx, drvs); err != nil {
			return nil, err
		}
		for _, p := range invalid {
			got.seen[p] = true
			got.infos = append(got.infos, pathinfo.Info{Path: p})
		}
	}
	if err := s.collectPathInfo(ctx, v, append(args, "--derivation"), drvs, &got); err != nil {
		return nil, err
	}
	return got.infos, nil
}

// infoSet gathers path infos in the order Nix prints them, each path
// once: closures queried in separate batches overlap.
type infoSet struct {
	seen  map[string]bool
	infos []pathinfo.Info
}

func (is *infoSet) add(in pathinfo.Info) {
	if !is.seen[in.Path] {
		is.seen[in.Path] = true
		is.infos = append(is.infos, in)
	}
}

func splitDrvPaths(paths []string) (drvs, others []string) {
	for _, p := range paths {
		if strings.HasSuffix(p, ".drv") {
			drvs = append(drvs, p)
		} else {
			others = append(others, p)
		}
	}
	return drvs, others
}

func pathInfoArgs(v Version, recursive bool) []string {
	args := []string{"path-info", "--json"}
	args = append(args, cliFor(v).jsonFormat...)
	if recursive {
		args = append(args, "--recursive")
	}
	return args
}

// collectPathInfo runs `nix path-info` with args on paths, in batches, and
// adds what it prints to got.
func (s *Store) collectPathInfo(ctx context.Context, v Version, args, paths []string, got *infoSet) error {
	return s.batched(paths, func(chunk []string) error {
		out, err := s.run(ctx, append(append(args[:len(args):len(args)], "--"), chunk...)...)
		if err != nil {
			return err
		}
		infos, err := pathinfo.Parse(out, s.StoreDir())
		if err != nil {
			return fmt.Errorf("nix %s printed JSON we cannot read: %w", v, err)
		}
		for _, in := range infos {
			// 2.23 and later print "signatures": [] where 2.8 prints none.
			if len(in.Signatures) == 0 {
				in.Signatures = nil
			}
			got.add(in)
		}
		return nil
	})
}

// splitValid asks the legacy nix-store, which sits beside nix, which
// paths are valid.
func (s *Store) splitValid(ctx context.Context, paths []string) (valid, invalid []string, err error) {
	bad := map[string]bool{}
	err = s.batched(paths, func(chunk []string) error {
		args := []string{"--check-validity", "--print-invalid"}
		if s.storeURI != "" {
			args = append(args, "--store", s.storeURI)
		}
		args = append(args, s.options...)
		out, err := s.execBin(ctx, s.sibling("nix-store"), append(append(args, "--"), chunk...))
		if err != nil {
			return err
		}
		for _, p := range strings.Fields(string(out)) {
			bad[p] = true
		}
		return nil
	})
	for _, p := range paths {
		if bad[p] {
			invalid = append(invalid, p)
		} else {
			valid = append(valid, p)
		}
	}
	return valid, invalid, err
}

// Derivations reads .drv files (with recursive, every derivation they
// depend on), keyed by full .drv path. Files the store keeps on this
// machine are parsed directly; Nix prints the others.
func (s *Store) Derivations(ctx context.Context, drvPaths []string, recursive bool) (map[string]*derivation.Derivation, error) {
	all, rest := s.readDrvFiles(drvPaths)
	if all == nil {
		all = map[string]*derivation.Derivation{}
	}
	if recursive {
		var err error
		if rest, err = s.readInputDrvs(ctx, all, rest); err != nil {
			return nil, err
		}
	}
	if len(rest) == 0 {
		return all, nil
	}
	got, err := s.showDerivations(ctx, rest, recursive)
	if err != nil {
		return nil, err
	}
	for k, d := range got {
		all[k] = d
	}
	return all, nil
}

// readInputDrvs walks the input derivations of the ones in all, level by
// level, reading their files; it returns the paths to ask Nix for (with
// their closures), rest included.
func (s *Store) readInputDrvs(ctx context.Context, all map[string]*derivation.Derivation, rest []string) ([]string, error) {
	queued := map[string]bool{}
	for _, p := range rest {
		queued[p] = true
	}
	level := make([]*derivation.Derivation, 0, len(all))
	for _, d := range all {
		level = append(level, d)
	}
	for len(level) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var next []string
		for _, d := range level {
			for in := range d.InputDrvs {
				if all[in] == nil && !queued[in] {
					queued[in] = true
					next = append(next, in)
				}
			}
		}
		got, unread := s.readDrvFiles(next)
		rest = append(rest, unread...)
		level = level[:0]
		for p, d := range got {
			all[p] = d
			level = append(level, d)
		}
	}
	return rest, nil
}

// showDerivations has Nix print the derivations as JSON, running batches
// side by side: one Nix process mostly waits on its store.
func (s *Store) showDerivations(ctx context.Context, drvPaths []string, recursive bool) (map[string]*derivation.Derivation, error) {
	v, err := s.Version(ctx)
	if err != nil {
		return nil, err
	}
	args := cliFor(v).showDerivation
	if recursive {
		args = append(args, "--recursive")
	}
	all := map[string]*derivation.Derivation{}
	var mu sync.Mutex
	err = s.batchedParallel(ctx, drvPaths, func(ctx context.Context, chunk []string) error {
		out, err := s.run(ctx, append(append(args[:len(args):len(args)], "--"), chunk...)...)
		if err != nil {
			return err
		}
		got, err := derivation.ParseJSON(out, s.StoreDir())
		if err != nil {
			return fmt.Errorf("nix %s printed derivation JSON we cannot read: %w", v, err)
		}
		mu.Lock()
		defer mu.Unlock()
		for k, d := range got {
			all[k] = d
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return all, nil
}

// Realise builds installable and returns its derivation and output paths.
// A bare .drv path means "build its outputs" in every Nix version.
func (s *Store) Realise(ctx context.Context, installable string) (string, map[string]string, error) {
	v, err := s.Version(ctx)
	if err != nil {
		return "", nil, err
	}
	if s.isStorePath(installable) && strings.HasSuffix(installable, ".drv") {
		installable += cliFor(v).drvOutputsSuffix
	}
	out, err := s.run(ctx, "build", "--no-link", "--json", "--", installable)
	if err != nil {
		return "", nil, err
	}
	var built []struct {
		DrvPath string            `json:"drvPath"`
		Outputs map[string]string `json:"outputs"`
	}
	if err := json.Unmarshal(out, &built); err != nil {
		return "", nil, fmt.Errorf("reading `nix build --json` output of %s: %w", installable, err)
	}
	if len(built) != 1 {
		return "", nil, fmt.Errorf("nix build %s: expected one result, got %d", installable, len(built))
	}
	outputs := make(map[string]string, len(built[0].Outputs))
	for name, p := range built[0].Outputs {
		outputs[name] = s.full(p)
	}
	return s.full(built[0].DrvPath), outputs, nil
}

// DrvPath returns the derivation of installable without building anything:
// a .drv path is itself, another store path gives its recorded deriver, and
// anything else is evaluated.
func (s *Store) DrvPath(ctx context.Context, installable string) (string, error) {
	if s.isStorePath(installable) {
		p := installable
		if i := strings.IndexAny(p, "^!"); i >= 0 {
			p = p[:i]
		}
		if strings.HasSuffix(p, ".drv") {
			return p, nil
		}
		infos, err := s.PathInfo(ctx, []string{p}, false)
		if err != nil {
			return "", err
		}
		if len(infos) != 1 || !infos[0].Valid {
			return "", fmt.Errorf("%s: %w", p, ErrNotValid)
		}
		if infos[0].Deriver == "" {
			return "", fmt.Errorf("%s: %w", p, ErrNoDeriver)
		}
		return infos[0].Deriver, nil
	}
	// `.drvPath` only evaluates; `path-info --derivation` may realise
	// inputs in some versions.
	out, err := s.eval(ctx, "--raw", "--", drvPathAttr(installable))
	if err != nil {
		return "", err
	}
	drv := s.full(strings.TrimSpace(string(out)))
	if !strings.HasSuffix(drv, ".drv") {
		return "", fmt.Errorf("%s evaluated to %q, which is not a derivation path", installable, drv)
	}
	return drv, nil
}

// drvPathAttr appends `.drvPath` to the attribute part of an installable;
// a flake without fragment gets its default package.
func drvPathAttr(installable string) string {
	if i := strings.IndexByte(installable, '^'); i >= 0 {
		installable = installable[:i]
	}
	if !strings.Contains(installable, "#") {
		return installable + "#default.drvPath"
	}
	return installable + ".drvPath"
}

// Eval evaluates installable to JSON, after applying the Nix function
// applyFn (skipped when empty).
func (s *Store) Eval(ctx context.Context, installable, applyFn string) ([]byte, error) {
	args := []string{"--json"}
	if applyFn != "" {
		args = append(args, "--apply", applyFn)
	}
	return s.eval(ctx, append(args, "--", installable)...)
}

// eval runs `nix eval` with import from derivation turned off: it builds
// during evaluation, on by default, and evaluation here never builds.
// Every supported version (2.8 on, and Lix) knows the option, and it
// comes after the caller's options, so it wins over them and nix.conf.
func (s *Store) eval(ctx context.Context, args ...string) ([]byte, error) {
	out, err := s.run(ctx, append([]string{"--option", "allow-import-from-derivation", "false", "eval"}, args...)...)
	// Nix names the option when it refuses the build (2.8 to 2.34).
	var ce *CmdError
	if errors.As(err, &ce) && strings.Contains(ce.Stderr, "allow-import-from-derivation") {
		return nil, fmt.Errorf("%w: %w", ErrImportFromDerivation, err)
	}
	return out, err
}

func (s *Store) isStorePath(p string) bool { return storepath.InDir(s.StoreDir(), p) }

// full turns a base name (newer Nix prints those) into a store path.
func (s *Store) full(p string) string {
	if p == "" {
		return p
	}
	return storepath.Join(s.StoreDir(), p)
}

// batchedParallel calls fn on chunks of at most s.batch items, as many at
// once as there are CPUs; the first error cancels the others.
func (s *Store) batchedParallel(ctx context.Context, items []string, fn func(context.Context, []string) error) error {
	var chunks [][]string
	s.batched(items, func(c []string) error { chunks = append(chunks, c); return nil })
	switch len(chunks) {
	case 0:
		return nil
	case 1:
		return fn(ctx, chunks[0])
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for _, c := range chunks {
		g.Go(func() error { return fn(ctx, c) })
	}
	return g.Wait()
}

// batched calls fn on consecutive chunks of at most s.batch items.
func (s *Store) batched(items []string, fn func([]string) error) error {
	for len(items) > 0 {
		n := min(s.batch, len(items))
		if err := fn(items[:n]); err != nil {
			return err
		}
		items = items[n:]
	}
	return nil
}
