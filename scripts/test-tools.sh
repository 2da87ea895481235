#!/usr/bin/env bash
# What the browser tests need besides Python packages: Debian's Chromium (installed with apt-get when
# missing) and axe-core (from the npm registry, into .cache/test-tools; injected by the tests, never shipped).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
AXE_CORE=4.11.4
if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's chromium for the browser tests"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi
fi
tools="$here/.cache/test-tools"
if [ ! -f "$tools/node_modules/axe-core/axe.min.js" ]; then
  mkdir -p "$tools"
  (cd "$tools" && npm install --no-audit --no-fund --ignore-scripts --silent --prefix "$tools" "axe-core@$AXE_CORE")
fi
