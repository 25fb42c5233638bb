#!/usr/bin/env bash
# A soak of the hub (issue 23, item 6): builds it, then runs it against a cluster
# of its own seeded with the demo network, under mixed API, import and portal load.
#   bench/soak/run.sh [-duration 30m] [-rate 80] [-workers 8] [-sample 1m]
# Prints, as Markdown, RSS, goroutines and DB connections over time, and the
# latency percentiles and errors per route. Not part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s build
exec go run ./bench/soak -hub bin/partnerhub "$@"
