#!/usr/bin/env bash
# Runs an example and checks that every line of its .expected file appears in its output.
# Usage: run_example_test.sh EXPECTED COMMAND [ARGS...]
set -euo pipefail
expected=$1
shift
out=$("$@")
echo "$out"
while IFS= read -r line; do
  [ -z "$line" ] && continue
  grep -qxF -- "$line" <<<"$out" || { echo "missing line: $line" >&2; exit 1; }
done < "$expected"
