package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/nixconf"
	"github.com/voidnxsec/nixops-actions/pkg/nixinstall"
)

// result is what the step reports.
type result struct {
	mode     string // installed or adopted
	nix      *nixinstall.Nix
	storeDir string
	settings []nixconf.Setting // masked
	ignored  []nixconf.Ignored
	timings  []timing
	start    time.Time
	// cacheDir and cacheKey are set with cache: true.
	cacheDir, cacheKey string
}

type timing struct {
	what string
	d    time.Duration
}

func (r *result) lap(what string, since time.Time) time.Time {
	now := time.Now()
	r.timings = append(r.timings, timing{what, now.Sub(since)})
	return now
}

func setup(ctx context.Context, a *action.Action, cfg config) error {
	r := &result{start: time.Now()}
	rc, err := a.Context()
	if err != nil {
		return err
	}
	settings, err := buildSettings(cfg, rc.ServerURL)
	if err != nil {
		return err
	}
	for _, s := range nixconf.Secrets(settings) {
		a.AddMask(s) // tokens written in extra-conf, before anything prints
	}
	r.settings = nixconf.Masked(settings)
	t := time.Now()
	r.nix, err = nixinstall.Find(ctx, nixinstall.SearchDirs(a.Getenv("HOME"), a.Getenv("PATH")))
	switch {
	case err == nil:
		r.mode = "adopted"
		t = r.lap("find Nix", t)
		if cfg.version != "" && cfg.version != r.nix.Version.String() {
			a.Warningf("nix-version %s was asked for, but Nix %s is already at %s; setup-nix never reinstalls, so the job uses %s", cfg.version, r.nix.Version, r.nix.Bin, r.nix.Version)
		}
	case errors.Is(err, nixinstall.ErrNotFound):
		r.mode = "installed"
		if r.nix, err = install(ctx, a, cfg, rc, r); err != nil {
			return err
		}
		t = time.Now()
	default:
		return err
	}
	nixConfig := nixconf.Render(a.Getenv("NIX_CONFIG"), settings)
	c, err := probe(ctx, a, r, settings, nixConfig)
	if err != nil {
		return err
	}
	if cfg.cache {
		// The cache's URL names the store directory, known only now.
		if settings, err = setupCache(a, cfg, r, c, settings); err != nil {
			return err
		}
		r.settings = nixconf.Masked(settings)
		nixConfig = nixconf.Render(a.Getenv("NIX_CONFIG"), settings)
	}
	if err := checkTrust(a, r, c); err != nil {
		return err
	}
	r.lap("read Nix's configuration", t)
	return report(a, r, nixConfig)
}

// buildSettings words the library's errors in terms of the inputs.
func buildSettings(cfg config, serverURL string) ([]nixconf.Setting, error) {
	host := ""
	if u, err := url.Parse(serverURL); err == nil {
		host = u.Host
	}
	settings, err := nixconf.Build(nixconf.Options{
		Flakes: cfg.flakes, TokenHost: host, Token: cfg.token,
		Substituters: cfg.substituters, TrustedPublicKeys: cfg.keys,
		MaxJobs: cfg.maxJobs, Extra: cfg.extraConf,
	})
	var ve *nixconf.ValueError
	var le *nixconf.LineError
	switch {
	case errors.As(err, &le):
		return nil, &action.InputError{Input: "extra-conf", Err: err}
	case errors.As(err, &ve) && ve.Setting == "access-tokens":
		return nil, fmt.Errorf("GITHUB_SERVER_URL=%q has no host to give the github-token to", serverURL)
	case errors.As(err, &ve):
		input := map[string]string{"substituters": "extra-substituters", "trusted-public-keys": "extra-trusted-public-keys"}[ve.Setting]
		if input == "" {
			input = ve.Setting
		}
		return nil, &action.InputError{Input: input, Err: err}
	}
	return settings, err
}

// probe asks the Nix found what it runs with under the new NIX_CONFIG.
func probe(ctx context.Context, a *action.Action, r *result, settings []nixconf.Setting, nixConfig string) (nixconf.Config, error) {
	env := append(os.Environ(), "NIX_CONFIG="+nixConfig, "NIX_REMOTE="+a.Getenv("NIX_REMOTE"))
	storeDir := make(chan error, 1)
	go func() {
		var err error
		r.storeDir, err = nixinstall.StoreDir(ctx, r.nix.Bin, env)
		storeDir <- err
	}()
	c, err := nixconf.Show(ctx, r.nix.Bin, nixconf.ShowCommand(r.nix.Version.AtLeast(2, 20)), env)
	if err := errors.Join(err, <-storeDir); err != nil {
		return nil, err
	}
	for _, s := range settings {
		if s.Line > 0 && !c.Known(s.Name) {
			a.Warningf("extra-conf line %d: Nix %s has no setting %q, so it ignores the line", s.Line, r.nix.Version, s.Name)
		}
	}
	return c, nil
}

// checkTrust warns of each setting the Nix daemon will ignore because
// this user is not trusted.
func checkTrust(a *action.Action, r *result, c nixconf.Config) error {
	// Nix's order: a store setting (nix.conf, NIX_CONFIG) wins; NIX_REMOTE
	// only decides what "auto" means.
	storeURL := c.String("store")
	if storeURL == "" || storeURL == "auto" {
		storeURL = a.Getenv("NIX_REMOTE")
	}
	stateDir := a.Getenv("NIX_STATE_DIR")
	if stateDir == "" {
		stateDir = "/nix/var/nix"
	}
	if !nixconf.UsesDaemon(storeURL, syscall.Access(stateDir, 2 /* W_OK */) == nil) {
		return nil
	}
	u, err := currentUser()
	if err != nil {
		return err
	}
	_, nixos := os.Stat("/etc/NIXOS")
	r.ignored = nixconf.Untrusted(r.settings, c, u, nixos == nil)
	for _, ig := range r.ignored {
		a.Warningf("%s", ig)
	}
	return nil
}

func currentUser() (nixconf.User, error) {
	u, err := user.Current()
	if err != nil {
		return nixconf.User{}, fmt.Errorf("who runs this step: %w", err)
	}
	out := nixconf.User{Name: u.Username}
	ids, _ := u.GroupIds()
	for _, id := range ids {
		if g, err := user.LookupGroupId(id); err == nil {
			out.Groups = append(out.Groups, g.Name)
		}
	}
	return out, nil
}

// onPath tells whether dir is already on PATH: putting /usr/bin first
// again would shadow what earlier steps (setup-go, setup-node) put there.
func onPath(dir, path string) bool {
	return slices.ContainsFunc(filepath.SplitList(path), func(d string) bool { return filepath.Clean(d) == filepath.Clean(dir) })
}

func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) }
