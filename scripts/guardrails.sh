#!/usr/bin/env bash
# The guardrail suite (issue 8): runs only the tests tagged [Trait("Category", "Guardrail")] (Release) and reports
# every adversarial scenario of tests/guardrails/scenarios.json: id, category, expected decision, result. Ends with
# "N scenarios, N held, N bypassed"; exits non-zero unless every scenario held. Also writes results/guardrails.md.
#   scripts/guardrails.sh               build and run
#   scripts/guardrails.sh --no-build    the test projects are built already (Release)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# The projects that hold guardrail-tagged tests (the filter would find none elsewhere; listing them skips building the rest).
projects=(tests/Agents.Core.Tests/Agents.Core.Tests.csproj tests/AgentHost.Tests/AgentHost.Tests.csproj)

check_tools
ensure_azurite
results="$ROOT/TestResults/guardrails-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$results"
status=0
for project in "${projects[@]}"; do
  say "Guardrail scenarios in ${project%/*}"
  dotnet test "$ROOT/$project" -c Release --nologo --settings "$ROOT/tests/test.runsettings" --filter "Category=Guardrail" \
    --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" "$@" || status=$?
done
python3 "$ROOT/scripts/guardrails-report.py" "$ROOT/tests/guardrails/scenarios.json" "$results" "$ROOT/results/guardrails.md" || status=$?
say "Report in results/guardrails.md; test results in ${results#$ROOT/}"
exit "$status"
