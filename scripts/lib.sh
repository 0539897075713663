# Shared by scripts/run.sh, scripts/test.sh and scripts/agent. Source it; do not run it.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
AZURITE="$ROOT/scripts/azurite/node_modules/.bin/azurite"
HOST_URL="${AGENT_HOST:-http://127.0.0.1:7071}"
HOST_DLL="$ROOT/functions/AgentHost/bin/Release/net10.0/AgentHost.dll"
CLI_DLL="$ROOT/functions/AgentCli/bin/Release/net10.0/agent.dll"
mkdir -p "$LOCAL"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

need() {
  command -v "$1" >/dev/null 2>&1 || fail "'$1' is required: $2"
}

check_tools() {
  need dotnet "install the .NET 10 SDK (https://dot.net)"
  need node "install Node.js 20 or newer (Azurite runs on it)"
  need npm "install npm (comes with Node.js)"
  need git "install git (the agent commits and pushes with it)"
  need python3 "install Python 3 (the sample repository's tests run on it)"
  need curl "install curl (the scripts check the host's health with it)"
}

ensure_azurite() {
  if [ ! -x "$AZURITE" ]; then
    say "Installing Azurite (npm, scripts/azurite)"
    npm ci --prefix "$ROOT/scripts/azurite" --no-audit --no-fund --loglevel=error >&2 || fail "npm could not install Azurite"
  fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_azurite() {
  if port_open 10000; then
    return
  fi
  say "Starting Azurite on 127.0.0.1:10000-10002 (data in .local/azurite, log in .local/azurite.log)"
  mkdir -p "$LOCAL/azurite"
  nohup "$AZURITE" --silent --location "$LOCAL/azurite" --skipApiVersionCheck --loose >"$LOCAL/azurite.log" 2>&1 </dev/null &
  echo $! >"$LOCAL/azurite.pid"
  for _ in $(seq 1 100); do
    port_open 10000 && port_open 10001 && port_open 10002 && return
    sleep 0.2
  done
  fail "Azurite did not start; see .local/azurite.log"
}

build_release() {
  say "Building the portable host and the command-line client (Release; log in .local/build.log)"
  for project in functions/AgentHost/AgentHost.csproj functions/AgentCli/AgentCli.csproj; do
    if ! dotnet build "$ROOT/$project" -c Release --nologo -v quiet >"$LOCAL/build.log" 2>&1; then
      cat "$LOCAL/build.log" >&2
      fail "the build of $project failed"
    fi
  done
}

BENCH_DLL="$ROOT/functions/AgentBench/bin/Release/net10.0/agent-bench.dll"

build_bench() {
  say "Building the benchmarks (Release; log in .local/build.log)"
  dotnet build "$ROOT/functions/AgentBench/AgentBench.csproj" -c Release --nologo -v quiet >"$LOCAL/build.log" 2>&1 \
    || { cat "$LOCAL/build.log" >&2; fail "the build of the benchmarks failed"; }
}

# Slack, locally: the host serves a Slack simulator and the client clicks its buttons through the real, signed
# webhook. The signing secret is made up per machine (never committed) and kept in .local/slack.env.
use_local_slack() {
  if [ ! -f "$LOCAL/slack.env" ]; then
    secret="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    {
      echo "export Slack__SigningSecret=$secret"
      echo "export Slack__BotToken=xoxb-local-simulator"
    } >"$LOCAL/slack.env"
  fi
  # shellcheck disable=SC1091
  source "$LOCAL/slack.env"
  export Slack__Simulator=true
  export Slack__Approvers="${Slack__Approvers:-U-LOCAL}" # the user the simulator clicks as (AgentCli SlackClicker)
  export Slack__ApiBaseUrl="$HOST_URL/slack-api/"
}

host_healthy() { curl -fsS "$HOST_URL/api/health" >/dev/null 2>&1; }

start_host() {
  if host_healthy; then
    say "A host is already running at $HOST_URL"
    return
  fi
  say "Starting the portable host at $HOST_URL (Durable Task on Azurite, Slack simulator; log in .local/host.log)"
  use_local_slack
  cd "$ROOT"
  nohup dotnet "$HOST_DLL" --contentRoot "$(dirname "$HOST_DLL")" --urls "$HOST_URL" >"$LOCAL/host.log" 2>&1 </dev/null &
  echo $! >"$LOCAL/host.pid"
  for _ in $(seq 1 300); do
    host_healthy && return
    sleep 0.2
  done
  fail "the host did not answer at $HOST_URL/api/health; see .local/host.log"
}

stop_all() {
  for name in host azurite; do
    if [ -f "$LOCAL/$name.pid" ]; then
      kill "$(cat "$LOCAL/$name.pid")" 2>/dev/null && say "Stopped $name"
      rm -f "$LOCAL/$name.pid"
    fi
  done
}

# What every benchmark script does first: tools checked, Azurite installed and running, host and client built,
# results/ made; the hosts it then starts with start_bench_host are stopped when the script exits.
prepare_bench() {
  check_tools
  ensure_azurite
  start_azurite
  build_release
  mkdir -p "$ROOT/results"
  pids=()
  trap 'for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done' EXIT
  use_local_slack
  cd "$ROOT"
}

# A portable host for a benchmark: BACKEND PORT NAME (letters and digits: it names the task hub); its pid is added to the caller's "pids" array. Rate limits are
# off: benchmarks poll faster than a user's limit allows (the edge's own cost is measured by `agent-bench.dll edge`).
start_bench_host() {
  local url="http://127.0.0.1:$2"
  say "Starting a $1 host at $url (log in .local/$3-$1.log)"
  DOTNET_PROCESSOR_COUNT=32 RateLimits__Enabled=false Durable__Backend="$1" Durable__TaskHub="$3$(date +%s)" Slack__ApiBaseUrl="$url/slack-api/" \
    nohup dotnet "$HOST_DLL" --contentRoot "$(dirname "$HOST_DLL")" --urls "$url" >"$LOCAL/$3-$1.log" 2>&1 </dev/null &
  pids+=($!)
  for _ in $(seq 1 300); do
    curl -fsS "$url/api/health" >/dev/null 2>&1 && return
    sleep 0.2
  done
  fail "the $1 host did not start; see .local/$3-$1.log"
}
