#!/usr/bin/env bash
# Deliberately broken: an unquoted expansion shellcheck must flag (SC2086).
dir=$1
ls $dir
