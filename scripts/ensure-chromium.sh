#!/usr/bin/env bash
# Makes sure Debian's Chromium (/usr/bin/chromium), which the console's browser tests drive through playwright-core,
# is installed. Silent when it is. Otherwise, as root, installs the distribution's chromium package. Without it a
# developer still gets a test run (the browser tests are skipped with a warning); under CI=true that is an error.
set -euo pipefail

note() { echo "ensure-chromium: $*" >&2; }
browser="${CHROMIUM_PATH:-/usr/bin/chromium}"
[[ -x "$browser" ]] && exit 0

if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
  note "$browser is missing: installing the chromium package (a few minutes)."
  if ! apt-get install -y chromium >/dev/null 2>&1; then
    apt-get update >/dev/null 2>&1 || true
    apt-get install -y chromium >/dev/null 2>&1 || true
  fi
fi

[[ -x "$browser" ]] && exit 0
if [[ "${CI:-}" == "true" ]]; then
  note "Chromium is required under CI=true and could not be installed (apt-get install chromium)."
  exit 1
fi
note "Chromium is not installed: the console's browser tests will be skipped."
