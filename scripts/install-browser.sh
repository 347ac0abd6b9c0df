#!/usr/bin/env bash
# Installs the browser the Web UI test drives (test/ui): Debian's chromium at /usr/bin/chromium, used through
# playwright-core, which never downloads a browser of its own. Idempotent: quick when chromium is already there.
set -euo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
say() { printf '[install-browser] %s\n' "$*" >&2; }

if [ -x "$CHROMIUM" ]; then
  say "chromium present: $("$CHROMIUM" --version 2>/dev/null | head -n 1)"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  say "ERROR: no $CHROMIUM and no apt-get to install it. Install Chromium with your package manager and set CHROMIUM_PATH to its binary."
  exit 1
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo_cmd=(sudo)
  else
    say "ERROR: installing chromium needs root (no sudo found): run 'apt-get install -y chromium' as root"
    exit 1
  fi
fi

say "installing Debian's chromium (apt-get)..."
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends chromium >/dev/null
if [ ! -x "$CHROMIUM" ]; then
  say "ERROR: apt-get installed chromium but $CHROMIUM is missing; set CHROMIUM_PATH to the installed binary"
  exit 1
fi
say "chromium installed: $("$CHROMIUM" --version 2>/dev/null | head -n 1)"
