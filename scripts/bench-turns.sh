#!/usr/bin/env bash
# Turn latency on each backend: POST turn → plan preview, → waiting for approval, → completed (approved at once by a
# signed Slack click through the webhook), and click → turn resumed, over N turns with the offline model. Starts its
# own hosts (in-memory on :7072, Azure Storage on Azurite on :7073) with the Slack simulator, prints the figures and
# appends them as JSON lines to results/turn-latency.jsonl.
#   scripts/bench-turns.sh [COUNT]     (default 20)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
count="${1:-20}"

check_tools
ensure_azurite
start_azurite
build_release
mkdir -p "$ROOT/results"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

use_local_slack
run_host() { # backend port
  local url="http://127.0.0.1:$2"
  say "Starting a $1 host at $url (log in .local/bench-$1.log)"
  # Rate limits off: the benchmark polls every 10 ms, faster than a user's limit allows; the edge's own cost is
  # measured by `dotnet run --project functions/AgentBench -c Release -- edge`.
  DOTNET_PROCESSOR_COUNT=32 RateLimits__Enabled=false Durable__Backend="$1" Durable__TaskHub="bench$(date +%s)" Slack__ApiBaseUrl="$url/slack-api/" \
    nohup dotnet "$HOST_DLL" --contentRoot "$(dirname "$HOST_DLL")" --urls "$url" >"$LOCAL/bench-$1.log" 2>&1 </dev/null &
  pids+=($!)
  for _ in $(seq 1 300); do
    curl -fsS "$url/api/health" >/dev/null 2>&1 && return
    sleep 0.2
  done
  fail "the $1 host did not start; see .local/bench-$1.log"
}

cd "$ROOT"
run_host InMemory 7072
run_host AzureStorage 7073
dotnet "$CLI_DLL" bench --host http://127.0.0.1:7072 --count "$count" --label in-memory --via-slack --out results/turn-latency.jsonl
dotnet "$CLI_DLL" bench --host http://127.0.0.1:7073 --count "$count" --label azure-storage-on-azurite --via-slack --out results/turn-latency.jsonl
