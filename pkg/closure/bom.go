package closure

import (
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/voidnxsec/nixops-actions/pkg/nix/derivation"
	"github.com/voidnxsec/nixops-actions/pkg/nix/drvname"
	"github.com/voidnxsec/nixops-actions/pkg/nix/pathinfo"
	"github.com/voidnxsec/nixops-actions/pkg/nix/storepath"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
)

// bom turns the graph into the format-neutral BOM.
func (g *graph) bom(t *Target, meta map[string]Meta) *sbom.BOM {
	b := &sbom.BOM{Target: t.Spec}
	roots := map[string]bool{}
	for _, p := range t.Paths {
		if g.nodes[p] != nil {
			roots[p] = true
			b.Roots = append(b.Roots, path.Base(p))
		}
	}
	slices.Sort(b.Roots)
	keys := sortedKeys(g.nodes)
	b.Components = make([]sbom.Component, len(keys))
	deps, buildOnly := make([][]string, len(keys)), make([][]string, len(keys))
	// Each component depends on its own node alone, and on a 10,000-path
	// closure this loop is a tenth of the run with nothing beside it.
	inParts(len(keys), func(i int) {
		n := g.nodes[keys[i]]
		b.Components[i] = g.component(n, meta[n.drv], roots[keys[i]])
		rt := refs(g.runtime[keys[i]])
		deps[i] = rt
		if bt := g.build[keys[i]]; len(bt) > 0 {
			deps[i] = uniq(append(rt, refs(bt)...))
		}
		if only := without(deps[i], rt); len(only) > 0 && n.build {
			buildOnly[i] = only
		}
	})
	b.Dependencies = make(map[string][]string, len(keys))
	b.BuildOnly = map[string][]string{}
	for i, c := range b.Components {
		b.Dependencies[c.Ref] = deps[i]
		if buildOnly[i] != nil {
			b.BuildOnly[c.Ref] = buildOnly[i]
		}
	}
	return b
}

// inParts calls f for 0..n-1 in as many contiguous parts, side by side, as
// Go runs threads.
func inParts(n int, f func(int)) {
	parts := min(runtime.GOMAXPROCS(0), max(n, 1))
	var wg sync.WaitGroup
	for p := range parts {
		wg.Go(func() {
			for i := p * n / parts; i < (p+1)*n/parts; i++ {
				f(i)
			}
		})
	}
	wg.Wait()
}

func (g *graph) component(n *node, m Meta, root bool) sbom.Component {
	d := g.drvs[n.drv]
	c := sbom.Component{
		Ref:         path.Base(n.path),
		Type:        "library",
		StorePath:   n.path,
		DrvPath:     n.drv,
		Output:      n.output,
		Scope:       scope(n),
		Description: m.Description,
		Homepage:    m.Homepage,
		CPE:         m.CPE,
		SourceURLs:  m.Sources,
		Patches:     m.Patches,
		Maintainers: m.Maintainers,
		Unfree:      m.Unfree,
		Insecure:    oneLine(m.KnownVulnerabilities),
	}
	c.Name, c.Version = nameVersion(n, d, m)
	switch {
	case root:
		c.Type = "application"
	case n.source || (d != nil && d.Env["outputHash"] != ""):
		c.Type = "file"
	}
	for _, l := range m.Licenses {
		c.Licenses = append(c.Licenses, sbom.License{ID: l.SPDXID, Name: l.Name})
	}
	if n.info != nil {
		c.NarSize = n.info.NarSize
		if hex, err := pathinfo.NarHashHex(n.info.NarHash); err == nil {
			c.Hashes = append(c.Hashes, sbom.Hash{Alg: "SHA-256", Hex: hex})
		}
	}
	if d != nil {
		addFixedOutput(&c, d)
	}
	c.PURL = purl(c, n)
	return c
}

// nameVersion prefers what the derivation declares over what a name implies.
func nameVersion(n *node, d *derivation.Derivation, m Meta) (string, string) {
	if m.Pname != "" {
		return m.Pname, m.Version
	}
	if d != nil {
		if p, ok := d.Attr("pname"); ok && p != "" {
			v, _ := d.Attr("version")
			return p, v
		}
		return drvname.Parse(d.Name)
	}
	return drvname.Parse(storepath.Name(n.path))
}

// addFixedOutput records a source's declared hash and URLs, which the
// derivation carries whether or not it was ever fetched. A flat hash is the
// file's own SHA-256, the one upstream publishes, so it replaces the NAR
// hash (kept as a property); a recursive one is the NAR hash itself.
func addFixedOutput(c *sbom.Component, d *derivation.Derivation) {
	o := d.Outputs[c.Output]
	if o.Hash != "" && strings.HasSuffix(o.HashAlgo, "sha256") {
		c.Properties = append(c.Properties, sbom.Property{Name: "nix:output_hash", Value: o.HashAlgo + ":" + o.Hash})
		if !strings.HasPrefix(o.HashAlgo, "r:") {
			for _, h := range c.Hashes {
				c.Properties = append(c.Properties, sbom.Property{Name: "nix:nar_hash", Value: "sha256:" + h.Hex})
			}
			c.Hashes = nil
		}
		if len(c.Hashes) == 0 {
			c.Hashes = []sbom.Hash{{Alg: "SHA-256", Hex: o.Hash}}
		}
	}
	if len(c.SourceURLs) == 0 && o.Hash != "" {
		for _, key := range []string{"urls", "url"} {
			if v, ok := d.Attr(key); ok && v != "" {
				c.SourceURLs = strings.Fields(v)
				break
			}
		}
	}
}

func purl(c sbom.Component, n *node) string {
	if c.Name == "" {
		return ""
	}
	var q packageurl.Qualifiers
	if n.drv != "" {
		q = append(q, packageurl.Qualifier{Key: "drvpath", Value: path.Base(n.drv)})
	}
	if n.output != "" {
		q = append(q, packageurl.Qualifier{Key: "output", Value: n.output})
	}
	return packageurl.NewPackageURL("nix", "", c.Name, c.Version, q, "").ToString()
}

func scope(n *node) sbom.Scope {
	switch {
	case n.runtime && n.build:
		return sbom.Both
	case n.runtime:
		return sbom.Runtime
	default:
		return sbom.BuildTime
	}
}

func refs(paths []string) []string {
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		out = append(out, path.Base(p))
	}
	return uniq(out)
}

func without(all, drop []string) []string {
	var out []string
	for _, s := range all {
		if _, found := slices.BinarySearch(drop, s); !found {
			out = append(out, s)
		}
	}
	return out
}

// oneLine folds each entry's whitespace, newlines included, to single
// spaces: nixpkgs writes knownVulnerabilities as prose, and SPDX keeps a
// property to a line of its comment.
func oneLine(entries []string) []string {
	var out []string
	for _, e := range entries {
		if f := strings.Join(strings.Fields(e), " "); f != "" {
			out = append(out, f)
		}
	}
	return out
}
