#!/usr/bin/env bash
# Installs the system packages Partnerhub needs that this machine lacks: with
# apt-get when running as root, otherwise it names them and stops.
#   scripts/ensure-deps.sh run    PostgreSQL (server and contrib)
#   scripts/ensure-deps.sh test   the same, plus Chromium for the browser tests and
#                                 axe-core (npm) for their accessibility checks,
#                                 and Dovecot (dovecot-imapd) for the IMAP sync tests
set -euo pipefail
want=()
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null 2>&1 || want+=(postgresql)
ls /usr/share/postgresql/*/extension/pg_trgm.control >/dev/null 2>&1 || want+=(postgresql-contrib)
if [ "${1:-run}" = test ]; then
  [ -x /usr/bin/chromium ] || want+=(chromium)
  command -v npm >/dev/null 2>&1 || want+=(npm)
  # The mail sync's end-to-end tests start a real Dovecot, unprivileged, on a
  # loopback port (exchange/mail/imapsync).
  [ -x /usr/sbin/dovecot ] || command -v dovecot >/dev/null 2>&1 || want+=(dovecot-imapd)
fi
command -v go >/dev/null 2>&1 || { echo "Go is missing: install Go 1.26 or newer (https://go.dev/doc/install)" >&2; exit 1; }
# axe-core, pinned, into .deps/ (ignored by git): the browser tests inject its
# axe.min.js into each page; the hub itself never loads it.
AXE_VERSION=4.14.1
axe() {
  root="$(cd "$(dirname "$0")/.." && pwd)"
  pkg="$root/.deps/node_modules/axe-core/package.json"
  if [ -f "$pkg" ] && grep -q "\"version\": \"$AXE_VERSION\"" "$pkg"; then
    return 0
  fi
  echo "Installing axe-core $AXE_VERSION into .deps/ (npm)"
  mkdir -p "$root/.deps"
  npm install --prefix "$root/.deps" --no-save --no-audit --no-fund --no-package-lock --loglevel=error "axe-core@$AXE_VERSION" >/dev/null
}
if [ ${#want[@]} -eq 0 ]; then
  [ "${1:-run}" = test ] && axe
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing missing packages: ${want[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
  [ "${1:-run}" = test ] && axe
  exit 0
else
  echo "Missing system packages: ${want[*]}" >&2
  echo "Install them with: sudo apt-get install ${want[*]}" >&2
  exit 1
fi
