#!/usr/bin/env bash
# Compiles each case against the library's headers: files named *_compiles.cc must compile; every
# other case must fail with the message its "EXPECT-ERROR:" line names.
set -uo pipefail
root="$TEST_SRCDIR/$TEST_WORKSPACE"
gen_root="$(dirname "$(find -L "$root" -path '*proto/concurry.pb.h' -print -quit)")/.."
inc="$TEST_TMPDIR/include"
mkdir -p "$inc/concurry"
ln -sfn "$root/core" "$inc/concurry/core"
ln -sfn "$root/runtime" "$inc/concurry/runtime"
ln -sfn "$root/client" "$inc/concurry/client"
ln -sfn "$gen_root/proto" "$inc/concurry/proto"
ln -sfn "$root/concurry.h" "$inc/concurry/concurry.h"
failures=0
for case in "$root"/tests/compile_errors/*.cc; do
  name=$(basename "$case")
  out=$(g++ -std=c++20 -fsyntax-only -I"$inc" "$case" 2>&1)
  status=$?
  if [[ "$name" == *_compiles.cc ]]; then
    if [ $status -ne 0 ]; then
      echo "FAIL $name: expected to compile"; echo "$out" | head -20; failures=$((failures + 1))
    else
      echo "ok   $name compiles"
    fi
    continue
  fi
  expected=$(sed -n 's|^// EXPECT-ERROR: ||p' "$case")
  if [ $status -eq 0 ]; then
    echo "FAIL $name: compiled, but must not"; failures=$((failures + 1))
  elif ! grep -qF -- "$expected" <<<"$out"; then
    echo "FAIL $name: failed without the message '$expected'"; echo "$out" | head -20
    failures=$((failures + 1))
  else
    echo "ok   $name refused: $expected"
  fi
done
exit $failures
