#!/usr/bin/env bash
# Turn latency on each backend: POST turn → plan preview, → waiting for approval, → completed (approved at once by a
# signed Slack click through the webhook), and click → turn resumed, over N turns with the offline model. Starts its
# own hosts (in-memory on :7072, Azure Storage on Azurite on :7073) with the Slack simulator, prints the figures and
# appends them as JSON lines to results/turn-latency.jsonl.
#   scripts/bench-turns.sh [COUNT]     (default 20)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
count="${1:-20}"

prepare_bench
start_bench_host InMemory 7072 bench
start_bench_host AzureStorage 7073 bench
dotnet "$CLI_DLL" bench --host http://127.0.0.1:7072 --count "$count" --label in-memory --via-slack --out results/turn-latency.jsonl
dotnet "$CLI_DLL" bench --host http://127.0.0.1:7073 --count "$count" --label azure-storage-on-azurite --via-slack --out results/turn-latency.jsonl
