#!/usr/bin/env bash
# Runs the whole test suite (unit, integration, examples). Usage: tools/test.sh [bazel flags]
set -euo pipefail
cd "$(dirname "$0")/.."
exec bazel test //... --test_output=errors "$@"
