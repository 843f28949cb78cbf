// Package derivation reads Nix derivations, from the JSON that `nix
// show-derivation` / `nix derivation show` print in every Nix version, or
// from a .drv file in ATerm format, into one version-independent type.
package derivation

// The JSON shapes, as read from the Nix source (src/libstore/derivations.cc,
// src/nix/derivation-show.cc, release notes):

//   - Nix 2.8 to 2.14 `nix show-derivation`: an object keyed by full .drv
//     path, no "name" field, "inputDrvs" mapping full paths to output lists.
//   - Nix 2.15+ adds "name"; 2.18+ maps each input drv to
//     {"outputs": [...], "dynamicOutputs": {...}}.
//   - Nix 2.31+ adds "structuredAttrs" (taken out of env.__json), and
//     outputs get a separate "method" next to an unprefixed "hashAlgo".
//   - Nix 2.32 (version 3): keys, paths and references are store path
//     basenames.
//   - Nix 2.33+ (version 4): {"version": 4, "derivations": {...}}, inputs
//     under "inputs": {"srcs", "drvs"}, fixed outputs as {"method", "hash"}
//     with an SRI hash and no path.

import (
	"strings"

	"github.com/voidnxsec/nixops-actions/pkg/nix/storepath"
)

// Output is one derivation output. Hash is lower-case hex for fixed-output
// derivations; HashAlgo carries the ingestion method as a prefix in the
// style of Nix <= 2.30 ("sha256" flat, "r:sha256" NAR, "text:sha256",
// "git:sha1"). Path is empty for floating content-addressed and deferred
// outputs.
type Output struct{ Path, HashAlgo, Hash string }

// Derivation is a store derivation in a form independent of the Nix
// version that printed it.
type Derivation struct {
	Path      string // full .drv path
	Name      string
	Outputs   map[string]Output
	InputSrcs []string            // full paths, sorted
	InputDrvs map[string][]string // full .drv path -> output names, sorted
	System    string
	Builder   string
	Args      []string
	// Env is the builder environment. For structured-attrs derivations the
	// "__json" variable is removed and decoded into StructuredAttrs, so Env
	// is the same whichever Nix version printed the derivation.
	Env             map[string]string
	StructuredAttrs map[string]any // nil unless the derivation uses structured attrs
}

// Attr returns the environment variable name or, failing that, a string
// attribute of the structured attrs.
func (d *Derivation) Attr(name string) (string, bool) {
	if v, ok := d.Env[name]; ok {
		return v, true
	}
	if v, ok := d.StructuredAttrs[name].(string); ok {
		return v, true
	}
	return "", false
}

// fillName derives the name for JSON of Nix < 2.15, which has no "name"
// field: the "name" attribute, else the .drv basename without hash and
// extension.
func (d *Derivation) fillName() {
	if d.Name != "" {
		return
	}
	if v, ok := d.Attr("name"); ok && v != "" {
		d.Name = v
		return
	}
	d.Name = strings.TrimSuffix(storepath.Name(d.Path), ".drv")
}

// outputPathName is the store path name of output id of derivation name.
func outputPathName(name, id string) string {
	if id == "out" {
		return name
	}
	return name + "-" + id
}
