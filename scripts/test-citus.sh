#!/bin/sh
# make test-citus: the hub on a real Citus cluster (issue 29; not part of make test).
#
#   CITUS_OWNER_URL=postgres://partnerhub_owner:…@coordinator:5432/partnerhub \
#   CITUS_APP_URL=postgres://partnerhub_app:…@coordinator:5432/partnerhub \
#   make test-citus
#
#   CITUS_NODES=postgres://postgres@coordinator:5432/postgres,postgres://postgres@worker1:5432/postgres,… \
#     (superuser URLs of every node, the coordinator first: the Go tests' step)
#
# The cluster must be prepared with deploy/citus (roles, database and extension on
# every node, workers added), and its partnerhub database be empty. The script
# migrates, seeds the demo network, checks the audit chain, starts `serve` and
# reads through the HTTP API with the demo's keys, shows with EXPLAIN that one
# network's statements are one task on one node, and then runs the HTTP
# end-to-end tests and the generated access matrix (internal/web
# TestRouteAccessMatrix) with TEST_CITUS_NODES: each test database is created on
# every node and migrated there (internal/pgtest/citus.go). Every step runs with
# CITUS=true.
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
for path in /api/v1/accounts /api/v1/organizations /api/v1/partnerships /api/v1/notifications /api/v1/partnerships/1/mapping "/api/v1/partnerships/1/mapping/accounts" "/api/v1/accounts?q=a" \
  /api/v1/deal-registrations /api/v1/leads /api/v1/forums/spaces "/api/v1/forums/search?q=partner" /api/v1/exchange/interchanges /api/v1/mailboxes; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $key" "http://$ADDR$path")
  echo "GET $path: $code"
  [ "$code" = 200 ]
done

step "one network, one task"
tenant="BEGIN;
SET LOCAL citus.propagate_set_commands = 'local';
SET LOCAL app.network_id = '1';
SET LOCAL app.org_id = '1';
SET LOCAL app.user_id = '1';
SET LOCAL app.role = 'admin';
SET LOCAL app.vendor = 'on';
SET LOCAL app.notify_org = '2';"
explain() { # role-url label statement
  printf -- '-- %s\n' "$2"
  printf '%s\nEXPLAIN (COSTS OFF) %s;\nROLLBACK;\n' "$tenant" "$3" | psql "$1" -v ON_ERROR_STOP=1 -qAt |
    grep -E 'Task Count|Node: |^ *->  [A-Z]' | head -6
}
explain "$CITUS_APP_URL" "accounts list" \
  "SELECT id, name FROM accounts WHERE network_id = 1 AND owner_org_id = 1 ORDER BY sort_name, id LIMIT 50"
explain "$CITUS_APP_URL" "account keys insert" \
  "INSERT INTO account_keys (network_id, org_id, kind, value, account_id) VALUES (1, 1, 'domain', 'a.example', 1), (1, 1, 'duns', '123456789', 1) ON CONFLICT DO NOTHING"
explain "$CITUS_APP_URL" "a share (shares.go)" \
  "INSERT INTO shares (network_id, record_type, record_id, owner_org_id, grantee_org_id, access, reason, created_by) VALUES (1, 'account', 1, 1, 2, 'read', 'person', 1) ON CONFLICT (network_id, record_type, record_id, grantee_org_id) DO UPDATE SET access = 'read' RETURNING id"
explain "$CITUS_APP_URL" "the partner's admins (notifyOrgAdmins, 00028)" \
  "SELECT id FROM users WHERE network_id = 1 AND org_id = 2 AND role = 'admin' AND status = 'active' ORDER BY id"
explain "$CITUS_OWNER_URL" "API key lookup (ph_api_key_lookup's statement)" \
  "SELECT k.id, k.org_id, k.role, k.name, n.vendor_org_id = k.org_id FROM api_keys k JOIN networks n ON n.id = k.network_id JOIN organizations o ON o.network_id = k.network_id AND o.id = k.org_id AND o.status = 'active' WHERE k.network_id = 1 AND o.network_id = 1 AND k.token_hash = '\x00' AND k.revoked_at IS NULL"
explain "$CITUS_OWNER_URL" "job claim (ph_claim_jobs' statement per network)" \
  "UPDATE jobs j SET state = 'running', attempts = j.attempts + 1, locked_by = 'w1', locked_until = now() + interval '1 minute', updated_at = now() FROM (SELECT d.network_id, d.id FROM jobs d WHERE d.network_id = 1 AND ((d.state = 'queued' AND d.run_at <= now()) OR (d.state = 'running' AND d.locked_until < now())) ORDER BY d.run_at LIMIT 5 FOR UPDATE SKIP LOCKED) due WHERE j.network_id = 1 AND j.id = due.id RETURNING j.id"
psql "$CITUS_OWNER_URL" -qAt -c "SELECT 'job claim, run: ' || count(*) || ' claimed' FROM ph_claim_jobs('test-citus', 5, '1 minute')"

if [ -n "${CITUS_NODES:-}" ]; then
  step "HTTP end-to-end tests and the access matrix on the cluster"
  kill $SERVE 2>/dev/null || true
  export TEST_CITUS_NODES="$CITUS_NODES"
  go test -count=1 -timeout 60m ./cmd/partnerhub/ \
    -run 'TestEndToEndOverHTTP$|TestAuditVerifyDetectsTampering$|TestImportOverHTTPWithProgress$|TestImportCommand$|TestAPIKeyReadsWriteNothingAndRevocationReachesEveryInstance$'
  go test -count=1 -timeout 60m -v ./internal/web/ -run 'TestRouteAccessMatrix$' > "$(dirname "$BIN")/matrix.log" 2>&1 || { tail -60 "$(dirname "$BIN")/matrix.log"; exit 1; }
  grep -E '^(ok|---|PASS|FAIL)|matrix:' "$(dirname "$BIN")/matrix.log" | grep -v '^    --- PASS' | tail -15
else
  echo "CITUS_NODES unset: the Go tests on the cluster are skipped"
fi
step "ok"
