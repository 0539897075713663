#!/usr/bin/env bash
# Runs the Bicep CLI restored from NuGet (works offline once restored), for example:
#   infra/tools/bicep.sh lint --pattern 'infra/**/*.bicep'
#   infra/tools/bicep.sh build infra/main.bicep --stdout
# BICEP_PATH, when set, names another bicep binary to run instead.
set -euo pipefail
if [ -n "${BICEP_PATH:-}" ]; then
  exec "$BICEP_PATH" "$@"
fi
project="$(cd "$(dirname "$0")/bicep" && pwd)/bicep.csproj"
cli="$(dotnet msbuild "$project" -nologo -getProperty:BicepCliPath 2>/dev/null || true)"
if [ -z "$cli" ] || [ ! -f "$cli" ]; then
  dotnet restore "$project" --nologo -v quiet >&2
  cli="$(dotnet msbuild "$project" -nologo -getProperty:BicepCliPath)"
fi
[ -x "$cli" ] || chmod u+x "$cli"
exec "$cli" "$@"
