#!/usr/bin/env bash
# Runs an example and checks that every line of its .expected file appears in its output.
# Usage: run_example_test.sh BINARY EXPECTED
set -euo pipefail
out=$("$1")
echo "$out"
while IFS= read -r line; do
  [ -z "$line" ] && continue
  grep -qxF -- "$line" <<<"$out" || { echo "missing line: $line" >&2; exit 1; }
done < "$2"
