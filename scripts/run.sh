#!/usr/bin/env bash
# The main job: the PR-prep agent on the bundled sample repository, on local defaults
# (Azurite, the portable host on the Durable Task engine, the offline model).
#   scripts/run.sh                      run the sample ticket; decide at the prompt or from another terminal
#   scripts/run.sh --decide approve     decide without asking (approve | revise | deny)
#   scripts/run.sh --ticket FILE        another ticket
#   scripts/run.sh --stop               stop the host and Azurite started by this script
set -euo pipefail
source "$(dirname "$0")/lib.sh"

if [ "${1:-}" = "--stop" ]; then
  stop_all
  exit 0
fi

check_tools
ensure_azurite
start_azurite
build_release
start_host
use_local_slack
cd "$ROOT"
status=0
dotnet "$CLI_DLL" demo --host "$HOST_URL" "$@" || status=$?
say "The host keeps running at $HOST_URL for more turns (scripts/agent --help). Stop it and Azurite with: scripts/run.sh --stop"
exit $status
