// Command nixops-nix-versions refreshes setup-nix/versions.json from the
// release host: for each version asked for, the SHA-256 the Nix project
// publishes beside each system's tarball. It reads published hashes only;
// it never downloads a tarball to hash it. The scheduled workflow
// .github/workflows/refresh-nix-versions.yml runs it weekly and opens a
// pull request when the table changed.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/atomicfile"
	"github.com/voidnxsec/nixops-actions/pkg/httpclient"
	"github.com/voidnxsec/nixops-actions/pkg/nixinstall"
)

// version is set at release time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() { action.Main(run) }

func run(ctx context.Context, a *action.Action) error {
	in := a.Inputs()
	table := in.String("table", "setup-nix/versions.json", "the table to update")
	versions := in.List("versions", nil, "versions to add or refresh, e.g. 2.34.8", action.Required())
	base := in.String("release-url", "https://releases.nixos.org/nix", "the release host's /nix directory")
	if err := in.Parse(); err != nil {
		return err
	}
	// After the inputs: their secrets are masked before anything prints.
	a.Infof("nixops-nix-versions %s", version)
	data, err := os.ReadFile(*table)
	if err != nil {
		return err
	}
	t, err := nixinstall.ParseTable(data)
	if err != nil {
		return err
	}
	tr, _ := httpclient.NewTransport(httpclient.Options{Proxy: httpclient.ProxyFromEnv(a.Getenv)}) // no CA file: cannot fail
	client := &http.Client{Transport: tr, CheckRedirect: httpclient.RefuseDowngrade}
	for _, v := range *versions {
		r, missing, err := nixinstall.Published(ctx, client, *base, v)
		if err != nil {
			return err
		}
		if len(missing) > 0 {
			a.Warningf("Nix %s: no published SHA-256 for %v; those systems are left out", v, missing)
		}
		if len(r.SHA256) == 0 {
			continue
		}
		t.Versions[v] = r
		a.Infof("Nix %s: %d systems from %s", v, len(r.SHA256), r.Source)
	}
	out, err := t.Marshal()
	if err != nil {
		return err
	}
	if _, err := nixinstall.ParseTable(out); err != nil {
		return fmt.Errorf("the refreshed table would not be valid: %w", err)
	}
	return atomicfile.Write(*table, out, 0o644)
}
