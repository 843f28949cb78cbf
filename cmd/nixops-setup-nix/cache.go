package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/nix/binarycache"
	"github.com/voidnxsec/nixops-actions/pkg/nixcache"
	"github.com/voidnxsec/nixops-actions/pkg/nixconf"
)

// defaultKeyFiles may be missing: a project without a flake.lock still
// gets a cache, keyed without it.
var defaultKeyFiles = []string{"flake.lock"}

// setupCache readies the job's binary cache directory for the restore
// step that follows, adds it as a substituter and tells the save action
// where it is and under which key.
func setupCache(a *action.Action, cfg config, r *result, c nixconf.Config, settings []nixconf.Setting) ([]nixconf.Setting, error) {
	rc, err := a.Context()
	if err != nil {
		return nil, err
	}
	contents, err := readKeyFiles(rc.Workspace, cfg.cacheKeyFiles)
	if err != nil {
		return nil, err
	}
	r.cacheKey = nixcache.Key(cfg.cachePrefix, c.String("system"), r.nix.Version.String(), contents...)
	r.cacheDir = filepath.Join(rc.RunnerTemp, "nixops-nix-cache")
	if rc.RunnerTemp == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return nil, fmt.Errorf("no RUNNER_TEMP and no user cache directory for the Nix cache: %w", err)
		}
		r.cacheDir = filepath.Join(base, "nixops-actions", "nix-cache")
	}
	if err := binarycache.Init(r.cacheDir, r.storeDir); err != nil {
		return nil, fmt.Errorf("the Nix cache directory: %w", err)
	}
	for name, value := range map[string]string{"NIXOPS_NIX_CACHE_DIR": r.cacheDir, "NIXOPS_NIX_CACHE_KEY": r.cacheKey} {
		if err := a.ExportVariable(name, value); err != nil {
			return nil, err
		}
	}
	sub := nixcache.CacheURL(r.cacheDir, r.storeDir, url.Values{"trusted": {"1"}})
	return append(settings, nixconf.Setting{Name: "extra-substituters", Value: sub}), nil
}

// readKeyFiles reads the cache-key-files, relative to the workspace.
func readKeyFiles(workspace string, names []string) ([][]byte, error) {
	optional := slices.Equal(names, defaultKeyFiles)
	var out [][]byte
	for _, n := range names {
		if !filepath.IsAbs(n) && workspace != "" {
			n = filepath.Join(workspace, n)
		}
		data, err := os.ReadFile(n)
		switch {
		case errors.Is(err, fs.ErrNotExist) && optional:
			continue
		case err != nil:
			return nil, &action.InputError{Input: "cache-key-files", Err: err}
		}
		out = append(out, data)
	}
	return out, nil
}
