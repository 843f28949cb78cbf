// Package release cuts a release of the suite from a clean git work tree:
// it builds every cmd/nixops-* binary for linux and darwin on amd64 and
// arm64, reproducibly, records their SHA-256 in actions/checksums.txt in a
// commit of its own, tags that commit, and writes the release notes. Publish
// then hands the result to GitHub through a Publisher: GitHub, on the
// project's client pkg/githubapi.
//
// # The release commit
//
// The release commit is the commit the tool was run at plus one change:
// actions/checksums.txt listing exactly this version's binaries. It is made
// with git's plumbing (a private index, commit-tree) and reachable only from
// its tag: the branch and the work tree are left as they were. That is on
// purpose. actions/bootstrap.sh downloads the release a checked-out
// checksums.txt names whenever it names exactly one; were the release commit
// on a branch, every later commit of that branch would still name the old
// release and run its binaries instead of its own source.
//
// # Reproducible binaries
//
// Each binary is built with CGO_ENABLED=0, -trimpath, -buildvcs=false,
// an empty build id and -X main.version=<version>, by the installed Go
// (GOTOOLCHAIN=local) with the caller's Go settings removed: GOFLAGS,
// GOOS, GOARCH, GOAMD64, GOEXPERIMENT and the like would change the
// binaries, and GOENV=off keeps a `go env -w` setting from doing the same.
// Only where modules come from and where caches live are kept (GOPATH,
// GOCACHE, GOMODCACHE, GOPROXY, ...): they change how fast a build is, not
// what it makes. So the same commit gives the same bytes in any directory,
// with any GOPATH and GOCACHE.
//
// # Release notes
//
// The notes list the commits since the previous release, without merges:
// those reachable from the commit being released and not from the tag of
// the highest version below the new one (vX.Y.Z tags only; moving tags such
// as v1 are ignored). A release commit is not on its branch, but its parent
// is, so this range is exactly what the branch gained since.
//
// They are grouped by action. An action is a top-level directory holding an
// action.yml (or action.yaml) at the commit being released: sbom, dora,
// publish, setup-nix, ... A commit is listed under every action whose
// directory it touches. A commit touching no action's directory (only pkg/,
// cmd/, actions/, internal/, dashboards/, e2e/, top-level files, ...) is
// listed under "shared", the code every action is built from.
package release
