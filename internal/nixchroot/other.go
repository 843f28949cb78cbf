//go:build !linux

package nixchroot

import (
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// Run needs Linux chroots; elsewhere it skips.
func Run(t *testing.T, pkgDir string, args ...string) {
	t.Helper()
	testenv.Skip(t, "Nix chroots need Linux")
}
