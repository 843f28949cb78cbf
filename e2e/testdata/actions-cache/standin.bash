#!/usr/bin/env bash
# A stand-in for actions/cache under act, which cannot reach GitHub's cache
# service: entries are directories under $NIXOPS_STANDIN_CACHE named by key.
# Like GitHub's, an entry is never overwritten, and a restore takes the
# exact key, else the newest entry whose key starts with a restore key.
set -euo pipefail
root=${NIXOPS_STANDIN_CACHE:?the test sets NIXOPS_STANDIN_CACHE}
case $1 in
restore)
	match=
	if [[ -d $root/$KEY ]]; then
		match=$KEY
	else
		while IFS= read -r prefix; do
			[[ -n $prefix ]] || continue
			# shellcheck disable=SC2012 # keys are plain names; newest first
			match=$(cd "$root" && ls -1t -d -- "$prefix"* 2>/dev/null | head -n 1) || true
			[[ -z $match ]] || break
		done <<<"$RESTORE_KEYS"
	fi
	if [[ -z $match ]]; then
		echo "Cache not found for input keys: $KEY"
		exit 0
	fi
	mkdir -p "$CACHE_PATH"
	cp -a "$root/$match/." "$CACHE_PATH/"
	echo "Cache restored from key: $match"
	echo "cache-matched-key=$match" >>"$GITHUB_OUTPUT"
	if [[ $match == "$KEY" ]]; then echo "cache-hit=true" >>"$GITHUB_OUTPUT"; fi
	;;
save)
	if [[ -e $root/$KEY ]]; then
		echo "::warning::Failed to save: another job may be creating this cache ($KEY)"
		exit 0
	fi
	mkdir -p "$root"
	cp -a "$CACHE_PATH" "$root/$KEY"
	echo "Cache saved with key: $KEY"
	;;
esac
