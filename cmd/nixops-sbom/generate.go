package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/closure"
	"github.com/voidnxsec/nixops-actions/pkg/embedded"
	"github.com/voidnxsec/nixops-actions/pkg/nix/store"
	"github.com/voidnxsec/nixops-actions/pkg/nix/storedb"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
)

// generate reads the closure from the store, scans it for embedded
// packages when asked, and returns the valid BOM.
func generate(ctx context.Context, a *action.Action, cfg *config) (*sbom.BOM, error) {
	opts := []store.Option{store.WithGetenv(a.Getenv), store.WithSourceReport(func(src store.Source) { logSource(a, src) }),
		store.WithDerivationPrefetch()}
	if cfg.nixStore != "" {
		opts = append(opts, store.WithStore(cfg.nixStore))
	}
	st := store.New(append(opts, cfg.storeOptions...)...)
	defer st.Close()
	// nix --version runs beside the first query or evaluation, which need
	// it only when they go through Nix's CLI (the store remembers it).
	nixVersion := make(chan error, 1)
	go func() { _, err := st.Version(ctx); nixVersion <- err }()
	var sc *embedded.Scanner
	if cfg.embedded {
		sc = embedded.New(embedded.WithWorkers(cfg.workers), embedded.WithLocation(st.Location()))
		sc.Prepare()
	}

	end := a.Group("Resolve " + cfg.target)
	copts := closure.Options{Scope: cfg.scope, Meta: cfg.meta, Warn: a.Warningf}
	t, err := closure.ResolveFor(ctx, st, cfg.target, copts)
	end()
	if err != nil {
		return nil, nixFirst(nixVersion, err)
	}
	end = a.Group(fmt.Sprintf("Read the %s closure of %s", cfg.scope, strings.Join(t.Paths, " ")))
	b, err := closure.Build(ctx, st, t, copts)
	end()
	// Waited for only now: from the store database a closure is read
	// without Nix, and nix --version would otherwise delay it by its
	// start-up.
	if err = nixFirst(nixVersion, err); err != nil {
		return nil, err
	}
	v, _ := st.Version(ctx)
	a.Infof("using %s", v.Raw)
	if cfg.embedded {
		end = a.Group("Scan store paths for embedded packages")
		var found map[string][]sbom.Component
		if found, err = sc.Scan(ctx, b.PresentStorePaths()); err == nil {
			err = b.AddEmbedded(found)
		}
		end()
		if err != nil {
			return nil, err
		}
	}
	b.Timestamp, b.ToolName, b.ToolVersion = cfg.timestamp, "nixops-sbom", version
	return b, nil // sbom.WriteFiles validates it before it writes anything
}

// nixFirst is err, unless Nix is missing or broken: then that is what the
// user has to fix, not what failed for want of it.
func nixFirst(nixVersion <-chan error, err error) error {
	if verr := <-nixVersion; verr != nil {
		return verr
	}
	return err
}

// logSource says where the paths' metadata comes from: the store database,
// or Nix's CLI and why. A schema this version does not know is worth a
// notice: a newer Nix, whose database a newer nixops-sbom reads faster.
func logSource(a *action.Action, src store.Source) {
	if src.Database != "" {
		a.Infof("reading the store database %s", src.Database)
		return
	}
	var se *storedb.SchemaError
	if errors.As(src.Reason, &se) {
		a.Noticef("the Nix store database is not in a form this version reads, so nix path-info is asked instead (slower): %v", src.Reason)
	}
	a.Infof("asking nix path-info (%v)", src.Reason)
}
