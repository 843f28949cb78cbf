#!/bin/sh
# usage: gen.sh OUTDIR [nix flags...]
set -u
out=$1; shift
N="nix --extra-experimental-features nix-command $*"
v=$(nix --version | awk '{print $NF}')
cd /tmp/samples || exit 1
f() { name=$1; shift; $N "$@" > "$out/$v-$name.json" 2> "$out/$v-$name.stderr"; echo "$name rc=$?"; }
f build build --no-link --json --impure --expr '(import ./drvs.nix { system = builtins.currentSystem; }).top' 
top=$($N eval --raw --impure --expr '(import ./drvs.nix { system = builtins.currentSystem; }).top.outPath')
topdrv=$($N eval --raw --impure --expr '(import ./drvs.nix { system = builtins.currentSystem; }).top.drvPath')
multidrv=$($N eval --raw --impure --expr '(import ./drvs.nix { system = builtins.currentSystem; }).multi.drvPath')
$N build --no-link "$multidrv$( [ "$v" = 2.8.0 ] || echo '^*')"
miss=/nix/store/00000000000000000000000000000000-missing
jf=""; [ "${v#2.34}" != "$v" ] && jf="--json-format 1"
# shellcheck disable=SC2086 # $jf is empty or two words
f path-info path-info --json $jf "$top" "$miss"
# shellcheck disable=SC2086
f path-info-recursive path-info --json $jf -r "$top"
# shellcheck disable=SC2086
f path-info-drv path-info --json $jf --derivation "$multidrv"
# shellcheck disable=SC2086
f path-info-drv-missing path-info --json $jf --derivation "$miss.drv"
# shellcheck disable=SC2086
f path-info-closure-size path-info --json $jf -S "$top"
if [ -n "$jf" ]; then
  f path-info-format2 path-info --json --json-format 2 "$top" "$miss"
  f path-info-format2-drv path-info --json --json-format 2 --derivation "$multidrv"
  f path-info-noformat path-info --json "$top"
fi
if [ "$v" = 2.8.0 ]; then f show-derivation show-derivation -r "$topdrv"; else f derivation-show derivation show -r "$topdrv"; fi
f eval eval --json --impure --expr '(import ./drvs.nix { system = builtins.currentSystem; }).multi' --apply 'd: { inherit (d) name outputs drvPath; }'
