#!/usr/bin/env bash
# Installs the system packages Partnerhub needs that this machine lacks: with
# apt-get when running as root, otherwise it names them and stops.
#   scripts/ensure-deps.sh run    PostgreSQL (server and contrib)
#   scripts/ensure-deps.sh test   the same, plus Chromium for the browser tests
set -euo pipefail
want=()
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null 2>&1 || want+=(postgresql)
ls /usr/share/postgresql/*/extension/pg_trgm.control >/dev/null 2>&1 || want+=(postgresql-contrib)
if [ "${1:-run}" = test ]; then
  [ -x /usr/bin/chromium ] || want+=(chromium)
fi
command -v go >/dev/null 2>&1 || { echo "Go is missing: install Go 1.26 or newer (https://go.dev/doc/install)" >&2; exit 1; }
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing missing packages: ${want[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
else
  echo "Missing system packages: ${want[*]}" >&2
  echo "Install them with: sudo apt-get install ${want[*]}" >&2
  exit 1
fi
