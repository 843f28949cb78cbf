// Command nixops-setup-nix makes Nix ready for a job: it adopts a Nix that
// is already on the machine (never reinstalling it) or installs the
// official release, hash-verified, and applies the job's settings through
// NIX_CONFIG. It is the setup-nix action's step and, with the same names as
// flags, a laptop CLI.
package main

import (
	"context"

	"github.com/voidnxsec/nixops-actions/pkg/action"
)

// version is set at release time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() { action.Main(run) }

type config struct {
	version, sha256, releaseURL string
	flakes                      bool
	token                       string
	substituters, keys          []string
	maxJobs, extraConf          string
	cache                       bool
	cacheKeyFiles               []string
	cachePrefix                 string
}

func run(ctx context.Context, a *action.Action) error {
	in := a.Inputs()
	nixVersion := in.String("nix-version", "", "Nix version to install when none is on the machine (default: the newest in the verified table); an existing Nix is adopted whatever its version")
	sha := in.String("nix-sha256", "", "SHA-256 of the release tarball, for a version the verified table does not list yet")
	release := in.String("release-url", "https://releases.nixos.org/nix", "base URL of the Nix releases (nix-<v>/nix-<v>-<system>.tar.xz below it)")
	flakes := in.Bool("flakes", true, "enable the nix-command and flakes experimental features")
	token := in.GitHubToken("token Nix uses for the GitHub host of this run, so fetching flake inputs is not rate-limited")
	subs := in.List("extra-substituters", nil, "binary caches to add to the machine's, comma- or newline-separated")
	keys := in.List("extra-trusted-public-keys", nil, "public keys of those caches (name:base64), comma- or newline-separated")
	maxJobs := in.String("max-jobs", "auto", "builds run at once: auto (one per CPU), a number, or empty to keep the machine's")
	extra := in.String("extra-conf", "", "more nix.conf lines (name = value), applied last")
	cache := in.Bool("cache", false, "restore this repository's Nix binary cache from GitHub's cache and use it as a substituter (save it with setup-nix/save)")
	keyFiles := in.Lines("cache-key-files", defaultKeyFiles, "files whose content keys the cache, relative to the workspace")
	prefix := in.String("cache-key-prefix", "nixops-nix", "first part of the cache key, to keep caches of different jobs apart")
	in.Output("nix-version", "version of the Nix now on PATH")
	in.Output("mode", "installed or adopted")
	in.Output("bin-dir", "directory holding the nix binary")
	in.Output("store-dir", "the Nix store directory")
	in.Output("seconds", "seconds the step took")
	in.Output("cache-dir", "the binary cache directory to restore into (with cache: true)")
	in.Output("cache-key", "the cache key to restore; saved entries add their fingerprint after a dash (with cache: true)")
	if err := in.Parse(); err != nil {
		return err
	}
	a.Infof("nixops-setup-nix %s", version) // after the inputs: the token is masked first
	cfg := config{version: *nixVersion, sha256: *sha, releaseURL: *release, flakes: *flakes, token: token(),
		substituters: *subs, keys: *keys, maxJobs: *maxJobs, extraConf: *extra,
		cache: *cache, cacheKeyFiles: *keyFiles, cachePrefix: *prefix}
	return setup(ctx, a, cfg)
}
