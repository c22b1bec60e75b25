#!/usr/bin/env bash
# Installs Debian's PostgreSQL server binaries for the collaborative store's tests, if they are missing.
# The tests start their own server on a loopback port from these binaries (tests/collab/conftest.py);
# nothing is configured or started here.
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "PostgreSQL is missing; install it with: sudo apt-get install -y postgresql" >&2
  exit 0  # the PostgreSQL tests will skip with a message saying so
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends postgresql >/dev/null
ls /usr/lib/postgresql/*/bin/initdb
