#!/usr/bin/env bash
# The platform's own time per turn: a 5-step read-only plan as a governed turn and as a bare Durable Task orchestration
# making the same model and tool calls, interleaved, on the in-memory engine and on Azure Storage (a private Azurite the
# bench starts itself). Prints the table and writes results/overhead.md and results/overhead.json.
#   scripts/bench-overhead.sh [TURNS] [both|in-memory|azure-storage]     (default 20 both)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
check_tools
ensure_azurite
build_bench
cd "$ROOT"
# The in-memory sidecar's concurrency is the processor count (2 here): raise it, as the bench hosts do.
DOTNET_PROCESSOR_COUNT=32 AZURITE_BIN="$AZURITE" exec dotnet "$BENCH_DLL" overhead "${1:-20}" "${2:-both}"
