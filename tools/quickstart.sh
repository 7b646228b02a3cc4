#!/usr/bin/env bash
# Installs what is missing, builds, runs examples/quickstart (one worker in each mode), then
# starts a cluster with the concurry CLI, submits examples/cluster_job to it, shows the cluster,
# calls a function from the command line, and stops the cluster (examples/cluster_quickstart.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
bazel build //examples:quickstart //examples:cluster_job //examples:libjob_workers.so \
  //tools:concurry
bazel-bin/examples/quickstart
bash examples/cluster_quickstart.sh bazel-bin/tools/concurry bazel-bin/examples/cluster_job \
  bazel-bin/examples/libjob_workers.so
