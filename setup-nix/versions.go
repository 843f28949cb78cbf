// Package setupnix holds the setup-nix action's verified release table,
// embedded into the binary so an install never fetches the hash it checks
// against.
package setupnix

import _ "embed"

// VersionsJSON is versions.json: see nixinstall.ParseTable.
//
//go:embed versions.json
var VersionsJSON []byte
