#!/usr/bin/env bash
# Replay time of a recorded session of at least STEPS steps, on each backend: records one session with the offline
# model (approvals at once), then replays it REPEATS times with recorded tools and with re-run tools, timing
# POST replay → diff complete. Starts its own hosts (in-memory on :7074, Azure Storage on Azurite on :7075), prints
# the figures and appends them as JSON lines to results/replay.jsonl.
#   scripts/bench-replay.sh [STEPS] [REPEATS]     (default 20 5)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
steps="${1:-20}"
repeats="${2:-5}"

prepare_bench
start_bench_host InMemory 7074 benchreplay
start_bench_host AzureStorage 7075 benchreplay
say "in-memory engine"
dotnet "$CLI_DLL" bench-replay --host http://127.0.0.1:7074 --steps "$steps" --repeats "$repeats" --out results/replay.jsonl
say "Azure Storage engine on Azurite"
dotnet "$CLI_DLL" bench-replay --host http://127.0.0.1:7075 --steps "$steps" --repeats "$repeats" --out results/replay.jsonl
