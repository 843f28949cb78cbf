package sbom

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
)

// componentTypes are the CycloneDX 1.6 component types; Type must be one.
var componentTypes = []string{
	"application", "framework", "library", "container", "platform",
	"operating-system", "device", "device-driver", "firmware", "file",
	"machine-learning-model", "data", "cryptographic-asset",
}

// hashAlgs maps the CycloneDX algorithm names Hash.Alg uses to the hex
// length of their digests and their SPDX spelling.
var hashAlgs = map[string]struct {
	hexLen int
	spdx   string
}{
	"MD5":         {32, "MD5"},
	"SHA-1":       {40, "SHA1"},
	"SHA-256":     {64, "SHA256"},
	"SHA-384":     {96, "SHA384"},
	"SHA-512":     {128, "SHA512"},
	"SHA3-256":    {64, "SHA3-256"},
	"SHA3-384":    {96, "SHA3-384"},
	"SHA3-512":    {128, "SHA3-512"},
	"BLAKE2b-256": {64, "BLAKE2b-256"},
	"BLAKE2b-384": {96, "BLAKE2b-384"},
	"BLAKE2b-512": {128, "BLAKE2b-512"},
	"BLAKE3":      {64, "BLAKE3"},
}

// licenseID is one SPDX short identifier or LicenseRef; compound
// licenses belong in LicenseExpression.
var licenseID = regexp.MustCompile(`^[A-Za-z0-9.+-]+$`)

// isLowerHex says s is lower-case hex digits only; a loop, not a regexp,
// as it runs once per component.
func isLowerHex(s string) bool {
	for i := range len(s) {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return s != ""
}

// maxProblems bounds the error of a badly broken BOM to something readable.
const maxProblems = 20

// Validate checks the invariants the encoders rely on: every component has a
// unique Ref, a name and a known type; roots and dependencies name known refs;
// embedded components name their parent. It reports every problem it finds
// (up to a limit), each naming the component concerned.
func Validate(b *BOM) error {
	if b == nil {
		return errors.New("invalid BOM: it is nil")
	}
	var p problems
	refs := make(map[string]*Component, len(b.Components))
	for i := range b.Components {
		c := &b.Components[i]
		if c.Ref == "" {
			p.add("component %d (%q): empty Ref: every component needs a unique bom-ref", i, c.Name)
			continue
		}
		if _, dup := refs[c.Ref]; dup {
			p.add("component %q: Ref used twice: refs must be unique", c.Ref)
		}
		refs[c.Ref] = c
		checkComponent(&p, c)
	}
	for i := range b.Components {
		checkParent(&p, &b.Components[i], refs)
	}
	checkRoots(&p, b.Roots, refs)
	checkDependencies(&p, b.Dependencies, refs)
	checkBuildOnly(&p, b.BuildOnly, b.Dependencies)
	if b.Timestamp.IsZero() {
		p.add("Timestamp is zero: set it to the build time (SOURCE_DATE_EPOCH) or the current time")
	}
	return p.err()
}

func checkComponent(p *problems, c *Component) {
	if c.Name == "" {
		p.add("component %q: empty Name", c.Ref)
	}
	if !slices.Contains(componentTypes, c.Type) {
		p.add("component %q: Type %q is not a CycloneDX component type (%v)", c.Ref, c.Type, componentTypes)
	}
	switch c.Scope {
	case "", Runtime, BuildTime, Both:
	default:
		p.add("component %q: Scope %q is not %q, %q or %q", c.Ref, c.Scope, Runtime, BuildTime, Both)
	}
	for _, h := range c.Hashes {
		alg, ok := hashAlgs[h.Alg]
		switch {
		case !ok:
			p.add("component %q: hash algorithm %q unknown: use a CycloneDX name such as SHA-256", c.Ref, h.Alg)
		case len(h.Hex) != alg.hexLen || !isLowerHex(h.Hex):
			p.add("component %q: %s digest %q is not %d lower-case hex digits", c.Ref, h.Alg, h.Hex, alg.hexLen)
		}
	}
	for _, l := range c.Licenses {
		switch {
		case l.ID == "" && l.Name == "":
			p.add("component %q: a license has neither ID nor Name", c.Ref)
		case l.ID != "" && !licenseID.MatchString(l.ID):
			p.add("component %q: license ID %q is not one SPDX identifier: put compound licenses in LicenseExpression", c.Ref, l.ID)
		}
	}
}

func checkParent(p *problems, c *Component, refs map[string]*Component) {
	switch {
	case c.Embedded && c.Parent == "":
		p.add("component %q: embedded but Parent is empty: name the store path component holding it", c.Ref)
	case !c.Embedded && c.Parent != "":
		p.add("component %q: Parent %q is set but Embedded is false", c.Ref, c.Parent)
	case c.Parent == c.Ref && c.Ref != "":
		p.add("component %q: is its own Parent", c.Ref)
	case c.Parent != "" && refs[c.Parent] == nil:
		p.add("component %q: Parent %q is not a component of the BOM", c.Ref, c.Parent)
	}
}

func checkRoots(p *problems, roots []string, refs map[string]*Component) {
	if len(roots) == 0 {
		p.add("no Roots: name the target's own store path components")
	}
	seen := map[string]bool{}
	for _, r := range roots {
		if refs[r] == nil {
			p.add("root %q is not a component of the BOM", r)
		}
		if seen[r] {
			p.add("root %q is listed twice", r)
		}
		seen[r] = true
	}
}

func checkDependencies(p *problems, deps map[string][]string, refs map[string]*Component) {
	for _, from := range sortedKeys(deps) {
		if refs[from] == nil {
			p.add("dependencies of %q: it is not a component of the BOM", from)
		}
		for _, to := range deps[from] {
			if refs[to] == nil {
				p.add("dependency %q -> %q: %q is not a component of the BOM", from, to, to)
			}
		}
	}
}

func checkBuildOnly(p *problems, buildOnly, deps map[string][]string) {
	for _, from := range sortedKeys(buildOnly) {
		for _, to := range buildOnly[from] {
			if !slices.Contains(deps[from], to) {
				p.add("build-only edge %q -> %q is not in Dependencies: BuildOnly must be a subset of it", from, to)
			}
		}
	}
}

type problems struct {
	list []error
	n    int
}

func (p *problems) add(format string, args ...any) {
	p.n++
	if len(p.list) < maxProblems {
		p.list = append(p.list, fmt.Errorf(format, args...))
	}
}

func (p *problems) err() error {
	if p.n == 0 {
		return nil
	}
	more := ""
	if p.n > len(p.list) {
		more = fmt.Sprintf(" (showing the first %d)", len(p.list))
	}
	return fmt.Errorf("invalid BOM: %d problems%s:\n%w", p.n, more, errors.Join(p.list...))
}
