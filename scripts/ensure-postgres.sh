#!/usr/bin/env bash
# Makes sure the PostgreSQL the test/db suites use answers before the tests start. Idempotent; silent
# when PostgreSQL already answers or was started. It never installs anything: the machine brings PostgreSQL.
#
# Without PostgreSQL a developer still gets a test run (the [pg] variants are skipped with a warning);
# under CI=true or REQUIRE_POSTGRES=1 that is an error, so CI never passes without having run them.
set -euo pipefail

url="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
required=0
if [[ "${CI:-}" == "true" || "${REQUIRE_POSTGRES:-}" == "1" ]]; then required=1; fi

note() { echo "ensure-postgres: $*" >&2; }
unavailable() {
  if ((required)); then
    note "$1"
    note "PostgreSQL is required here (CI=true or REQUIRE_POSTGRES=1): failing instead of skipping the [pg] tests."
    exit 1
  fi
  note "$1 The [pg] variants of test/db will be skipped."
  exit 0
}

if ! command -v psql >/dev/null 2>&1 || ! command -v pg_isready >/dev/null 2>&1; then
  unavailable "PostgreSQL client tools (psql, pg_isready) are not installed."
fi

answers() { pg_isready -q -d "$url" >/dev/null 2>&1; }
answers && exit 0

# A server elsewhere (TEST_DATABASE_URL) is not ours to start.
if [[ -n "${TEST_DATABASE_URL:-}" && ! "$url" =~ @(127\.0\.0\.1|localhost)(:5432)?/ ]]; then
  unavailable "PostgreSQL at TEST_DATABASE_URL does not answer."
fi

if ! command -v pg_ctlcluster >/dev/null 2>&1 || [[ ! -d /etc/postgresql ]] || [[ -z "$(ls -A /etc/postgresql)" ]]; then
  unavailable "PostgreSQL does not answer on 127.0.0.1:5432 and no local cluster is installed (pg_ctlcluster, /etc/postgresql)."
fi

for version in /etc/postgresql/*/; do
  version="$(basename "$version")"
  [[ -d "/etc/postgresql/$version/main" ]] || continue
  if ! out="$(pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>&1)"; then
    # "already running" is fine; anything else is reported if the server still does not answer below.
    [[ "$out" == *"already running"* ]] || note "pg_ctlcluster $version main start: $out"
  fi
done

for _ in $(seq 1 60); do
  answers && exit 0
  sleep 0.5
done
unavailable "PostgreSQL was started but did not answer on 127.0.0.1:5432 within 30 s."
