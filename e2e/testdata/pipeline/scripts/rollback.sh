#!/usr/bin/env bash
# Rolls the pipeline test's project back: a mark in the test's flag directory.
set -euo pipefail
touch "${E2E_FLAGS:?}/rolled-back"
