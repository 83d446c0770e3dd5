#!/usr/bin/env bash
# Makes sure the MariaDB the database-connector tests use answers before the tests start (127.0.0.1:3306, root,
# empty password, database `test`). Idempotent; silent when it already answers or was started. When no server is
# installed and we run as root with apt-get, it installs Debian's mariadb-server (as ensure-promtool.sh does).
#
# Without MariaDB a developer still gets a test run (the [mariadb] variants are skipped with a warning); under
# CI=true or REQUIRE_MARIADB=1 that is an error, so CI never passes without having run them.
set -euo pipefail

host="${TEST_MARIADB_HOST:-127.0.0.1}"
port="${TEST_MARIADB_PORT:-3306}"
required=0
if [[ "${CI:-}" == "true" || "${REQUIRE_MARIADB:-}" == "1" ]]; then required=1; fi

note() { echo "ensure-mariadb: $*" >&2; }
unavailable() {
  if ((required)); then
    note "$1"
    note "MariaDB is required here (CI=true or REQUIRE_MARIADB=1): failing instead of skipping the [mariadb] tests."
    exit 1
  fi
  note "$1 The [mariadb] variants of the database connector tests will be skipped."
  exit 0
}

if [[ ! -x /usr/sbin/mariadbd ]] && [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
  note "MariaDB is not installed: installing the mariadb-server package."
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y mariadb-server mariadb-client >/dev/null 2>&1; then
    apt-get update >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y mariadb-server mariadb-client >/dev/null 2>&1 || true
  fi
fi

client="$(command -v mariadb || command -v mysql || true)"
[[ -n "$client" ]] || unavailable "no MariaDB client (mariadb, mysql) is installed."

answers() { "$client" -uroot -h"$host" -P"$port" --connect-timeout=2 -e 'select 1' >/dev/null 2>&1; }
ensure_db() { "$client" -uroot -h"$host" -P"$port" -e 'create database if not exists test' >/dev/null 2>&1; }
if answers; then
  ensure_db
  exit 0
fi

# A server elsewhere is not ours to start.
if [[ "$host" != "127.0.0.1" && "$host" != "localhost" ]]; then
  unavailable "MariaDB at $host:$port does not answer."
fi
[[ -x /usr/sbin/mariadbd ]] || unavailable "MariaDB does not answer on $host:$port and no server is installed (/usr/sbin/mariadbd)."

# The Debian package's runtime directory is created by its service unit, which does not run here.
mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql >/dev/null 2>&1 ||
  note "start-stop-daemon could not start /usr/sbin/mariadbd"

for _ in $(seq 1 60); do
  if answers; then
    ensure_db
    exit 0
  fi
  sleep 0.5
done
unavailable "MariaDB was started but did not answer on $host:$port within 30 s."
