#!/usr/bin/env bash
# Makes one nixops-actions binary available to a composite action step.
#
# Usage (from a composite action's run step):
#   "$GITHUB_ACTION_PATH/../actions/bootstrap.sh" nixops-sbom
#
# Result: the absolute path of the binary, written as `path=<bin>` to
# $GITHUB_OUTPUT when that is set, else printed as the last line of stdout;
# and `built=true` when it was compiled in this run.
#
#   bootstrap.sh --plan nixops-sbom
#
# writes `cache-dir=` and `cache-key=` instead, when the binary would be
# built from source into a private tool cache: the action restores that
# directory from GitHub's cache (actions/cache, keyed by the source hash)
# before the build and saves it after, so a branch ref compiles once, not
# in every run. A restored build is checked like any cached one: private
# directories and the hash recorded when it was built. GitHub's cache is
# scoped to a branch and its base, so no pull request can plant one for
# the default branch.
# The PATH is left alone so that a user's own nixops-sbom is never shadowed
# and the action always runs the binary matching its own source.
#
# Two ways to get the binary:
#
# * Release: download <name>_<version>_<os>_<arch> from the action
#   repository's GitHub release and verify its SHA-256 against
#   actions/checksums.txt *as committed in the source tree* the runner
#   checked out for this action. A checksum file fetched next to the binary
#   would come from the same place as the binary and prove nothing, so none
#   is ever fetched. The version is the ref itself when it is one (vX.Y.Z);
#   for any other ref (a moving tag v1, a commit SHA pinned as security
#   advice asks, a branch) it is the one release that the committed
#   checksums.txt records for this binary and platform: a release commit
#   records exactly one, the one it was released as. So a ref may move, but
#   what runs is always pinned by a hash in the tree it names.
#
# * Source: when the checked-out checksums.txt records no release (a branch,
#   a local `uses: ./sbom`), `go build` from the action's own source, kept
#   per source hash in the tool cache in directories that only this user
#   can write (made with umask 077, checked on every use), with the
#   binary's hash recorded at build time and checked before it is run. Where
#   the tool cache is not private, the build goes to the job's RUNNER_TEMP,
#   which the runner empties after the job.
#
# Environment:
#   GITHUB_ACTION_PATH   the action's directory (<repo>/<action>); required
#   ACTION_REF           ${{ github.action_ref }} mapped by the action's env:
#   ACTION_REPOSITORY    ${{ github.action_repository }} likewise
#   GITHUB_ACTION_REF, GITHUB_ACTION_REPOSITORY   fallbacks of the two above
#   RUNNER_OS, RUNNER_ARCH   Linux|macOS, X64|ARM64 (uname when unset)
#   RUNNER_TOOL_CACHE    where binaries are kept (default $HOME/.cache);
#                        each is checked again before use
#   RUNNER_TEMP          where source builds go when the tool cache is not
#                        private (default: a new temp dir)
#   NIXOPS_RELEASE_HOST  release host (default https://github.com); tests
#                        point it at a local server
#   NIXOPS_DOWNLOAD_MAX_TIME  seconds a download may take (default 300)
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

plan=
if [[ ${1:-} == --plan ]]; then
	plan=1
	shift
fi
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
# The repository root is where this script lives, whatever the depth of
# the action calling it (sbom/, setup-nix/save/).
# Bash alone: the source build must work where coreutils' dirname is not.
self=${BASH_SOURCE[0]}
[[ $self == */* ]] || self=./$self
root=$(cd "${self%/*}/.." && pwd -P) || fail "cannot find the repository root from $self"
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

# Sets plat to <os>_<arch> in release asset spelling, or to nothing on a
# platform no release is built for.
platform() {
	local os arch
	os=${RUNNER_OS:-$(uname -s)}
	arch=${RUNNER_ARCH:-$(uname -m)}
	plat=
	case $os in
	Linux | linux) os=linux ;;
	macOS | Darwin | darwin) os=darwin ;;
	*) return ;;
	esac
	case $arch in
	X64 | x86_64 | amd64) arch=amd64 ;;
	ARM64 | aarch64 | arm64) arch=arm64 ;;
	*) return ;;
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

# Prints the versions that the checksums file $1 records for this binary
# and asset suffix $2 (_<os>_<arch>), restricted to those starting with $3.
listed_versions() {
	awk -v name="$name" -v prefix="${name}_$3" -v suffix="$2" '
		/^[[:space:]]*(#|$)/ { next }
		{
			f = $2; sub(/^\*/, "", f)
			if (index(f, prefix) == 1 && substr(f, length(f) - length(suffix) + 1) == suffix) {
				v = substr(f, length(name) + 2)
				print substr(v, 1, length(v) - length(suffix))
			}
		}
	' "$1" | sort -u
}

# Sets tag to the release of this binary that ref $ref stands for, or to
# nothing when the committed checksums name none and ref is no version.
resolve_release() {
	local sums="$root/actions/checksums.txt" versions count prefix=
	tag=
	if [[ $ref =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
		tag=$ref
		return
	fi
	[[ -f $sums && -n $plat ]] || return 0
	# A moving tag v1 or v1.2 may only stand for a release of its own line.
	[[ $ref =~ ^v[0-9]+(\.[0-9]+)?$ ]] && prefix="$ref."
	versions=$(listed_versions "$sums" "_$plat" "$prefix")
	count=$(printf '%s' "$versions" | grep -c . || true)
	if [[ $count -gt 1 ]]; then
		fail "actions/checksums.txt at $ref lists several $name versions ($(echo "$versions" | tr '\n' ' ')): a release commit must record exactly one"
	elif [[ $count -eq 1 ]]; then
		tag=$versions
		log "ref $ref resolves to release $tag through the committed actions/checksums.txt"
	elif [[ -n $prefix ]]; then
		fail "no $name release for tag $ref and $plat in actions/checksums.txt at $ref: the tag must point at a release commit whose checksums.txt lists ${name}_$prefix<n>..._$plat"
	fi
}

install_release() {
	local sums asset want dir tmp got url host max_time curl_opts
	sums="$root/actions/checksums.txt"
	[[ -n $plat ]] || fail "unsupported runner ${RUNNER_OS:-$(uname -s)}/${RUNNER_ARCH:-$(uname -m)}: $name release binaries exist for Linux and macOS on X64 and ARM64"
	[[ -f $sums ]] || fail "actions/checksums.txt is missing from the action source at $ref: cannot verify a release binary"
	[[ -n $repo ]] || fail "the action repository is unknown (github.action_repository is empty): map ACTION_REPOSITORY: \${{ github.action_repository }} in the action's env"
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
	# The download lands beside the cache directory, not in it: a cache
	# save running meanwhile (another job on a shared tool cache) must see
	# whole files only.
	tmp=$(mktemp "${dir%/*}/.$name.XXXXXX")
	host=${NIXOPS_RELEASE_HOST:-https://github.com}
	url="$host/$repo/releases/download/$tag/$asset"
	max_time=${NIXOPS_DOWNLOAD_MAX_TIME:-300}
	[[ $max_time =~ ^[1-9][0-9]*$ ]] || fail "NIXOPS_DOWNLOAD_MAX_TIME='$max_time' is not a whole number of seconds"
	# Bounded in time and size (a binary is tens of MB); retries stop at the
	# same deadline. GitHub redirects downloads to its asset host: only
	# ever over https.
	curl_opts=(-fsSL --retry 3 --retry-delay 2 --connect-timeout 20 --max-time "$max_time" --retry-max-time "$max_time" --max-filesize 268435456)
	[[ $host == https://* ]] && curl_opts+=(--proto "=https" --proto-redir "=https")
	log "downloading $url"
	if ! curl "${curl_opts[@]}" -o "$tmp" "$url"; then
		rm -f "$tmp"
		fail "download of $asset failed from $url within ${max_time}s: check that release $tag has this asset"
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

# SHA-256 over what the binary is made of: go.mod, go.sum, every non-test
# .go file and every other file beside them that go:embed may take
# (pkg/closure/meta.nix), outside testdata; and the Go version and build
# settings, since another compiler makes another binary.
source_hash() {
	(
		cd "$root"
		go version
		echo "CGO_ENABLED=0 -trimpath -buildvcs=false -ldflags=-s -w"
		find . \( -name .git -o -name testdata -o -name node_modules \) -prune -o -type f \
			\( -path './cmd/*' -o -path './pkg/*' -o -path './internal/*' -o -name go.mod -o -name go.sum \) \
			! -name '*_test.go' ! -name '*.md' -print0 |
			LC_ALL=C sort -z |
			xargs -0 "${SHA256_CMD[@]}"
	) | "${SHA256_CMD[@]}" | cut -c1-64
}

# Succeeds when every directory from the tool cache's nixops-actions down to
# $1 exists, belongs to this user and is writable by no one else: only then
# can a binary found there be one this user built.
private_dirs() {
	local d=$1 top="${cache_root%/*}"
	while :; do
		[[ -d $d && -O $d ]] || return 1
		[[ -z $(find "$d" -maxdepth 0 \( -perm -020 -o -perm -002 \) -print) ]] || return 1
		[[ $d == "$top" ]] && return 0
		d=${d%/*}
	done
}

install_source() {
	local hash dir tmp
	if command -v sha256sum >/dev/null 2>&1; then SHA256_CMD=(sha256sum); else SHA256_CMD=(shasum -a 256); fi
	[[ -d "$root/cmd/$name" ]] || fail "$root/cmd/$name does not exist: cannot build $name from source"
	command -v go >/dev/null 2>&1 ||
		fail "Go is not installed: building $name from source (ref '${ref:-none}' names no release) needs it; add a step 'uses: actions/setup-go@v5' with 'go-version-file: <path to this action>/go.mod' before this action, or pin a release (@v1, @vX.Y.Z or its commit SHA)"
	hash=$(source_hash)
	[[ ${#hash} -eq 64 ]] || fail "could not hash the source of $root"
	dir="$cache_root/$hash"
	bin="$dir/$name"
	# A cached build is run only from directories this user alone can write,
	# and only while it still has the hash recorded when it was built.
	if [[ -x $bin && -f $bin.sha256 ]] && private_dirs "$dir" && [[ $(file_sha256 "$bin") == "$(cat "$bin.sha256")" ]]; then
		log "cache hit: $name for source $hash at $bin"
		return
	fi
	(umask 077 && mkdir -p "$dir")
	if ! private_dirs "$dir"; then
		# Someone else can write there: build into this job's temp dir,
		# which the runner empties after the job.
		log "$dir is writable by others or not ours: building into the job's temp dir instead"
		dir="${RUNNER_TEMP:-$(mktemp -d)}/nixops-actions/$name/$hash"
		bin="$dir/$name"
		(umask 077 && mkdir -p "$dir")
	fi
	rm -f "$bin.sha256"
	# Built beside the cache directory, for the reason given at the download.
	tmp=$(mktemp "${dir%/*}/.$name.XXXXXX")
	log "building $name from source $hash (ref '${ref:-none}')"
	# The job's Go settings are not ours: a GOOS=windows or GOFLAGS=-race in
	# the workflow must not change what the action runs. -buildvcs=false: no
	# VCS stamp, and runners may have git ownership trouble. -s -w: as the
	# releases, no symbol table or DWARF, a third of the size.
	if ! (cd "$root" && env -u GOOS -u GOARCH -u GOFLAGS -u GOWORK CGO_ENABLED=0 GOWORK=off \
		go build -trimpath -buildvcs=false -ldflags="-s -w" -o "$tmp" "./cmd/$name"); then
		rm -f "$tmp"
		fail "go build of ./cmd/$name failed (see the compiler output above)"
	fi
	file_sha256 "$tmp" >"$tmp.sha256"
	mv -f "$tmp" "$bin"
	mv -f "$tmp.sha256" "$bin.sha256"
	built=true
	log "built $name from source into $bin"
}

# plan_source prints where a source build of this source would be kept and
# its cache key, or nothing when it would not be kept in the tool cache.
plan_source() {
	local hash dir
	if command -v sha256sum >/dev/null 2>&1; then SHA256_CMD=(sha256sum); else SHA256_CMD=(shasum -a 256); fi
	command -v go >/dev/null 2>&1 || return 0 # the build step says what to do
	hash=$(source_hash)
	dir="$cache_root/$hash"
	(umask 077 && mkdir -p "$dir")
	private_dirs "$dir" || return 0
	echo "cache-dir=$dir"
	echo "cache-key=nixops-actions-$name-$plat-$hash"
}

built=false
platform
resolve_release
if [[ -n $plan ]]; then
	if [[ -z $tag ]]; then
		plan_source >>"${GITHUB_OUTPUT:-/dev/stdout}"
	fi
	exit 0
fi
if [[ -n $tag ]]; then
	log "release $tag: using the prebuilt $name"
	install_release
else
	install_source
fi
if [[ -n ${GITHUB_OUTPUT:-} ]]; then
	echo "path=$bin" >>"$GITHUB_OUTPUT"
	echo "built=$built" >>"$GITHUB_OUTPUT"
else
	echo "$bin"
fi
