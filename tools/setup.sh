#!/usr/bin/env bash
# Installs everything the build, the tests and the benchmarks need, from Debian 12 packages.
# Idempotent: packages already present are skipped; safe to run on every CI start.
set -euo pipefail

packages=(
  bazel-bootstrap bazel-rules-java g++ git ca-certificates
  protobuf-compiler protobuf-compiler-grpc libgrpc++-dev libprotobuf-dev libabsl-dev
  libssl-dev openssl libgtest-dev libgmock-dev libbenchmark-dev libcereal-dev libasio-dev libcli11-dev libspdlog-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
