#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests and PDF reports, if it is missing.
# Playwright's own browser download does not work on these machines; Debian's does.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "chromium is missing; install it with: sudo apt-get install -y chromium" >&2
  exit 0  # browser tests will skip with a message saying so
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
chromium --version
