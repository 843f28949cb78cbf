package store

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Version is the version of the nix binary, as `nix --version` reports it.
type Version struct {
	Major, Minor, Patch int
	// Lix is set for Lix, whose 2.9x numbers follow Nix 2.18's CLI, not
	// Nix 2.9x's.
	Lix bool
	Raw string
}

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// AtLeast reports whether v is major.minor or newer.
func (v Version) AtLeast(major, minor int) bool {
	return v.Major > major || (v.Major == major && v.Minor >= minor)
}

var versionRE = regexp.MustCompile(`(\d+)\.(\d+)(?:\.(\d+))?`)

// ParseVersion reads the output of `nix --version`, e.g. "nix (Nix) 2.26.3"
// or "nix (Lix, like Nix) 2.91.1".
func ParseVersion(out string) (Version, error) {
	raw := strings.TrimSpace(out)
	if i := strings.IndexByte(raw, '\n'); i >= 0 {
		raw = raw[:i] // newer versions append feature lists after the first line
	}
	// The last number is Nix's: "nix (Determinate Nix 3.8.2) 2.30.1".
	all := versionRE.FindAllStringSubmatch(raw, -1)
	if all == nil {
		return Version{}, fmt.Errorf("cannot find a version number in `nix --version` output %q", raw)
	}
	m := all[len(all)-1]
	v := Version{Raw: raw, Lix: strings.Contains(raw, "Lix")}
	var errs [3]error
	v.Major, errs[0] = strconv.Atoi(m[1])
	v.Minor, errs[1] = strconv.Atoi(m[2])
	if m[3] != "" {
		v.Patch, errs[2] = strconv.Atoi(m[3])
	}
	for _, err := range errs {
		if err != nil { // a number too large for an int
			return Version{}, fmt.Errorf("the version number in `nix --version` output %q is out of range", raw)
		}
	}
	return v, nil
}

// cli is the set of version-dependent command forms.
type cli struct {
	// showDerivation is the subcommand printing derivations as JSON:
	// `nix show-derivation` until 2.14, `nix derivation show` from 2.15
	// (the old name was dropped later).
	showDerivation []string
	// jsonFormat selects the path-info JSON version: Nix 2.34 warns that a
	// bare --json is deprecated. Version 1 is the shape 2.19-2.33 print.
	jsonFormat []string
	// drvOutputsSuffix turns a bare .drv path into "its outputs" for
	// `nix build`: from 2.13 a bare .drv means the file itself.
	drvOutputsSuffix string
}

func cliFor(v Version) cli {
	c := cli{showDerivation: []string{"show-derivation"}}
	// Lix forked from Nix 2.18 and numbers itself 2.90+.
	eff := v
	if v.Lix {
		eff = Version{Major: 2, Minor: 18}
	}
	if eff.AtLeast(2, 15) {
		c.showDerivation = []string{"derivation", "show"}
	}
	if eff.AtLeast(2, 13) {
		c.drvOutputsSuffix = "^*"
	}
	if eff.AtLeast(2, 34) {
		c.jsonFormat = []string{"--json-format", "1"}
	}
	return c
}
