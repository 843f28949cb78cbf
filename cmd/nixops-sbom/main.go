// Command nixops-sbom writes CycloneDX and SPDX SBOMs of a Nix closure. It is
// the sbom action's step and, with the same names as flags, a laptop CLI.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/closure"
	"github.com/voidnxsec/nixops-actions/pkg/embedded"
	"github.com/voidnxsec/nixops-actions/pkg/nix/store"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
)

// version is set at release time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() { action.Main(run) }

type config struct {
	target    string
	scope     sbom.Scope
	formats   []sbom.Format
	outDir    string
	embedded  bool
	meta      bool
	workers   int
	nixStore  string
	timestamp time.Time
}

func run(ctx context.Context, a *action.Action) error {
	tuneGC(a.Getenv)
	cfg, err := parseInputs(a)
	if err != nil {
		return err
	}
	b, err := generate(ctx, a, cfg)
	if err != nil {
		return err
	}
	files, err := write(b, cfg)
	if err != nil {
		return err
	}
	return report(a, b, cfg, files)
}

// tuneGC trades memory the run has to spare for fewer collections: the
// heap may grow to five times what is live (GOGC=400) while under a soft
// limit of 150 MiB, which a 10,000-path closure stays under, and is
// collected as often as needed to stay near the limit beyond that (Go caps
// that work at half the CPU). GOGC or GOMEMLIMIT in the environment win.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(150 << 20)
}

func parseInputs(a *action.Action) (*config, error) {
	in := a.Inputs()
	target := in.String("target", "", "flake installable (.#default), /nix/store path, ./result link or .drv", action.Required())
	scope := in.Enum("closure", "runtime", []string{"runtime", "buildtime", "both"}, "runtime: output closure (must be built); buildtime: derivation closure (evaluation only); both")
	formats := in.List("format", []string{"cyclonedx-json", "spdx-json"}, "documents to write", action.AllowedValues(formatNames()...))
	outDir := in.String("output-dir", "out", "directory for the documents and sbom.prom")
	emb := in.Bool("embedded", true, "also list the Go, Rust, Python, npm and Java packages embedded inside store paths (syft catalogers)")
	meta := in.Bool("meta", true, "evaluate a flake target once more for meta.* (licenses, homepage, CPE)")
	workers := in.Int("workers", 0, "parallel workers for the embedded scan (0: one per CPU)")
	nixStore := in.String("nix-store", "", "Nix store to query (passed as --store); empty: the default store")
	for _, f := range sbom.Formats {
		in.Output(string(f), "path of the "+string(f)+" document, when that format was asked for")
	}
	in.Output("components", "number of components, embedded packages included")
	in.Output("closure-bytes", "sum of the NAR sizes of the store paths that exist")
	in.Output("metrics-file", "path of sbom.prom")
	if err := in.Parse(); err != nil {
		return nil, err
	}
	ts, err := timestamp(a.Getenv)
	if err != nil {
		return nil, err
	}
	if *workers < 0 {
		return nil, fmt.Errorf("input \"workers\": %d is negative: give 0 (one per CPU) or a positive number", *workers)
	}
	cfg := &config{target: *target, scope: sbom.Scope(*scope), outDir: *outDir, embedded: *emb, meta: *meta, workers: *workers, nixStore: *nixStore, timestamp: ts}
	for _, f := range *formats {
		pf, err := sbom.ParseFormat(f)
		if err != nil {
			return nil, fmt.Errorf("input \"format\": %w", err)
		}
		cfg.formats = append(cfg.formats, pf)
	}
	return cfg, checkWritable(cfg.outDir)
}

// timestamp honours SOURCE_DATE_EPOCH, so a rebuild gives the same bytes.
func timestamp(getenv func(string) string) (time.Time, error) {
	v := getenv("SOURCE_DATE_EPOCH")
	if v == "" {
		return time.Now().UTC().Truncate(time.Second), nil
	}
	sec, err := strconv.ParseInt(v, 10, 64)
	if err != nil || sec < 0 {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds since 1970: unset it or give e.g. $(git log -1 --format=%%ct)", v)
	}
	return time.Unix(sec, 0).UTC(), nil
}

func formatNames() []string {
	var names []string
	for _, f := range sbom.Formats {
		names = append(names, string(f))
	}
	return names
}

// checkWritable fails before any Nix work if the documents could not be saved.
func checkWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("input \"output-dir\": cannot create %q: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".nixops-sbom-probe-*")
	if err != nil {
		return fmt.Errorf("input \"output-dir\": %q is not writable: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

func generate(ctx context.Context, a *action.Action, cfg *config) (*sbom.BOM, error) {
	var opts []store.Option
	if cfg.nixStore != "" {
		opts = append(opts, store.WithStore(cfg.nixStore))
	}
	st := store.New(opts...)
	v, err := st.Version(ctx)
	if err != nil {
		return nil, err
	}
	a.Infof("using %s", v.Raw)

	end := a.Group("Resolve " + cfg.target)
	t, err := closure.Resolve(ctx, st, cfg.target)
	end()
	if err != nil {
		return nil, err
	}
	end = a.Group(fmt.Sprintf("Read the %s closure of %s", cfg.scope, strings.Join(t.Paths, " ")))
	b, err := closure.Build(ctx, st, t, closure.Options{Scope: cfg.scope, Meta: cfg.meta, Warn: a.Warningf})
	end()
	if err != nil {
		return nil, err
	}
	if cfg.embedded {
		end = a.Group("Scan store paths for embedded packages")
		err = addEmbedded(ctx, b, cfg)
		end()
		if err != nil {
			return nil, err
		}
	}
	b.Timestamp, b.ToolName, b.ToolVersion = cfg.timestamp, "nixops-sbom", version
	return b, sbom.Validate(b)
}

// addEmbedded scans the store paths that exist and hangs what it finds
// under the store path that holds it.
func addEmbedded(ctx context.Context, b *sbom.BOM, cfg *config) error {
	byPath := map[string]*sbom.Component{}
	var paths []string
	for i := range b.Components {
		c := &b.Components[i]
		if len(c.Hashes) > 0 && c.NarSize > 0 {
			byPath[c.StorePath] = c
			paths = append(paths, c.StorePath)
		}
	}
	opts := []embedded.Option{embedded.WithWorkers(cfg.workers)}
	if root := storeRoot(cfg.nixStore); root != "" {
		opts = append(opts, embedded.WithRoot(root))
	}
	found, err := embedded.New(opts...).Scan(ctx, paths)
	if err != nil {
		return err
	}
	for p, comps := range found {
		parent := byPath[p]
		for _, c := range comps {
			c.Scope = parent.Scope
			b.Components = append(b.Components, c)
			b.Dependencies[parent.Ref] = append(b.Dependencies[parent.Ref], c.Ref)
			b.Dependencies[c.Ref] = nil
		}
	}
	sbom.Sort(b)
	return nil
}

// storeRoot is the directory a --store DIR store keeps its /nix/store under.
func storeRoot(nixStore string) string {
	if nixStore == "" || strings.Contains(nixStore, "://") {
		return ""
	}
	if strings.HasPrefix(nixStore, "local?") {
		return ""
	}
	abs, err := filepath.Abs(nixStore)
	if err != nil {
		return nixStore
	}
	return abs
}
