-- +goose Up
-- Idempotency keys belong to the actor that sent them (a user or an API key), not
-- to the whole organization: a replay by anyone else must never receive the first
-- actor's response. Entries expire after 24 hours and are deleted by the worker's
-- sweep. A response that carried a secret (an API key's secret, an invite link) is
-- stored without it: the replay answers with the record.
--
-- The entries stored so far are dropped: they are keyed by organization only and
-- may hold secrets in plain text. A retry of a request made before this migration
-- runs again, as if it carried no key.
DELETE FROM idempotency_keys;
-- Constraints are added apart from columns, one per ALTER TABLE: Citus takes
-- neither a constraint inside ADD COLUMN nor another subcommand beside an ADD
-- CONSTRAINT on a distributed table (the names are those PostgreSQL gave them).
ALTER TABLE idempotency_keys
    ADD COLUMN actor text NOT NULL,
    ADD COLUMN state text NOT NULL DEFAULT 'done',
    ADD COLUMN expires_at timestamptz NOT NULL DEFAULT now() + interval '24 hours';
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_actor_check CHECK (actor ~ '^(user|key):[0-9]+$');
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_state_check CHECK (state IN ('pending', 'done'));
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE idempotency_keys ADD PRIMARY KEY (network_id, org_id, actor, key);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

-- The sweep deletes expired entries of every network without a tenant's settings:
-- a policy that allows exactly that, for the application role (one role per
-- transaction, no definer function).
CREATE POLICY expired ON idempotency_keys FOR DELETE TO partnerhub_app
    USING (expires_at < now());

-- Sessions end after an idle time as well as at their absolute expiry. The lookup
-- takes the idle limit from the application (SESSION_IDLE) and writes last_seen_at
-- at most once a minute, so a signed-in page view is not a row write every time.
DROP FUNCTION ph_session_lookup(bigint, bytea);
-- +goose StatementBegin
CREATE FUNCTION ph_session_lookup(p_network bigint, p_hash bytea, p_idle interval)
RETURNS TABLE (session_id bigint, user_id bigint, org_id bigint, role text, locale text,
               name text, email text, vendor boolean, expires_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_seen timestamptz;
BEGIN
    RETURN QUERY
    SELECT s.id, u.id, u.org_id, u.role, u.locale, u.name, u.email::text,
           n.vendor_org_id = u.org_id, s.expires_at
      FROM sessions s
      JOIN users u ON u.network_id = s.network_id AND u.id = s.user_id AND u.status = 'active'
      JOIN networks n ON n.id = s.network_id
      JOIN organizations o ON o.network_id = u.network_id AND o.id = u.org_id AND o.status = 'active'
     WHERE s.network_id = p_network AND s.token_hash = p_hash
       AND s.expires_at > now() AND s.last_seen_at > now() - p_idle;
    IF FOUND THEN
        UPDATE sessions s SET last_seen_at = now()
         WHERE s.network_id = p_network AND s.token_hash = p_hash
           AND s.last_seen_at < now() - interval '1 minute';
    END IF;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION ph_session_lookup(bigint, bytea, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ph_session_lookup(bigint, bytea, interval) TO partnerhub_app;

-- +goose Down
DROP FUNCTION ph_session_lookup(bigint, bytea, interval);
-- +goose StatementBegin
CREATE FUNCTION ph_session_lookup(p_network bigint, p_hash bytea)
RETURNS TABLE (session_id bigint, user_id bigint, org_id bigint, role text, locale text,
               name text, email text, vendor boolean, expires_at timestamptz)
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    UPDATE sessions s SET last_seen_at = now()
      FROM users u, networks n, organizations o
     WHERE s.network_id = p_network AND s.token_hash = p_hash AND s.expires_at > now()
       AND u.network_id = s.network_id AND u.id = s.user_id AND u.status = 'active'
       AND n.id = s.network_id
       AND o.network_id = u.network_id AND o.id = u.org_id AND o.status = 'active'
    RETURNING s.id, u.id, u.org_id, u.role, u.locale, u.name, u.email::text,
              n.vendor_org_id = u.org_id, s.expires_at
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION ph_session_lookup(bigint, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ph_session_lookup(bigint, bytea) TO partnerhub_app;
DROP POLICY expired ON idempotency_keys;
DROP INDEX idempotency_keys_expiry;
DELETE FROM idempotency_keys;
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey,
    DROP COLUMN actor, DROP COLUMN state, DROP COLUMN expires_at,
    ADD PRIMARY KEY (network_id, org_id, key);
