#!/usr/bin/env bash
# The event stream's outbox on Azurite (the Service Bus topic at the seam): append cost of the pending marker, sweep
# throughput over a backlog, append → sent latency with the background publisher. Starts Azurite if needed, prints the
# figures and writes results/stream-bench.json.
#   scripts/bench-stream.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_azurite
start_azurite
build_bench
cd "$ROOT"
exec dotnet "$BENCH_DLL" stream
