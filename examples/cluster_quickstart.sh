#!/usr/bin/env bash
# The cluster half of the quickstart: start a head and a node with the concurry CLI, run
# examples/cluster_job on them as a job (its worker library shipped with --lib), look at the
# cluster, call a registered function from the command line, stop everything.
# Usage: cluster_quickstart.sh CONCURRY JOB_PROGRAM WORKER_LIB   (tools/quickstart.sh runs it)
set -euo pipefail
concurry=$(realpath "$1")
job=$(realpath "$2")
lib=$(realpath "$3")
export CONCURRY_STATE_DIR="${CONCURRY_STATE_DIR:-$(mktemp -d)}"
unset CONCURRY_ADDRESS
trap '"$concurry" stop >/dev/null 2>&1 || true' EXIT  # nothing is left running, even on failure

say() { printf '\n$ concurry %s\n' "$*"; }

say start --head --port 0
"$concurry" start --head --port 0
say start --resources cpu=4
"$concurry" start --resources cpu=4
say job submit --lib libjob_workers.so --wait -- cluster_job
"$concurry" job submit --lib "$lib" --wait -- "$job"
say status
"$concurry" status
say call --lib libjob_workers.so word_count "'[\"to be or not to be\"]'"
"$concurry" call --lib "$lib" word_count '["to be or not to be"]'
say stop
"$concurry" stop
trap - EXIT
