package main

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/httpclient"
	"github.com/voidnxsec/nixops-actions/pkg/nix/store"
	"github.com/voidnxsec/nixops-actions/pkg/nix/storepath"
	"github.com/voidnxsec/nixops-actions/pkg/nixcache"
	"github.com/voidnxsec/nixops-actions/pkg/nixconf"
)

func save(ctx context.Context, a *action.Action, cfg config) error {
	start := time.Now()
	if cfg.dir == "" {
		cfg.dir = a.Getenv("NIXOPS_NIX_CACHE_DIR")
	}
	if cfg.key == "" {
		cfg.key = a.Getenv("NIXOPS_NIX_CACHE_KEY")
	}
	switch {
	case cfg.dir == "":
		return &action.InputError{Input: "cache-dir", Err: errors.New("is empty and NIXOPS_NIX_CACHE_DIR is not set: run setup-nix with cache: true earlier in the job, or name the directory")}
	case cfg.key == "":
		return &action.InputError{Input: "cache-key", Err: errors.New("is empty and NIXOPS_NIX_CACHE_KEY is not set: run setup-nix with cache: true earlier in the job, or name the key")}
	}
	st := store.New(store.WithGetenv(a.Getenv))
	defer st.Close()
	rc, err := a.Context()
	if err != nil {
		return err
	}
	roots, err := roots(cfg.paths, rc.Workspace, st.StoreDir())
	if err != nil {
		return err
	}
	if len(roots) == 0 {
		a.Noticef("no store paths to cache: no result links in %s and no paths given; the cache is pruned to nothing", workspaceName(rc.Workspace))
	}
	if cfg.upstreams == nil {
		if cfg.upstreams, err = nixSubstituters(ctx, st, cfg.dir); err != nil {
			return err
		}
	}
	client, err := upstreamClient(a.Getenv)
	if err != nil {
		return err
	}
	s, err := nixcache.Save(ctx, st, nixcache.SaveOptions{Dir: cfg.dir, Roots: roots, Upstreams: cfg.upstreams, Client: client, Workers: 16})
	if err != nil {
		return err
	}
	for _, e := range s.NotAsked {
		a.Warningf("%v: its paths are kept in the cache", e)
	}
	return report(a, cfg, s, time.Since(start))
}

// roots resolves the paths input, or the workspace's result links.
func roots(paths []string, workspace, storeDir string) ([]string, error) {
	if len(paths) == 0 {
		return nixcache.ResultLinks(workspaceName(workspace), storeDir)
	}
	var out []string
	for _, p := range paths {
		real := p
		if !strings.HasPrefix(p, storeDir+"/") {
			var err error
			if real, err = filepath.EvalSymlinks(p); err != nil {
				return nil, &action.InputError{Input: "paths", Err: err}
			}
		}
		sp, _, err := storepath.Split(storeDir, real)
		if err != nil {
			return nil, &action.InputError{Input: "paths", Err: err}
		}
		out = append(out, sp.String())
	}
	return out, nil
}

func workspaceName(ws string) string {
	if ws == "" {
		return "."
	}
	return ws
}

// nixSubstituters are the substituters Nix uses, this cache left out.
func nixSubstituters(ctx context.Context, st *store.Store, dir string) ([]string, error) {
	v, err := st.Version(ctx)
	if err != nil {
		return nil, err
	}
	c, err := nixconf.Show(ctx, "nix", nixconf.ShowCommand(v.AtLeast(2, 20)), os.Environ())
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range c.Strings("substituters") {
		if !strings.HasPrefix(s, "file://"+dir) {
			out = append(out, s)
		}
	}
	return out, nil
}

// upstreamClient asks the upstreams through the runner's proxy, with
// retries: a narinfo HEAD is safe to repeat.
func upstreamClient(getenv func(string) string) (*http.Client, error) {
	tr, err := httpclient.NewTransport(httpclient.Options{Proxy: httpclient.ProxyFromEnv(getenv)})
	if err != nil {
		return nil, err
	}
	rt := &httpclient.RetryTransport{Base: tr, Retry: httpclient.Retry{Retries: 3, Timeout: 2 * time.Minute}}
	return &http.Client{Transport: rt, Timeout: time.Minute}, nil
}

func report(a *action.Action, cfg config, s *nixcache.Saved, took time.Duration) error {
	secs := strconv.FormatFloat(took.Seconds(), 'f', 2, 64)
	key := nixcache.SaveKey(cfg.key, s.Fingerprint)
	err := a.SetOutputs(
		action.Output{Name: "changed", Value: strconv.FormatBool(s.Changed)},
		action.Output{Name: "key", Value: key},
		action.Output{Name: "cache-dir", Value: cfg.dir},
		action.Output{Name: "paths", Value: strconv.Itoa(len(s.After))},
		action.Output{Name: "added", Value: strconv.Itoa(s.Added)},
		action.Output{Name: "removed", Value: strconv.Itoa(s.Removed)},
		action.Output{Name: "bytes", Value: strconv.FormatInt(s.Bytes, 10)},
		action.Output{Name: "seconds", Value: secs},
	)
	if err != nil {
		return err
	}
	verdict := "unchanged: nothing to save"
	if s.Changed {
		verdict = "changed: saving under " + key
	}
	a.Infof("Nix cache: %d paths restored, %d added, %d pruned, %d left to the upstreams, %d paths (%d bytes) in %ss; %s",
		len(s.Before), s.Added, s.Removed, s.Served, len(s.After), s.Bytes, secs, verdict)
	return a.AddSummary(summary(s, key, secs))
}
