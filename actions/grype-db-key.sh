#!/usr/bin/env bash
# Names the cache entry of the scan's vulnerability database, for the
# composite actions that keep it in the tool cache (scan/, the root
# action). Writes to $GITHUB_OUTPUT:
#
#   dir=$RUNNER_TOOL_CACHE/nixops-scan/grype-db
#   key=grype-db-<RUNNER_OS>-<mirror>-<UTC day>      one entry a day
#   restore-key=grype-db-<RUNNER_OS>-<mirror>-       the newest earlier one
#   present=true                                     when dir holds a database
#
# A database already in the tool cache (a persistent runner, or jobs that
# share one) is neither restored over nor saved: a restore would overwrite
# the files another job's scan may be reading, and the scan updates it.
#
# <mirror> is the first 12 hex digits of the SHA-256 of DB_URL (the
# db-url input, passed through env:, never spliced into the script), so
# jobs using different distributions never restore each other's database.
# The URL's user info is left out of the hash: a password must not be
# guessable from a cache key anyone who can read the repository sees, and
# the same mirror under other credentials serves the same database.
set -euo pipefail

url=${DB_URL-}
if [[ $url == *://* ]]; then
	rest=${url#*://}
	authority=${rest%%/*}
	url="${url%%://*}://${authority##*@}${rest#"$authority"}"
fi
if command -v sha256sum >/dev/null 2>&1; then
	sum=$(printf '%s' "$url" | sha256sum)
else
	sum=$(printf '%s' "$url" | shasum -a 256)
fi
prefix="grype-db-$RUNNER_OS-${sum:0:12}-"
dir=$RUNNER_TOOL_CACHE/nixops-scan/grype-db
{
	echo "dir=$dir"
	echo "key=$prefix$(date -u +%Y-%m-%d)"
	echo "restore-key=$prefix"
	if [[ -f $dir/6/vulnerability.db ]]; then echo "present=true"; fi
} >>"$GITHUB_OUTPUT"
