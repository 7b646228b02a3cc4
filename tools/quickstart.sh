#!/usr/bin/env bash
# Installs what is missing, builds, and runs the quickstart example.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
exec bazel run //examples:quickstart
