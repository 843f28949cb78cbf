// Package nixchroot runs a package's tests again inside Debian chroots that
// hold other Nix versions (made by .ci/nix-chroots), so code that parses
// Nix's output is checked against each version's real output.
package nixchroot

// ChrootsVar lists chroot directories, colon-separated.
const ChrootsVar = "NIXOPS_NIX_CHROOTS"

// InnerVar is set inside the chroot to the chroot's name, so a test run
// there knows not to recurse.
const InnerVar = "NIXOPS_NIX_CHROOT"

// VersionVar is set inside the chroot to the nix-bin version that dpkg
// installed there (e.g. "2.26.3"); tests compare it with what nix says.
const VersionVar = "NIXOPS_NIX_CHROOT_VERSION"
