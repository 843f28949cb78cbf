#!/usr/bin/env bash
# Deploys the pipeline test's project: a mark in the test's flag directory.
set -euo pipefail
touch "${E2E_FLAGS:?}/deployed"
