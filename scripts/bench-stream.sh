#!/usr/bin/env bash
# The event stream's outbox on Azurite (the Service Bus topic at the seam): append cost of the pending marker, sweep
# throughput over a backlog, append → sent latency with the background publisher. Starts Azurite if needed, prints the
# figures and writes results/stream-bench.json.
#   scripts/bench-stream.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_azurite
start_azurite
say "Building the benchmarks (Release; log in .local/build.log)"
mkdir -p "$LOCAL"
dotnet build "$ROOT/functions/AgentBench/AgentBench.csproj" -c Release --nologo -v quiet >"$LOCAL/build.log" 2>&1 || { cat "$LOCAL/build.log" >&2; fail "build failed"; }
cd "$ROOT"
exec dotnet "$ROOT/functions/AgentBench/bin/Release/net10.0/agent-bench.dll" stream
