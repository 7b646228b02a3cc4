#!/usr/bin/env bash
# Runs the quickstart and checks what it prints.
set -euo pipefail
out=$("$1")
echo "$out"
expect() { grep -qF -- "$1" <<<"$out" || { echo "missing line: $1" >&2; exit 1; }; }
expect "sync   worker: add(2) -> 7, add(1) -> 8"
expect "thread worker: add(2) -> 7, add(1) -> 8"
expect "consumer.add(producer.get()) -> 11"
expect "map(square, 1..4) -> [1, 4, 9, 16]"
expect "gather(5 squares) -> sum 30"
