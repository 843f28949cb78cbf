package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/nix/store"
	"github.com/voidnxsec/nixops-actions/pkg/nix/storepath"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
)

// config is what the inputs ask for, checked.
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
	snapshot  *snapshotPlan // nil: no dependency snapshot asked for
	compare   *comparePlan  // nil: no compare-to
	release   *releasePlan  // nil: no release assets to attach
	// githubTimeout bounds all the GitHub API calls of the run together.
	githubTimeout time.Duration
	// storeOptions come after those the inputs give; tests set them.
	storeOptions []store.Option
}

// check completes cfg and finds what Parse cannot see, before any Nix work.
func (cfg *config) check(getenv func(string) string, formats []string) error {
	ts, err := timestamp(getenv)
	if err != nil {
		return err
	}
	cfg.timestamp = ts
	if cfg.workers < 0 {
		return &action.InputError{Input: "workers", Err: fmt.Errorf("%d is negative: give 0 (one per CPU) or a positive number", cfg.workers)}
	}
	for _, f := range formats {
		pf, err := sbom.ParseFormat(f)
		if err != nil {
			return &action.InputError{Input: "format", Err: err}
		}
		cfg.formats = append(cfg.formats, pf)
	}
	if err := checkNixStore(cfg.nixStore); err != nil {
		return err
	}
	return checkWritable(cfg.outDir)
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

// checkNixStore refuses a store directory that does not exist: Nix would
// create an empty store there, and a typo would read as "not built".
func checkNixStore(v string) error {
	root := storepath.Locate(storepath.Settings{Flag: v}).Root
	if v == "" || root == "" {
		return nil
	}
	if _, err := os.Stat(root); err != nil {
		return &action.InputError{Input: "nix-store", Err: fmt.Errorf("%q: %w", v, errors.Unwrap(err)),
			Accepted: "the directory of an existing store (--store DIR), or a store URI such as daemon or ssh://host"}
	}
	return nil
}

// checkWritable fails before any Nix work if the documents could not be saved.
func checkWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return &action.InputError{Input: "output-dir", Err: fmt.Errorf("cannot create %q: %w", dir, err)}
	}
	f, err := os.CreateTemp(dir, ".nixops-sbom-probe-*")
	if err != nil {
		return &action.InputError{Input: "output-dir", Err: fmt.Errorf("%q is not writable: %w", dir, err)}
	}
	f.Close()
	return os.Remove(f.Name())
}

func formatNames() []string {
	var names []string
	for _, f := range sbom.Formats {
		names = append(names, string(f))
	}
	return names
}

// tuneGC trades memory the run has to spare for fewer collections: the
// heap may grow to five times what is live (GOGC=400) while under a soft
// limit of 120 MiB, which a 10,000-path closure stays under (its peak
// resident size is then about 180 MB, against 200 MB at 150 MiB for the
// same CPU time; 100 MiB costs CPU), and is collected as often as needed
// to stay near the limit beyond that (Go caps that work at half the CPU).
// GOGC or GOMEMLIMIT in the environment win.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(120 << 20)
}

// parseInputs declares every input and output, then reads and checks them
// before any Nix work.
func parseInputs(ctx context.Context, a *action.Action) (*config, error) {
	in := a.Inputs()
	target := in.String("target", "", "flake installable (.#default), /nix/store path, ./result link or .drv", action.Required())
	scope := in.Enum("closure", "runtime", []string{"runtime", "buildtime", "both"}, "runtime: output closure (must be built); buildtime: derivation closure (evaluation only); both")
	formats := in.List("format", []string{"cyclonedx-json", "spdx-json"}, "documents to write", action.AllowedValues(formatNames()...))
	outDir := in.String("output-dir", "out", "directory for the documents and sbom.prom")
	emb := in.Bool("embedded", true, "also list the Go, Rust, Python, npm and Java packages embedded inside store paths (syft catalogers)")
	meta := in.Bool("meta", true, "for a flake target, also read meta.* (licenses, homepage, CPE) in the same evaluation")
	workers := in.Int("workers", 0, "parallel workers for the embedded scan (0: one per CPU)")
	nixStore := in.String("nix-store", "", "Nix store to query (passed as --store); empty: the default store")
	snap := declareSnapshotInputs(in)
	rel := declareReleaseInputs(in)
	compareTo := in.String("compare-to", "", "what to diff against: a CycloneDX JSON SBOM file (the base branch's artifact), else a git ref (origin/main) of the flake target's repository, read in a temporary worktree with the same closure; on a pull request also one comment (needs pull-requests: write)")
	ghTimeout := in.Duration("github-timeout", 5*time.Minute, "one deadline for all of this run's GitHub API calls (comment, snapshot, release assets), retries included")
	for _, f := range sbom.Formats {
		in.Output(string(f), "path of the "+string(f)+" document, when that format was asked for")
	}
	in.Output("components", "number of components, embedded packages included")
	in.Output("closure-bytes", "sum of the NAR sizes of the store paths that exist")
	in.Output("metrics-file", "path of sbom.prom")
	for _, o := range compareOutputs {
		in.Output(o.name, o.help)
	}
	err := in.Parse()
	if err != nil {
		return nil, err
	}
	cfg := &config{target: *target, scope: sbom.Scope(*scope), outDir: *outDir, embedded: *emb, meta: *meta, workers: *workers, nixStore: *nixStore,
		githubTimeout: *ghTimeout}
	// compare-to is read first: a bad file leaves even output-dir alone.
	if cfg.compare, err = planCompare(ctx, a, *compareTo, *target, snap); err != nil {
		return nil, err
	}
	if err := cfg.check(a.Getenv, *formats); err != nil {
		return nil, err
	}
	if cfg.snapshot, err = snap.plan(a); err != nil {
		return nil, err
	}
	cfg.release, err = rel.plan(a, snap)
	return cfg, err
}
