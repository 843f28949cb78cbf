package closure

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/voidnxsec/nixops-actions/pkg/nix/storepath"
)

var (
	//go:embed target.nix
	targetExpr string
	//go:embed meta.nix
	metaExpr string
)

// Meta is what meta.nix returns for one derivation. Nulls stay zero.
type Meta struct {
	Pname       string        `json:"pname"`
	Version     string        `json:"version"`
	Licenses    []metaLicense `json:"licenses"`
	Homepage    string        `json:"homepage"`
	Description string        `json:"description"`
	Maintainers []string      `json:"maintainers"`
	CPE         string        `json:"cpe"`
	Sources     []string      `json:"sources"`
	Patches     []string      `json:"patches"`
	// Unfree and KnownVulnerabilities are what nixpkgs refuses to build
	// without allowUnfree or permittedInsecurePackages.
	Unfree               bool     `json:"unfree"`
	KnownVulnerabilities []string `json:"knownVulnerabilities"`
}

type metaLicense struct {
	SPDXID string `json:"spdxId"`
	Name   string `json:"name"`
}

// evaluated is what target.nix returns.
type evaluated struct {
	DrvPath string            `json:"drvPath"`
	Outputs map[string]string `json:"outputs"`
	Meta    map[string]Meta   `json:"meta"`
}

// resolveFlake evaluates a flake target once. When the meta walk fails in
// a way tryEval cannot catch (import from derivation deep in a dependency,
// abort), the target is evaluated again without it, and only the
// metadata is lost, with a warning.
func resolveFlake(ctx context.Context, st Store, spec string, opts Options) (*Target, error) {
	ev, err := evalTarget(ctx, st, spec, opts.Meta)
	if err != nil && opts.Meta && ctx.Err() == nil {
		var again error
		if ev, again = evalTarget(ctx, st, spec, false); again == nil {
			warn(opts, "metadata of %s could not be evaluated, licenses and homepages are left out: %v", spec, err)
		}
		err = again
	}
	if err != nil {
		return nil, &TargetError{Spec: spec, Err: fmt.Errorf("%w: %w", ErrEval, err)}
	}
	if !storepath.InDir(st.StoreDir(), ev.DrvPath) || !strings.HasSuffix(ev.DrvPath, ".drv") {
		return nil, &TargetError{Spec: spec, Err: fmt.Errorf("%w: its drvPath is %q, not a derivation in %s", ErrEval, ev.DrvPath, st.StoreDir())}
	}
	t := &Target{Spec: spec, Flake: true, DrvPath: ev.DrvPath, meta: ev.Meta, metaDone: opts.Meta}
	for _, name := range sortedKeys(ev.Outputs) {
		if p := ev.Outputs[name]; storepath.InDir(st.StoreDir(), p) {
			t.Paths = append(t.Paths, p)
		}
	}
	return t, nil
}

// evalTarget runs target.nix over the installable, with the meta walk or
// without.
func evalTarget(ctx context.Context, st Store, spec string, withMeta bool) (*evaluated, error) {
	walk := "null"
	if withMeta {
		walk = "(" + metaExpr + ")"
	}
	installable := flakeAttr(spec)
	out, err := st.Eval(ctx, installable, "("+targetExpr+") "+walk)
	if err != nil {
		return nil, err
	}
	var ev evaluated
	if err := json.Unmarshal(out, &ev); err != nil {
		return nil, fmt.Errorf("%s: unexpected JSON from nix eval: %w", installable, err)
	}
	return &ev, nil
}

// evalMeta runs the meta walk alone, for a target resolved without it.
func evalMeta(ctx context.Context, st Store, installable string) (map[string]Meta, error) {
	out, err := st.Eval(ctx, flakeAttr(installable), metaExpr)
	if err != nil {
		return nil, err
	}
	var m map[string]Meta
	if err := json.Unmarshal(out, &m); err != nil {
		return nil, fmt.Errorf("metadata of %s: unexpected JSON from nix eval: %w", installable, err)
	}
	return m, nil
}

// flakeAttr names the derivation an installable means: every output is
// read anyway, so an output selection (^out) is dropped, and a flake
// without fragment gives its default package, as `nix build` does.
func flakeAttr(installable string) string {
	if i := strings.IndexByte(installable, '^'); i >= 0 {
		installable = installable[:i]
	}
	if !strings.Contains(installable, "#") {
		return installable + "#default"
	}
	return installable
}

func warn(opts Options, format string, args ...any) {
	if opts.Warn != nil {
		opts.Warn(format, args...)
	}
}
