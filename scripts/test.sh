#!/usr/bin/env bash
# Runs every test project of the solution. Tests start their own private Azurite (installed here with npm)
# and the real Durable Task engine; nothing else needs to be running. Ends with one line: "N passed, N failed".
#   scripts/test.sh                 all tests
#   scripts/test.sh --filter X      passed on to dotnet test
set -euo pipefail
source "$(dirname "$0")/lib.sh"

check_tools
ensure_azurite
results="$ROOT/TestResults/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$results"
say "Running the tests (Release); results in ${results#$ROOT/}"
status=0
dotnet test "$ROOT/AgentFunctions.sln" -c Release --nologo --settings "$ROOT/tests/test.runsettings" \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" "$@" || status=$?

passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -1)"
  p="$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  f="$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  e="$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")"
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # the run failed outside any test (a build error, a crashed test host): count it
fi
echo "$passed passed, $failed failed"
if [ "$passed" -eq 0 ]; then
  echo "error: no test ran" >&2
  exit 1
fi
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
