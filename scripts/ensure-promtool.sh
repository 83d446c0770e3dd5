#!/usr/bin/env bash
# Makes sure promtool (which checks deploy/prometheus/alerts.yml in the tests) is installed. Silent when it is.
# Otherwise, as root, installs the distribution's prometheus package. Without it a developer still gets a test
# run (the promtool check is skipped with a warning); under CI=true that is an error.
set -euo pipefail

note() { echo "ensure-promtool: $*" >&2; }
command -v promtool >/dev/null 2>&1 && exit 0

if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
  note "promtool is missing: installing the prometheus package."
  if ! apt-get install -y prometheus >/dev/null 2>&1; then
    apt-get update >/dev/null 2>&1 || true
    apt-get install -y prometheus >/dev/null 2>&1 || true
  fi
fi

command -v promtool >/dev/null 2>&1 && exit 0
if [[ "${CI:-}" == "true" ]]; then
  note "promtool is required under CI=true and could not be installed (apt-get install prometheus)."
  exit 1
fi
note "promtool is not installed: the alert rules check will be skipped."
