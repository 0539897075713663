#!/usr/bin/env bash
# Load and backpressure: starts its own portable host (in-memory Durable Task backend by default; AzureStorage on
# Azurite with BACKEND=AzureStorage) with a small turn capacity and an offline model that takes LATENCY_MS per answer,
# then drives SESSIONS concurrent users (one session each, TURNS turns one after another) with `agent load`. Prints and
# writes results/load.md and results/load.json: p50/p95/p99 of the 202 and of submit → final, throughput, 429s (shed),
# the degrade level per second; then verifies every accepted turn is final and logged exactly once. Exits non-zero if not.
#   scripts/bench-load.sh [SESSIONS] [LATENCY_MS]      (defaults 80 and 200)
#   env: CAPACITY (turns in flight at degrade level 3, default 24), TURNS (2), DURATION (60 s), RAMP (users start over 20 s),
#        DRAIN (180 s),
#        RETRY_AFTER (seconds in a 429, default 2), BACKEND (InMemory | AzureStorage), PORT (7074)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
sessions="${1:-80}"
latency="${2:-200}"
capacity="${CAPACITY:-24}"
backend="${BACKEND:-InMemory}"
port="${PORT:-7074}"
run="load$(date +%s)"

prepare_bench
# The host for this run: its capacity and model time; its own in-flight markers (a fresh container, so markers left by
# an earlier, killed run do not count); an org budget that a few hundred turns cannot exhaust (shedding must come from
# the degrade level, not from the org's daily cap).
export Backpressure__TurnCapacity="$capacity" Backpressure__RetryAfterSeconds="${RETRY_AFTER:-2}"
export Models__Providers__offline__Kind=Offline Models__Providers__offline__LatencyMs="$latency" Models__Providers__offline__LatencyJitterMs="$((latency / 4))"
export Storage__TurnsContainer="agent-turns-$run" Budgets__Defaults__OrgDailyTokens=1000000000
start_bench_host "$backend" "$port" "$run"
dotnet "$CLI_DLL" load --host "http://127.0.0.1:$port" --org "$run" \
  --sessions "$sessions" --turns "${TURNS:-2}" --duration "${DURATION:-60}" --drain "${DRAIN:-180}" --ramp "${RAMP:-20}" \
  --label "$backend, $sessions sessions, capacity $capacity, model ${latency}±$((latency / 4)) ms" --report load
