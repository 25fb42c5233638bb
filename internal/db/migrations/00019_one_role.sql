-- +goose Up
-- One role per transaction (issue 29, DESIGN §9). A SECURITY DEFINER function that
-- writes inside the tenant transaction makes Citus open a second connection as the
-- other role, which cannot see the transaction's own writes (25001). The writes
-- that needed the migration role's rights now run as the application role, under
-- policies that allow exactly them.

-- 1. Audit appends. The chain head of each network (its last sequence number and
--    hash) lives in a row of its own that the application role may read and move
--    in its network only; the entries themselves stay unreadable beyond the read
--    policy. The upsert of the head row orders concurrent appends (it replaces the
--    advisory lock). The log is append-only by privileges instead of a trigger
--    (Citus takes no trigger on a distributed table): the application role may
--    select and insert, and the migration role gives up its own UPDATE, DELETE and
--    TRUNCATE on the table. `audit verify` still detects an entry edited, removed
--    or inserted by anyone who takes those rights back.
CREATE TABLE audit_heads (
    network_id bigint NOT NULL,
    seq        bigint NOT NULL,
    hash       bytea NOT NULL,
    PRIMARY KEY (network_id)
);
SELECT ph_distribute('audit_heads', 'network_id');
ALTER TABLE audit_heads ADD FOREIGN KEY (network_id) REFERENCES networks(id);
INSERT INTO audit_heads (network_id, seq, hash)
SELECT DISTINCT ON (network_id) network_id, seq, hash FROM audit_log ORDER BY network_id, seq DESC;

ALTER TABLE audit_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_heads FORCE ROW LEVEL SECURITY;
CREATE POLICY chain ON audit_heads TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint)
    WITH CHECK (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint);
CREATE POLICY owner_all ON audit_heads TO CURRENT_USER USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE ON audit_heads TO partnerhub_app;

CREATE POLICY append ON audit_log FOR INSERT TO partnerhub_app
    WITH CHECK (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint);
GRANT INSERT ON audit_log TO partnerhub_app;
-- (On Citus there is no trigger to drop, and Citus refuses even DROP TRIGGER IF
-- EXISTS on a distributed table.)
-- +goose StatementBegin
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'audit_log_immutable' AND tgrelid = 'audit_log'::regclass) THEN
    DROP TRIGGER audit_log_immutable ON audit_log;
  END IF;
END $$;
-- +goose StatementEnd
DROP FUNCTION ph_audit_immutable();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM CURRENT_USER;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ph_audit_append(p_network bigint, p_org bigint, p_user bigint, p_actor text,
    p_action text, p_target_type text, p_target_id text, p_detail jsonb)
RETURNS bigint
LANGUAGE plpgsql SECURITY INVOKER SET search_path = public, pg_temp AS $$
DECLARE
    e audit_log;
BEGIN
    IF p_network IS NULL OR p_network IS DISTINCT FROM NULLIF(current_setting('app.network_id', true), '')::bigint THEN
        RAISE EXCEPTION 'audit entry outside the current network' USING ERRCODE = '42501';
    END IF;
    INSERT INTO audit_heads AS h (network_id, seq, hash) VALUES (p_network, 1, '\x'::bytea)
    ON CONFLICT (network_id) DO UPDATE SET seq = h.seq + 1
    RETURNING h.seq, h.hash INTO e.seq, e.prev_hash;
    e.network_id := p_network;
    e.at := date_trunc('milliseconds', clock_timestamp());
    e.org_id := p_org;
    e.user_id := p_user;
    e.actor := p_actor;
    e.action := p_action;
    e.target_type := coalesce(p_target_type, '');
    e.target_id := coalesce(p_target_id, '');
    e.detail := coalesce(p_detail, '{}');
    e.hash := sha256(e.prev_hash || convert_to(ph_audit_canonical(e), 'UTF8'));
    UPDATE audit_heads SET hash = e.hash WHERE network_id = p_network;
    INSERT INTO audit_log (network_id, seq, at, org_id, user_id, actor, action, target_type, target_id, detail, prev_hash, hash)
    VALUES (e.network_id, e.seq, e.at, e.org_id, e.user_id, e.actor, e.action, e.target_type, e.target_id, e.detail, e.prev_hash, e.hash);
    RETURN e.seq;
END
$$;
-- +goose StatementEnd

-- 2. Resetting a revoked partnership's sharing. Each party writes its own direction
--    (the "party" policy); the grantee may also put the other direction back to
--    hidden, and only to hidden: it can take away only what it itself was shown.
CREATE POLICY reset ON sharing_policies FOR UPDATE TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND grantee_org_id = NULLIF(current_setting('app.org_id', true), '')::bigint)
    WITH CHECK (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND grantee_org_id = NULLIF(current_setting('app.org_id', true), '')::bigint
        AND level = 'hidden' AND fields = '{}' AND segment = '{}'::jsonb AND NOT greenfield);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ph_reset_policies(p_network bigint, p_partnership bigint) RETURNS void
LANGUAGE plpgsql SECURITY INVOKER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE sharing_policies s SET level = 'hidden', fields = '{}', segment = '{}', greenfield = false, updated_at = now()
      FROM partnerships p
     WHERE s.network_id = p_network AND s.partnership_id = p_partnership
       AND p.network_id = p_network AND p.id = p_partnership AND p.state = 'revoked'
       AND NULLIF(current_setting('app.org_id', true), '')::bigint IN (p.org_a, p.org_b);
END
$$;
-- +goose StatementEnd

-- 3. A writer organization's change of the owner's matching keys. The application
--    marks the one account it has locked for writing (under the accounts update
--    policy) with SET LOCAL app.writable_account; the keys of that account, and of
--    no other, are then the writer's to read, delete and insert (the insert of a
--    key the owner holds elsewhere is skipped with ON CONFLICT DO NOTHING, which
--    needs no read of the owner's other keys).
CREATE POLICY writer ON account_keys TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND account_id = NULLIF(current_setting('app.writable_account', true), '')::bigint)
    WITH CHECK (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND account_id = NULLIF(current_setting('app.writable_account', true), '')::bigint);
DROP FUNCTION ph_rewrite_account_keys(bigint, bigint);

-- 4. Statements that route (DESIGN §9). Citus cannot plan a statement of a SQL
--    function whose distribution column comes from a parameter ("could not create
--    distributed plan", or every shard queried): the lookups become PL/pgSQL, whose
--    statements reach Citus with the network as a value, and go to one node. Their
--    signatures, rows and rules do not change.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ph_api_key_lookup(p_network bigint, p_hash bytea)
RETURNS TABLE (key_id bigint, org_id bigint, role text, name text, vendor boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN QUERY
    SELECT k.id, k.org_id, k.role, k.name, n.vendor_org_id = k.org_id
      FROM api_keys k
      JOIN networks n ON n.id = k.network_id
      JOIN organizations o ON o.network_id = k.network_id AND o.id = k.org_id AND o.status = 'active'
     WHERE k.network_id = p_network AND o.network_id = p_network
       AND k.token_hash = p_hash AND k.revoked_at IS NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ph_api_key_touch(p_network bigint, p_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE api_keys SET last_used_at = now()
     WHERE network_id = p_network AND id = p_id
       AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute');
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ph_invite_lookup(p_network bigint, p_hash bytea)
RETURNS TABLE (user_id bigint, org_id bigint, email text, name text, role text, vendor boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN QUERY
    SELECT u.id, u.org_id, u.email::text, u.name, u.role, n.vendor_org_id = u.org_id
      FROM users u JOIN networks n ON n.id = u.network_id
     WHERE u.network_id = p_network AND u.invite_hash = p_hash
       AND u.invite_expires_at > now() AND u.status = 'invited';
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ph_org_admins(p_network bigint, p_org bigint) RETURNS TABLE (id bigint, locale text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF p_network IS DISTINCT FROM NULLIF(current_setting('app.network_id', true), '')::bigint THEN
        RETURN;
    END IF;
    RETURN QUERY
    SELECT u.id, u.locale FROM users u
     WHERE u.network_id = p_network AND u.org_id = p_org AND u.role = 'admin' AND u.status = 'active';
END
$$;
-- +goose StatementEnd

-- Sign-in by email is the one lookup across networks (the email names the user in
-- any network): a read of every shard, by design.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ph_login_lookup(p_email text)
RETURNS TABLE (network_id bigint, user_id bigint, org_id bigint, role text, status text,
               password_hash text, locale text, vendor boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN QUERY
    SELECT u.network_id, u.id, u.org_id, u.role, u.status, u.password_hash, u.locale,
           n.vendor_org_id = u.org_id
      FROM users u
      JOIN networks n ON n.id = u.network_id
      JOIN organizations o ON o.network_id = u.network_id AND o.id = u.org_id
     WHERE u.email = p_email::citext AND o.status = 'active'
     ORDER BY u.network_id;
END
$$;
-- +goose StatementEnd

-- The job claim: the networks with due work are read first (no lock, every
-- shard), then each network's jobs are claimed by one statement on that network's
-- node, still with FOR UPDATE SKIP LOCKED, until p_limit are claimed. A multi-shard
-- SELECT … FOR UPDATE is what Citus cannot run.
CREATE INDEX jobs_due_network ON jobs (network_id, run_at) WHERE state IN ('queued','running');
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ph_claim_jobs(p_worker text, p_limit int, p_lease interval)
RETURNS SETOF jobs
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_net  bigint;
    v_left int := p_limit;
    v_n    int;
BEGIN
    -- The network whose work has waited longest comes first, as the single
    -- statement's ORDER BY run_at had it.
    FOR v_net IN
        SELECT j.network_id FROM jobs j
         WHERE (j.state = 'queued' AND j.run_at <= now()) OR (j.state = 'running' AND j.locked_until < now())
         GROUP BY j.network_id
         ORDER BY min(j.run_at), j.network_id
    LOOP
        EXIT WHEN v_left <= 0;
        RETURN QUERY
        UPDATE jobs j SET state = 'running', attempts = j.attempts + 1, locked_by = p_worker,
                          locked_until = now() + p_lease, updated_at = now()
          FROM (SELECT d.network_id, d.id FROM jobs d
                 WHERE d.network_id = v_net
                   AND ((d.state = 'queued' AND d.run_at <= now()) OR (d.state = 'running' AND d.locked_until < now()))
                 ORDER BY d.run_at
                 LIMIT v_left
                 FOR UPDATE SKIP LOCKED) due
         WHERE j.network_id = v_net AND j.id = due.id
        RETURNING j.*;
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_left := v_left - v_n;
    END LOOP;
END
$$;
-- +goose StatementEnd

-- The outcome of a job: Citus takes no now() inside a CASE of a statement on a
-- distributed table, so the retry time is computed first. Same rows and rules.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ph_finish_job(p_network bigint, p_id bigint, p_worker text, p_error text, p_retry_in interval)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_state text;
    v_kind text;
    v_payload jsonb;
    v_retry_at timestamptz := now() + p_retry_in;
BEGIN
    UPDATE jobs SET
        state = CASE WHEN p_error IS NULL THEN 'done'
                     WHEN attempts >= max_attempts THEN 'failed'
                     ELSE 'queued' END,
        run_at = CASE WHEN p_error IS NOT NULL THEN v_retry_at ELSE run_at END,
        last_error = coalesce(p_error, ''), locked_by = NULL, locked_until = NULL, updated_at = now()
     WHERE network_id = p_network AND id = p_id AND locked_by = p_worker
    RETURNING state, kind, payload INTO v_state, v_kind, v_payload;
    IF v_kind = 'import.csv' AND v_state IN ('failed', 'queued') THEN
        UPDATE imports SET state = v_state,
               error = CASE WHEN v_state = 'failed' THEN coalesce(p_error, '') ELSE '' END, updated_at = now()
         WHERE network_id = p_network AND id = (v_payload->>'import')::bigint AND state IN ('queued', 'running');
    END IF;
    RETURN v_state;
END
$$;
-- +goose StatementEnd

-- +goose Down
SELECT 'down migrations are not supported: restore from a backup';
