#!/usr/bin/env bash
# Prepares what the bridge and its tests need, idempotently: npm dependencies, and the Temporal CLI
# (dev server + Web UI) and tctl built with Go into .tools/bin. Quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_CLI_VERSION="v1.5.1"
TCTL_VERSION="v1.18.4"
TOOLS_BIN="$PWD/.tools/bin"
mkdir -p "$TOOLS_BIN"

say() { printf '[setup] %s\n' "$*" >&2; }

# npm dependencies: install when missing or when the lock file changed since the last install.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

have_tool() { [ -x "$TOOLS_BIN/$1" ] || command -v "$1" >/dev/null 2>&1; }

go_build() { # name module@version
  local name=$1 module=$2 started log
  if ! command -v go >/dev/null 2>&1; then
    return 2
  fi
  started=$(date +%s)
  log="$PWD/.tools/$name-build.log"
  say "building $name with Go ($module); the first build takes several minutes on 2 cores..."
  if GOBIN="$TOOLS_BIN" go install "$module" >"$log" 2>&1; then
    say "$name built in $(( $(date +%s) - started )) s"
  else
    say "building $name failed after $(( $(date +%s) - started )) s; last lines of $log:"
    tail -n 5 "$log" >&2
    return 1
  fi
}

if ! have_tool temporal; then
  if ! command -v go >/dev/null 2>&1; then
    say "ERROR: no 'temporal' on PATH and no Go to build it. Install the Temporal CLI: brew install temporal (macOS) or curl -sSf https://temporal.download/cli.sh | sh"
    exit 1
  fi
  go_build temporal "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION" || {
    say "ERROR: the Temporal CLI did not build; see .tools/temporal-build.log"
    exit 1
  }
fi

# tctl reached end of support in 2025; it is optional: a failed build is reported, never fatal.
if ! have_tool tctl && [ ! -f .tools/tctl-unavailable ]; then
  if go_build tctl "github.com/temporalio/tctl/cmd/tctl@$TCTL_VERSION"; then
    :
  else
    say "WARNING: tctl $TCTL_VERSION is unavailable (see .tools/tctl-build.log); use 'temporal workflow signal/query' instead"
    touch .tools/tctl-unavailable
  fi
fi

temporal_bin=$( [ -x "$TOOLS_BIN/temporal" ] && echo "$TOOLS_BIN/temporal" || command -v temporal )
if ! "$temporal_bin" --version >/dev/null 2>&1; then
  say "ERROR: $temporal_bin does not run ('$temporal_bin --version' failed); delete it and run scripts/setup.sh again"
  exit 1
fi
say "ready: $("$temporal_bin" --version | head -n 1)"
