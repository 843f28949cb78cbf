#!/usr/bin/env bash
# Makes one nixops-actions binary available to a composite action step.
#
# Usage (from a composite action's run step):
#   "$GITHUB_ACTION_PATH/../actions/bootstrap.sh" nixops-sbom
#
# Result: the absolute path of the binary, written as `path=<bin>` to
# $GITHUB_OUTPUT when that is set, else printed as the last line of stdout.
# The PATH is left alone so that a user's own nixops-sbom is never shadowed
# and the action always runs the binary matching its own source.
#
# Two ways to get the binary:
#
# * Release ref (vX.Y.Z, or a moving major/minor tag vX / vX.Y): download
#   <name>_<tag>_<os>_<arch> from the action repository's GitHub release and
#   verify its SHA-256 against actions/checksums.txt *as committed in the
#   tagged source tree* the runner checked out for this action. A checksum
#   file fetched next to the binary would come from the same place as the
#   binary and prove nothing, so none is ever fetched.
#   A moving tag (v1) points at the commit of its newest release, whose
#   committed checksums.txt lists exactly one version (the one that commit
#   was released as); that version is the release downloaded. So the tag
#   moves, but what runs is always pinned by a hash in the tree it names.
#
# * Any other ref (branch, SHA, empty, local `uses: ./sbom`): `go build` from
#   the action's own source, cached per source hash in the tool cache.
#
# Environment:
#   GITHUB_ACTION_PATH   the action's directory (<repo>/<action>); required
#   ACTION_REF           ${{ github.action_ref }} mapped by the action's env:
#   ACTION_REPOSITORY    ${{ github.action_repository }} likewise
#   GITHUB_ACTION_REF, GITHUB_ACTION_REPOSITORY   fallbacks of the two above
#   RUNNER_OS, RUNNER_ARCH   Linux|macOS, X64|ARM64 (uname when unset)
#   RUNNER_TOOL_CACHE    cache root (default $HOME/.cache)
#   NIXOPS_RELEASE_HOST  release host (default https://github.com); tests
#                        point it at a local server
#
# Why ref and repository are read three ways: the runner leaves
# GITHUB_ACTION_REF/GITHUB_ACTION_REPOSITORY (and the github.action_*
# expressions inside `run:`) empty for composite actions (actions/runner
# #2473, #2525); evaluated in a step's `env:` they are set, but in a composite
# nested in another composite they name the *outer* action. The runner's
# checkout directory, .../_actions/<owner>/<repo>/<ref>/, always names this
# action, so it wins when present and the variables are the fallback (act and
# local `uses: ./x` have no such directory).
set -euo pipefail

name=${1:-}
[[ -n $name ]] || { echo "::error::bootstrap.sh: missing binary name (usage: bootstrap.sh NAME)"; exit 2; }
[[ $name =~ ^[a-z0-9][a-z0-9-]*$ ]] || { echo "::error::bootstrap.sh: invalid binary name '$name'"; exit 2; }

log() { echo "bootstrap: $*"; }
fail() {
	echo "::error::$*"
	exit 1
}

sha256() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum "$@"
	else
		shasum -a 256 "$@"
	fi
}

# Prints the first 64 hex characters of the SHA-256 of file $1.
file_sha256() {
	local out
	out=$(sha256 "$1")
	echo "${out:0:64}"
}

[[ -n ${GITHUB_ACTION_PATH:-} ]] || fail "GITHUB_ACTION_PATH is not set: run bootstrap.sh from a composite action step"
root=$(cd "$GITHUB_ACTION_PATH/.." && pwd -P) || fail "action directory '$GITHUB_ACTION_PATH' does not exist"
cache_root="${RUNNER_TOOL_CACHE:-${HOME:?HOME or RUNNER_TOOL_CACHE must be set}/.cache}/nixops-actions/$name"

ref=${ACTION_REF:-${GITHUB_ACTION_REF:-}}
repo=${ACTION_REPOSITORY:-${GITHUB_ACTION_REPOSITORY:-}}
# The runner's checkout directory names this action unambiguously.
if [[ $root == */_actions/*/*/* ]]; then
	rest=${root##*/_actions/}
	path_owner=${rest%%/*}
	rest=${rest#*/}
	path_repo=${rest%%/*}
	path_ref=${rest#*/}
	if [[ -n $ref && $ref != "$path_ref" ]]; then
		log "action ref from environment ('$ref') differs from the checkout directory ('$path_ref'); using the directory"
	fi
	ref=$path_ref
	repo="$path_owner/$path_repo"
fi

# Sets plat to <os>_<arch> in release asset spelling.
platform() {
	local os arch
	os=${RUNNER_OS:-$(uname -s)}
	arch=${RUNNER_ARCH:-$(uname -m)}
	case $os in
	Linux | linux) os=linux ;;
	macOS | Darwin | darwin) os=darwin ;;
	*) fail "unsupported runner OS '$os': $name release binaries exist for Linux and macOS" ;;
	esac
	case $arch in
	X64 | x86_64 | amd64) arch=amd64 ;;
	ARM64 | aarch64 | arm64) arch=arm64 ;;
	*) fail "unsupported runner architecture '$arch': $name release binaries exist for X64 and ARM64" ;;
	esac
	plat="${os}_$arch"
}

# Prints the expected hash of asset $2 from sha256sum-format file $1, or
# nothing when the file has no such entry.
expected_sha256() {
	awk -v want="$2" '
		/^[[:space:]]*(#|$)/ { next }
		{ f = $2; sub(/^\*/, "", f); if (f == want) { print tolower($1); exit } }
	' "$1"
}

# Sets tag to the one full version that the committed checksums file $2
# records for moving tag $1 (vX or vX.Y) and asset suffix $3 (_<os>_<arch>).
resolve_moving_tag() {
	local moving=$1 sums=$2 suffix=$3 versions count
	versions=$(awk -v name="$name" -v prefix="${name}_${moving}." -v suffix="$suffix" '
		/^[[:space:]]*(#|$)/ { next }
		{
			f = $2; sub(/^\*/, "", f)
			if (index(f, prefix) == 1 && substr(f, length(f) - length(suffix) + 1) == suffix) {
				v = substr(f, length(name) + 2)
				print substr(v, 1, length(v) - length(suffix))
			}
		}
	' "$sums" | sort -u)
	count=$(printf '%s' "$versions" | grep -c . || true)
	if [[ $count -eq 0 ]]; then
		fail "no $name release for tag $moving and ${suffix#_} in actions/checksums.txt at $moving: the tag must point at a release commit whose checksums.txt lists ${name}_${moving}.<n>..._${suffix#_}"
	elif [[ $count -gt 1 ]]; then
		fail "actions/checksums.txt at $moving lists several $name versions ($(echo "$versions" | tr '\n' ' ')): a release commit must record exactly one"
	fi
	tag=$versions
}

install_release() {
	local plat sums asset want dir tmp got url
	platform
	sums="$root/actions/checksums.txt"
	[[ -f $sums ]] || fail "actions/checksums.txt is missing from the action source at $ref: cannot verify a release binary"
	[[ -n $repo ]] || fail "the action repository is unknown (github.action_repository is empty): map ACTION_REPOSITORY: \${{ github.action_repository }} in the action's env"
	tag=$ref
	if [[ ! $ref =~ ^v[0-9]+\.[0-9]+\.[0-9]+ ]]; then
		resolve_moving_tag "$ref" "$sums" "_$plat"
		log "moving tag $ref resolves to $tag through the committed actions/checksums.txt"
	fi
	asset="${name}_${tag}_${plat}"
	want=$(expected_sha256 "$sums" "$asset")
	[[ -n $want ]] || fail "no checksum for $asset in actions/checksums.txt at $ref: refusing to run an unverified binary"

	dir="$cache_root/$tag"
	bin="$dir/$name"
	if [[ -x $bin && $(file_sha256 "$bin") == "$want" ]]; then
		log "cache hit: $asset already verified at $bin"
		return
	fi
	mkdir -p "$dir"
	tmp=$(mktemp "$dir/.$name.XXXXXX")
	url="${NIXOPS_RELEASE_HOST:-https://github.com}/$repo/releases/download/$tag/$asset"
	log "downloading $url"
	if ! curl -fsSL --retry 3 --retry-delay 2 --connect-timeout 20 -o "$tmp" "$url"; then
		rm -f "$tmp"
		fail "download of $asset failed from $url: check that release $tag has this asset"
	fi
	got=$(file_sha256 "$tmp")
	if [[ $got != "$want" ]]; then
		rm -f "$tmp"
		fail "checksum mismatch for $asset: expected $want (actions/checksums.txt at $ref), got $got; the download was deleted"
	fi
	chmod 0755 "$tmp"
	mv -f "$tmp" "$bin"
	log "installed verified $asset at $bin"
}

# SHA-256 over go.mod, go.sum and every .go file: sorted paths and contents.
source_hash() {
	(
		cd "$root"
		find . -name .git -prune -o -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -print0 |
			LC_ALL=C sort -z |
			xargs -0 "${SHA256_CMD[@]}" |
			"${SHA256_CMD[@]}"
	) | cut -c1-64
}

install_source() {
	local hash dir tmp
	if command -v sha256sum >/dev/null 2>&1; then SHA256_CMD=(sha256sum); else SHA256_CMD=(shasum -a 256); fi
	[[ -d "$root/cmd/$name" ]] || fail "$root/cmd/$name does not exist: cannot build $name from source"
	hash=$(source_hash)
	[[ ${#hash} -eq 64 ]] || fail "could not hash the source of $root"
	dir="$cache_root/$hash"
	bin="$dir/$name"
	if [[ -x $bin ]]; then
		log "cache hit: $name for source $hash at $bin"
		return
	fi
	command -v go >/dev/null 2>&1 ||
		fail "Go is not installed: building $name from source (ref '${ref:-none}' is not a release tag) needs it; add a step 'uses: actions/setup-go@v5' with 'go-version-file: <path to this action>/go.mod' before this action, or use a release tag such as @v1"
	mkdir -p "$dir"
	tmp=$(mktemp "$dir/.$name.XXXXXX")
	log "building $name from source $hash (ref '${ref:-none}')"
	# -buildvcs=false: the binary is cached by source hash, so a VCS stamp
	# would be stale on reuse, and runners may have git ownership trouble.
	if ! (cd "$root" && go build -trimpath -buildvcs=false -o "$tmp" "./cmd/$name"); then
		rm -f "$tmp"
		fail "go build of ./cmd/$name failed (see the compiler output above)"
	fi
	mv -f "$tmp" "$bin"
	log "built $name from source into $bin"
}

if [[ $ref =~ ^v[0-9]+(\.[0-9]+){0,2}(-[0-9A-Za-z.-]+)?$ ]]; then
	log "release ref $ref: using the prebuilt $name"
	install_release
else
	install_source
fi
if [[ -n ${GITHUB_OUTPUT:-} ]]; then
	echo "path=$bin" >>"$GITHUB_OUTPUT"
else
	echo "$bin"
fi
