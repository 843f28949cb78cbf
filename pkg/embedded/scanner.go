// Package embedded finds the language packages built into Nix store paths
// (Go modules in binaries, cargo-auditable crates, Python dist-info, npm
// packages, Java archives) with syft's package catalogers.
//
// syft is heavy to build and link, so it is imported here only: the binary
// that writes SBOMs links this package, the other actions do not.
//
// No sqlite driver is imported: syft needs one (modernc.org/sqlite) only for
// its Nix database cataloger, which this package never runs since the Nix
// components come from our own closure walk. Importing it here would also
// panic at start-up ("sql: Register called twice") in any binary that links
// grype, which registers the same driver name.
package embedded

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/anchore/syft/syft"
	"github.com/anchore/syft/syft/cataloging"
	"github.com/anchore/syft/syft/cataloging/filecataloging"
	"github.com/anchore/syft/syft/cataloging/pkgcataloging"
	"github.com/anchore/syft/syft/file"
	"github.com/anchore/syft/syft/pkg"
	"github.com/anchore/syft/syft/pkg/cataloger/golang"
	"github.com/anchore/syft/syft/pkg/cataloger/java"
	"github.com/anchore/syft/syft/pkg/cataloger/javascript"
	"github.com/anchore/syft/syft/pkg/cataloger/python"
	"github.com/anchore/syft/syft/pkg/cataloger/rust"
	"github.com/anchore/syft/syft/source"
	"github.com/anchore/syft/syft/source/directorysource"
	"github.com/anchore/syft/syft/source/filesource"

	"github.com/voidnxsec/nixops-actions/pkg/nix/storepath"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
)

// maxWorkers bounds WithWorkers: each worker holds one store path's file
// index in memory, and more workers than this only contend for the disk.
const maxWorkers = 64

// Scanner scans store paths for embedded packages. It is safe for
// concurrent use.
type Scanner struct {
	workers int
	loc     *storepath.Location // nil: read store paths where they are named
	// scanned, when set, hears of each path scanned without error: tests
	// cancel a scan midway by it rather than by the clock.
	scanned func(storePath string)

	// licenses holds syft's license scanner, built on the first Scan and
	// reused: building it costs most of a second of CPU.
	licensesOnce sync.Once
	licenses     context.Context
	licensesErr  error
}

// Option configures a Scanner.
type Option func(*Scanner)

// WithWorkers sets how many store paths are scanned at once; n < 1 keeps the
// default (the number of CPUs) and n is capped at 64.
func WithWorkers(n int) Option {
	return func(s *Scanner) {
		if n >= 1 {
			s.workers = min(n, maxWorkers)
		}
	}
}

// WithLocation reads store paths where loc says the store keeps them (a
// `nix --store DIR` store keeps /nix/store/x at DIR/nix/store/x). Without
// it, paths are read where they are named.
func WithLocation(loc storepath.Location) Option {
	return func(s *Scanner) { s.loc = &loc }
}

// New returns a Scanner.
func New(opts ...Option) *Scanner {
	s := &Scanner{workers: min(runtime.NumCPU(), maxWorkers)}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Prepare starts building syft's license scanner in the background, so
// that its second of CPU overlaps what the caller does before the first
// Scan (evaluating and reading the closure) instead of following it.
func (s *Scanner) Prepare() { go s.licensesOnce.Do(s.buildLicenseScanner) }

// buildLicenseScanner puts syft's license scanner into a context, where
// syft finds it instead of building one per store path.
func (s *Scanner) buildLicenseScanner() {
	s.licenses, s.licensesErr = syft.SetContextLicenseScanner(context.Background(), cataloging.DefaultLicenseConfig())
}

// Scan catalogs each store path and returns the packages found inside it,
// keyed by the store path as given; paths holding none have no entry. Each
// path is scanned once however often it is listed. The error of one path
// names it and does not lose the results of the others; all are joined. On
// cancellation the paths already scanned are returned with ctx.Err().
func (s *Scanner) Scan(ctx context.Context, storePaths []string) (map[string][]sbom.Component, error) {
	if s.loc != nil && s.loc.RealDir == "" {
		return nil, fmt.Errorf("%w (%s)", ErrNotLocal, s.loc.URI)
	}
	paths := slices.Clone(storePaths)
	slices.Sort(paths)
	paths = slices.Compact(paths)

	s.licensesOnce.Do(s.buildLicenseScanner)
	if s.licensesErr != nil {
		return nil, fmt.Errorf("set up syft license scanner: %w", s.licensesErr)
	}
	ctx = withValues{Context: ctx, values: s.licenses}

	cfgs := defaultCatalogerConfigs()
	found := make([][]sbom.Component, len(paths))
	errs := make([]error, len(paths))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(s.workers, len(paths)) {
		wg.Go(func() {
			for i := range jobs {
				found[i], errs[i] = s.scanPath(ctx, paths[i], cfgs)
				if s.scanned != nil && errs[i] == nil {
					s.scanned(paths[i])
				}
			}
		})
	}
	feed(ctx, jobs, len(paths))
	wg.Wait()

	out := make(map[string][]sbom.Component)
	for i, p := range paths {
		if len(found[i]) > 0 {
			out[p] = found[i]
		}
	}
	// A path cut short may have failed or been cataloged in part: the
	// caller must not take the result as complete.
	if err := ctx.Err(); err != nil {
		return out, err
	}
	return out, errors.Join(errs...)
}

// ErrNotLocal is returned, before anything is scanned, for a store whose
// files only Nix can reach (an ssh store, a binary cache).
var ErrNotLocal = errors.New("the store keeps its files where only Nix can reach them")

// withValues is ctx (its deadline and cancellation) with the values of
// another context layered over its own.
type withValues struct {
	context.Context
	values context.Context
}

func (c withValues) Value(key any) any {
	if v := c.values.Value(key); v != nil {
		return v
	}
	return c.Context.Value(key)
}

// feed sends the job indexes 0..n-1 until done or ctx ends.
func feed(ctx context.Context, jobs chan<- int, n int) {
	defer close(jobs)
	for i := range n {
		select {
		case jobs <- i:
		case <-ctx.Done():
			return
		}
	}
}

func (s *Scanner) scanPath(ctx context.Context, storePath string, cfgs catalogerConfigs) ([]sbom.Component, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !path.IsAbs(storePath) || path.Clean(storePath) != storePath || storePath == "/" {
		return nil, fmt.Errorf("store path %q: want an absolute, clean path such as /nix/store/<hash>-<name>", storePath)
	}
	dir := storePath
	if s.loc != nil {
		var ok bool
		if dir, ok = s.loc.File(storePath); !ok {
			return nil, fmt.Errorf("store path %s: not in the store directory %s", storePath, s.loc.StoreDir)
		}
	}
	src, err := newSource(filepath.FromSlash(dir))
	if err != nil {
		return nil, fmt.Errorf("store path %s: %w", storePath, err)
	}
	defer src.Close()

	doc, err := syft.CreateSBOM(ctx, src, catalogConfig(cfgs))
	if err != nil {
		return nil, fmt.Errorf("store path %s: catalog with syft: %w", storePath, err)
	}
	return components(path.Base(storePath), doc.Artifacts.Packages.Sorted()), nil
}

// newSource opens a store path as a syft source. The base is the store path
// itself, so syft resolves absolute and escaping symlinks inside it (links
// to other store paths, which are scanned on their own) within it: they
// dangle rather than pull another store path, or the host, into this scan.
func newSource(dir string) (source.Source, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("not readable, check the store location (WithLocation) and that the path is realised: %w", err)
	}
	if info.IsDir() {
		return directorysource.New(directorysource.Config{Path: dir, Base: dir})
	}
	// A store path may be a single file (a jar, a script); archives are
	// not unpacked since the catalogers that need to open them do so.
	return filesource.New(filesource.Config{Path: dir, SkipExtractArchive: true})
}

// catalogConfig runs only the package catalogers for embedded language
// packages: no file digests or metadata (too slow over whole closures), and
// no Nix store cataloger (our own Nix components already cover it).
//
// It is built field by field: syft's DefaultCreateSBOMConfig compiles the
// regular expressions of every binary classifier, which took most of the
// time of scanning a small store path.
func catalogConfig(c catalogerConfigs) *syft.CreateSBOMConfig {
	cfg := &syft.CreateSBOMConfig{
		// "What is unknown stays empty": syft would stub a missing version
		// (a Go main module built from a checkout) with "UNKNOWN".
		Compliance: cataloging.ComplianceConfig{
			MissingName:    cataloging.ComplianceActionDrop,
			MissingVersion: cataloging.ComplianceActionKeep,
		},
		Search:         cataloging.DefaultSearchConfig(),
		DataGeneration: cataloging.DefaultDataGenerationConfig(),
		Licenses:       cataloging.DefaultLicenseConfig(),
		Files:          filecataloging.Config{Selection: file.NoFilesSelection},
		Archive:        cataloging.DefaultArchiveSearchConfig(),
		Parallelism:    1, // store paths run in parallel; one path runs serially
		// syft's default selection for a directory names tags that only its
		// own catalogers carry.
		CatalogerSelection: cataloging.NewSelectionRequest().WithDefaults(catalogerTag).WithRemovals(filecataloging.FileTag),
	}
	return cfg.WithCatalogers(c.catalogers()...)
}

const catalogerTag = "nixops-embedded"

// catalogerConfigs are the settings of our catalogers, read once per Scan.
type catalogerConfigs struct {
	golang     golang.CatalogerConfig
	javaScript javascript.CatalogerConfig
	java       java.ArchiveCatalogerConfig
}

func defaultCatalogerConfigs() catalogerConfigs {
	return catalogerConfigs{
		golang:     golang.DefaultCatalogerConfig(),
		javaScript: javascript.DefaultCatalogerConfig(),
		java:       java.DefaultArchiveCatalogerConfig(),
	}
}

// catalogers are built per store path: the Go cataloger keeps state keyed
// by the path of a binary inside the scanned tree, which would mix up two
// store paths that both hold bin/hello.
func (c catalogerConfigs) catalogers() []pkgcataloging.CatalogerReference {
	list := []pkg.Cataloger{
		golang.NewGoModuleBinaryCataloger(c.golang),
		rust.NewAuditBinaryCataloger(),
		python.NewInstalledPackageCataloger(),
		javascript.NewLockCataloger(c.javaScript),
		javascript.NewPackageCataloger(),
		java.NewArchiveCataloger(c.java),
	}
	refs := make([]pkgcataloging.CatalogerReference, len(list))
	for i, cat := range list {
		refs[i] = pkgcataloging.NewCatalogerReference(cat, []string{catalogerTag})
	}
	return refs
}
