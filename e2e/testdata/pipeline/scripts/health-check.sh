#!/usr/bin/env bash
# Healthy unless the test says otherwise.
set -euo pipefail
test ! -e "${E2E_FLAGS:?}/unhealthy"
