#!/bin/sh
# make test-citus: the hub on a real Citus cluster (issue 29; not part of make test).
#
#   CITUS_OWNER_URL=postgres://partnerhub_owner:…@coordinator:5432/partnerhub \
#   CITUS_APP_URL=postgres://partnerhub_app:…@coordinator:5432/partnerhub \
#   make test-citus
#
# The cluster must be prepared with deploy/citus (roles, database and extension on
# every node, workers added), and its partnerhub database be empty. The script
# migrates, seeds the demo network, checks the audit chain, starts `serve` and
# reads through the HTTP API with the demo's keys, and shows with EXPLAIN that one
# network's statements are one task on one node. Every step runs with CITUS=true.
set -eu
: "${CITUS_OWNER_URL:?set CITUS_OWNER_URL to the coordinator, as partnerhub_owner}"
: "${CITUS_APP_URL:?set CITUS_APP_URL to the coordinator, as partnerhub_app}"
ADDR=${CITUS_LISTEN_ADDR:-127.0.0.1:18089}
BIN=$(mktemp -d)/partnerhub
go build -o "$BIN" ./cmd/partnerhub
export CITUS=true DATABASE_OWNER_URL="$CITUS_OWNER_URL" DATABASE_URL="$CITUS_APP_URL"

step() { printf '== %s\n' "$*"; }

step "layout"
psql "$CITUS_OWNER_URL" -Atc "SELECT citus_version()"
"$BIN" migrate
psql "$CITUS_OWNER_URL" -At -F ' ' -c "
  SELECT CASE partmethod WHEN 'n' THEN 'reference' ELSE 'distributed' END, count(*), count(DISTINCT colocationid)
    FROM pg_dist_partition GROUP BY 1 ORDER BY 1"
local=$(psql "$CITUS_OWNER_URL" -Atc "
  SELECT string_agg(c.relname, ' ' ORDER BY c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.oid NOT IN (SELECT logicalrelid FROM pg_dist_partition)")
echo "coordinator tables: $local"

step "seed"
"$BIN" seed > "$(dirname "$BIN")/demo.json"
"$BIN" audit verify

step "serve"
SECRET_KEY=test-citus-secret-key-of-32-characters LISTEN_ADDR="$ADDR" "$BIN" serve > "$(dirname "$BIN")/serve.log" 2>&1 &
SERVE=$!
trap 'kill $SERVE 2>/dev/null || true' EXIT
i=0
until curl -fs "http://$ADDR/healthz" > /dev/null; do
  i=$((i + 1)); [ $i -lt 100 ] || { cat "$(dirname "$BIN")/serve.log"; exit 1; }; sleep 0.1
done
key=$(grep -o '"key":"[^"]*"' "$(dirname "$BIN")/demo.json" | head -1 | cut -d'"' -f4)
for path in /api/v1/accounts /api/v1/organizations /api/v1/audit; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $key" "http://$ADDR$path")
  echo "GET $path: $code"
  [ "$code" = 200 ]
done

step "one network, one task"
psql "$CITUS_APP_URL" -v ON_ERROR_STOP=1 -q <<'SQL' | grep -E 'Task Count|->  (Insert|Update|Index|Limit)' | head -20
BEGIN;
SET LOCAL citus.propagate_set_commands = 'local';
SET LOCAL app.network_id = '1';
SET LOCAL app.org_id = '1';
SET LOCAL app.role = 'admin';
SET LOCAL app.vendor = 'on';
EXPLAIN (COSTS OFF) SELECT id, name FROM accounts WHERE network_id = 1 AND owner_org_id = 1 ORDER BY sort_name, id LIMIT 50;
EXPLAIN (COSTS OFF) SELECT seq FROM audit_log WHERE network_id = 1 AND seq < 100 ORDER BY seq DESC LIMIT 20;
EXPLAIN (COSTS OFF) INSERT INTO account_keys (network_id, org_id, kind, value, account_id) VALUES (1, 1, 'domain', 'a.example', 1), (1, 1, 'duns', '123456789', 1);
ROLLBACK;
SQL
step "ok"
