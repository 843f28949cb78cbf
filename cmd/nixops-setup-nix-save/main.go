// Command nixops-setup-nix-save is the setup-nix/save action's step: it
// puts the closures of what the job built into the binary cache directory
// that setup-nix restored (minus what the upstream substituters serve),
// prunes the directory to exactly those closures, and says whether it
// changed, so the action saves it to GitHub's cache only then.
package main

import (
	"context"

	"github.com/voidnxsec/nixops-actions/pkg/action"
)

// version is set at release time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() { action.Main(run) }

type config struct {
	paths, upstreams []string
	dir, key         string
}

func run(ctx context.Context, a *action.Action) error {
	in := a.Inputs()
	paths := in.Lines("paths", nil, "store paths or links to them whose closures the cache keeps (default: the result* links in the workspace)")
	dir := in.String("cache-dir", "", "the binary cache directory (default: the one setup-nix restored, $NIXOPS_NIX_CACHE_DIR)")
	key := in.String("cache-key", "", "the cache key (default: setup-nix's, $NIXOPS_NIX_CACHE_KEY)")
	upstreams := in.List("upstream-substituters", nil, "binary caches whose paths are left out (default: Nix's substituters)")
	in.Output("changed", "true when the cache directory differs from what was restored, so it needs saving")
	in.Output("key", "the key to save the cache under: the cache key and the content's fingerprint")
	in.Output("cache-dir", "the binary cache directory")
	in.Output("paths", "store paths in the cache")
	in.Output("added", "store paths added")
	in.Output("removed", "store paths pruned")
	in.Output("bytes", "size of the cache's NAR files")
	in.Output("seconds", "seconds the step took")
	if err := in.Parse(); err != nil {
		return err
	}
	a.Infof("nixops-setup-nix-save %s", version)
	return save(ctx, a, config{paths: *paths, upstreams: *upstreams, dir: *dir, key: *key})
}
