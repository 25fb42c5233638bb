#!/usr/bin/env bash
# The accounts list through the hub against pgbench on the same SQL (issue 28).
# Seeds nothing itself: give it the cluster bench/accounts kept
#   go run ./bench/accounts -keep -dir /tmp/acct1m/pg
#   bench/api/run.sh -dir /tmp/acct1m/pg [-rounds 5 -duration 10s -conns 2,8,32]
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get install -y -qq --no-install-recommends wrk >/dev/null
  else
    echo "wrk is missing: sudo apt-get install wrk" >&2
    exit 1
  fi
fi
make -s build
exec go run ./bench/api -hub bin/partnerhub "$@"
