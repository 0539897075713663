#!/usr/bin/env bash
# In-process benchmarks: the model router's overhead per call with a zero-latency model, token counting
# throughput, cost per turn of the sample PR-prep session by tier, policy evaluation latency, and the WASM tools'
# call overhead and time-cap accuracy. Writes results/router-bench.json.
#   scripts/bench-router.sh [router|tokens|cost|policy|wasm|all]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need dotnet "install the .NET 10 SDK (https://dot.net)"
build_bench
cd "$ROOT"
exec dotnet "$BENCH_DLL" "${1:-all}"
