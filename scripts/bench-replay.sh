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

check_tools
ensure_azurite
start_azurite
build_release
mkdir -p "$ROOT/results"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

run_host() { # backend port
  local url="http://127.0.0.1:$2"
  say "Starting a $1 host at $url (log in .local/bench-replay-$1.log)"
  Durable__Backend="$1" Durable__TaskHub="replay$(date +%s)" \
    nohup dotnet "$HOST_DLL" --contentRoot "$(dirname "$HOST_DLL")" --urls "$url" >"$LOCAL/bench-replay-$1.log" 2>&1 </dev/null &
  pids+=($!)
  for _ in $(seq 1 300); do
    curl -fsS "$url/api/health" >/dev/null 2>&1 && return
    sleep 0.2
  done
  fail "the $1 host did not start; see .local/bench-replay-$1.log"
}

cd "$ROOT"
run_host InMemory 7074
run_host AzureStorage 7075
say "in-memory engine"
dotnet "$CLI_DLL" bench-replay --host http://127.0.0.1:7074 --steps "$steps" --repeats "$repeats" --out results/replay.jsonl
say "Azure Storage engine on Azurite"
dotnet "$CLI_DLL" bench-replay --host http://127.0.0.1:7075 --steps "$steps" --repeats "$repeats" --out results/replay.jsonl
