// Package sbom holds the format-neutral bill of materials of a Nix closure
// and encodes it as CycloneDX and SPDX documents.
package sbom

import "time"

// Scope says whether a component is needed at run time, only to build, or both.
type Scope string

const (
	Runtime   Scope = "runtime"
	BuildTime Scope = "buildtime"
	Both      Scope = "both"
)

// Hash is a digest in lower-case hex; Alg uses CycloneDX names ("SHA-256").
type Hash struct {
	Alg string
	Hex string
}

// License is one SPDX license id, or a free-text name when no id is known.
type License struct {
	ID   string
	Name string
}

// Property is a name/value pair kept in the document (nix:store_path ...).
type Property struct {
	Name  string
	Value string
}

// Component is one store path, or one package found embedded inside one.
// What is unknown stays empty: encoders omit it rather than invent it.
type Component struct {
	Ref         string // stable bom-ref: the store path basename, or parent ref + "#" + purl
	Type        string // CycloneDX component type: application, library, file, ...
	Name        string
	Version     string
	PURL        string
	CPE         string
	Description string
	Homepage    string
	// Licenses is the declared license list; LicenseExpression, when set,
	// is the SPDX expression that combines them and wins over the list.
	Licenses          []License
	LicenseExpression string
	Maintainers       []string
	SourceURLs        []string
	Patches           []string
	Hashes            []Hash // the NAR hash of a store path; the output hash of a fixed-output source
	// Unfree: nixpkgs' meta says a license is not free. Insecure holds
	// the entries of meta.knownVulnerabilities.
	Unfree   bool
	Insecure []string

	StorePath string
	DrvPath   string
	Output    string // derivation output name: out, dev, lib ...
	NarSize   int64
	Scope     Scope

	// Embedded components were found inside the store path named by Parent.
	Embedded  bool
	Parent    string // ref of the store path component holding it
	Locations []string

	Properties []Property // extra properties, beyond those derived from the fields above
}

// BOM is the whole bill of materials. Components are sorted by Ref and every
// Dependencies key and value names a Ref of Components.
type BOM struct {
	Target       string   // what the user asked for, as given
	Roots        []string // refs of the target's own store paths
	Components   []Component
	Dependencies map[string][]string // ref -> refs it depends on, sorted
	// BuildOnly holds the subset of Dependencies edges that are build inputs
	// and not runtime references, so formats that can say so (SPDX's
	// BUILD_DEPENDENCY_OF) do.
	BuildOnly   map[string][]string
	Timestamp   time.Time
	ToolName    string
	ToolVersion string
}
