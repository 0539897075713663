#!/usr/bin/env bash
# The golden PR-prep tasks (samples/golden/tasks.json) end to end over HTTP: starts its own host on the chosen durable
# backend (in-memory, or Azure Storage on Azurite) with the Slack simulator, runs every task with `agent eval`
# (one session per task on the task's repository, approvals decided as the manifest says: approve and revise clicked
# in the Slack simulator through the signed webhook, deny through the approvals API; --via api for the API only),
# prints a row per task and the overall figures, and writes results/golden-eval.md (and .json). Exits 1 when a task
# misses its expected outcome.
#
# The model is whatever the host is configured with: the offline recordings by default (as in CI), or a live provider
# when Models__Providers__* and Models__Tiers__* are set in the environment (see README, Settings). The report says
# which one answered, read from the model.called events.
#   scripts/eval.sh [--backend InMemory|AzureStorage] [--port PORT] [--via slack|api] [agent eval options, e.g. --task ID]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
backend=InMemory
port=7076
via=slack
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --backend) backend="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --via) via="$2"; shift 2 ;;
    *) extra+=("$1"); shift ;;
  esac
done
case "$backend" in
  InMemory|AzureStorage) ;;
  *) fail "--backend must be InMemory or AzureStorage" ;;
esac

prepare_bench
start_bench_host "$backend" "$port" golden
label="$(tr '[:upper:]' '[:lower:]' <<<"$backend")"
dotnet "$CLI_DLL" eval --host "http://127.0.0.1:$port" --label "$label" --via "$via" --out results/golden-eval.md "${extra[@]}"
