#!/usr/bin/env bash
# Crash recovery on the Azure Storage backend (Azurite): runs the portable host as a child process on one task hub,
# keeps 3 sessions busy with turns of TICKET-101 (approved as they ask), SIGKILLs the host KILLS times (while a
# run_tests job runs, while a turn waits for approval, at an event-log append via the Chaos:ExitOnAppend test hook, at
# random) and restarts it; then checks that every turn completed exactly once, every session's log verifies, and each
# push, pull request and Slack message happened exactly once. Prints the report and writes results/crash.md; exits 1
# when a check fails.
#   scripts/chaos.sh [KILLS] [SEED]     (default 20 kills, a random seed; the seed is printed)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
kills="${1:-20}"
seed="${2:-$((RANDOM * 32768 + RANDOM))}"

prepare_bench
dotnet "$CLI_DLL" chaos --kills "$kills" --seed "$seed" --host-dll "$HOST_DLL" --out results/crash.md
