-- +goose Up
-- The foundation: networks (the tenant), organizations, users with their role,
-- sessions, API keys, partnerships and shares, the audit log, jobs, notifications,
-- idempotency keys. Every tenant table starts its primary key with network_id,
-- includes it in every foreign key and unique constraint, and has row-level security
-- enabled and forced (DESIGN §3). Policies read settings made with SET LOCAL by the
-- tenant transaction (internal/db), fail closed (a missing setting matches nothing)
-- and hold no subquery (Citus refuses those, DESIGN §9).
--
-- The application connects as partnerhub_app, which owns nothing. The few lookups
-- that must happen before the tenant is known (login by email, a session or API key
-- by its hash, an invite by its token, the audit chain head, job claiming) are
-- SECURITY DEFINER functions owned by the migration role; the "owner_all" policies
-- exist for those functions and the migration role only.

-- +goose StatementBegin
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'partnerhub_app') THEN
    CREATE ROLE partnerhub_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END $$;
-- +goose StatementEnd

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS citext;

-- The layout on Citus (DESIGN §9). Each migration that creates a table says where
-- its rows live, right after creating it: a tenant table is distributed by
-- network_id and co-located with organizations (ph_distribute), a global table is a
-- reference table on every node (ph_reference), except the two the coordinator
-- alone writes before any tenant is known (login_throttle, rate_windows), which
-- stay plain tables there. Where the citus extension is absent
-- (plain PostgreSQL, the tests) both do nothing, so the same files give the same
-- schema there. Row-type functions come after their tables are distributed, and no
-- statement Citus refuses on a distributed table follows (identity alterations,
-- triggers).
-- +goose StatementBegin
CREATE FUNCTION ph_citus() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION ph_distribute(p_table regclass, p_column text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT ph_citus() THEN
        RETURN;
    END IF;
    -- One connection per node for the rest of the migration's transaction: a
    -- table created after a parallel operation on distributed tables must see it.
    PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
    IF p_table = 'organizations'::regclass THEN
        EXECUTE 'SELECT create_distributed_table($1, $2)' USING p_table, p_column;
    ELSE
        EXECUTE 'SELECT create_distributed_table($1, $2, colocate_with => $3)' USING p_table, p_column, 'organizations';
    END IF;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION ph_reference(p_table regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF ph_citus() THEN
        PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
        EXECUTE 'SELECT create_reference_table($1)' USING p_table;
    END IF;
END
$$;
-- +goose StatementEnd

GRANT USAGE ON SCHEMA public TO partnerhub_app;
GRANT SELECT ON goose_db_version TO partnerhub_app;

CREATE TABLE networks (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug          text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    vendor_org_id bigint,
    settings      jsonb NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now()
);
SELECT ph_reference('networks');

CREATE TABLE organizations (
    network_id bigint NOT NULL,
    id         bigint GENERATED ALWAYS AS IDENTITY,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind       text NOT NULL CHECK (kind IN ('vendor','distributor','reseller','referral','technology','co-marketing','agency')),
    tier       text NOT NULL DEFAULT 'registered' CHECK (tier IN ('registered','silver','gold','platinum')),
    region     text NOT NULL DEFAULT '' CHECK (length(region) <= 60),
    status     text NOT NULL DEFAULT 'active' CHECK (status IN ('active','inactive')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network_id, id)
);
SELECT ph_distribute('organizations', 'network_id');
-- Added after distribution: on Citus, a table created with a foreign key to a
-- reference table becomes a local table of the coordinator at once, which cannot
-- then be distributed.
ALTER TABLE organizations ADD FOREIGN KEY (network_id) REFERENCES networks(id);
CREATE UNIQUE INDEX organizations_name ON organizations (network_id, lower(name));

-- The vendor of a network is one of its organizations. On Citus a reference table
-- cannot refer to a distributed one (and the cycle with organizations.network_id
-- would block both): there the application, which sets vendor_org_id only when it
-- creates the vendor organization in the same transaction, is what keeps it.
-- +goose StatementBegin
DO $$
BEGIN
  IF NOT ph_citus() THEN
    ALTER TABLE networks ADD CONSTRAINT networks_vendor_fk
        FOREIGN KEY (id, vendor_org_id) REFERENCES organizations (network_id, id) DEFERRABLE INITIALLY DEFERRED;
  END IF;
END $$;
-- +goose StatementEnd

CREATE TABLE users (
    network_id        bigint NOT NULL,
    id                bigint GENERATED ALWAYS AS IDENTITY,
    org_id            bigint NOT NULL,
    email             citext NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    role              text NOT NULL CHECK (role IN ('admin','manager','sales','viewer')),
    status            text NOT NULL DEFAULT 'invited' CHECK (status IN ('invited','active','deactivated')),
    locale            text NOT NULL DEFAULT '' CHECK (locale IN ('','en','pt-BR')),
    password_hash     text NOT NULL DEFAULT '',
    invite_hash       bytea,
    invite_expires_at timestamptz,
    last_login_at     timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network_id, id),
    FOREIGN KEY (network_id, org_id) REFERENCES organizations (network_id, id),
    -- The login name is unique in the network (DESIGN §3: a user belongs to one
    -- organization, and signs in by email).
    UNIQUE (network_id, email)
);
SELECT ph_distribute('users', 'network_id');
CREATE INDEX users_org ON users (network_id, org_id, id);
CREATE UNIQUE INDEX users_invite ON users (network_id, invite_hash) WHERE invite_hash IS NOT NULL;

CREATE TABLE sessions (
    network_id   bigint NOT NULL,
    id           bigint GENERATED ALWAYS AS IDENTITY,
    token_hash   bytea NOT NULL,
    user_id      bigint NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    ip           text NOT NULL DEFAULT '',
    user_agent   text NOT NULL DEFAULT '',
    PRIMARY KEY (network_id, id),
    UNIQUE (network_id, token_hash),
    FOREIGN KEY (network_id, user_id) REFERENCES users (network_id, id) ON DELETE CASCADE
);
SELECT ph_distribute('sessions', 'network_id');
CREATE INDEX sessions_user ON sessions (network_id, user_id);

CREATE TABLE api_keys (
    network_id   bigint NOT NULL,
    id           bigint GENERATED ALWAYS AS IDENTITY,
    org_id       bigint NOT NULL,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    role         text NOT NULL CHECK (role IN ('admin','manager','sales','viewer')),
    token_hash   bytea NOT NULL,
    prefix       text NOT NULL,
    created_by   bigint,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz,
    PRIMARY KEY (network_id, id),
    UNIQUE (network_id, token_hash),
    FOREIGN KEY (network_id, org_id) REFERENCES organizations (network_id, id),
    FOREIGN KEY (network_id, created_by) REFERENCES users (network_id, id)
);
SELECT ph_distribute('api_keys', 'network_id');
CREATE INDEX api_keys_org ON api_keys (network_id, org_id, id);

-- Partnerships link two organizations; org_a < org_b so a pair has one row.
CREATE TABLE partnerships (
    network_id   bigint NOT NULL,
    id           bigint GENERATED ALWAYS AS IDENTITY,
    org_a        bigint NOT NULL,
    org_b        bigint NOT NULL,
    invited_by   bigint NOT NULL,
    state        text NOT NULL DEFAULT 'invited' CHECK (state IN ('invited','active','declined','revoked')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network_id, id),
    UNIQUE (network_id, org_a, org_b),
    CHECK (org_a < org_b),
    CHECK (invited_by IN (org_a, org_b)),
    FOREIGN KEY (network_id, org_a) REFERENCES organizations (network_id, id),
    FOREIGN KEY (network_id, org_b) REFERENCES organizations (network_id, id)
);
SELECT ph_distribute('partnerships', 'network_id');
CREATE INDEX partnerships_b ON partnerships (network_id, org_b);

-- What the owner organization lets the grantee see of its accounts, per direction.
CREATE TABLE sharing_policies (
    network_id     bigint NOT NULL,
    partnership_id bigint NOT NULL,
    owner_org_id   bigint NOT NULL,
    grantee_org_id bigint NOT NULL,
    level          text NOT NULL DEFAULT 'hidden' CHECK (level IN ('hidden','counts','records')),
    fields         text[] NOT NULL DEFAULT '{}',
    segment        jsonb NOT NULL DEFAULT '{}',
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network_id, partnership_id, owner_org_id),
    FOREIGN KEY (network_id, partnership_id) REFERENCES partnerships (network_id, id) ON DELETE CASCADE,
    FOREIGN KEY (network_id, owner_org_id) REFERENCES organizations (network_id, id),
    FOREIGN KEY (network_id, grantee_org_id) REFERENCES organizations (network_id, id)
);
SELECT ph_distribute('sharing_policies', 'network_id');

-- Explicit record shares, the source of truth for who may read or write a record
-- besides its owner. Records carry reader_orgs/writer_orgs arrays kept in step with
-- these rows for their policies (DESIGN §3).
CREATE TABLE shares (
    network_id     bigint NOT NULL,
    id             bigint GENERATED ALWAYS AS IDENTITY,
    record_type    text NOT NULL CHECK (record_type ~ '^[a-z_]{1,40}$'),
    record_id      bigint NOT NULL,
    owner_org_id   bigint NOT NULL,
    grantee_org_id bigint NOT NULL,
    access         text NOT NULL CHECK (access IN ('read','write')),
    reason         text NOT NULL CHECK (reason IN ('person','policy','workflow')),
    created_by     bigint,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network_id, id),
    UNIQUE (network_id, record_type, record_id, grantee_org_id),
    CHECK (owner_org_id <> grantee_org_id),
    FOREIGN KEY (network_id, owner_org_id) REFERENCES organizations (network_id, id),
    FOREIGN KEY (network_id, grantee_org_id) REFERENCES organizations (network_id, id)
);
SELECT ph_distribute('shares', 'network_id');
CREATE INDEX shares_grantee ON shares (network_id, grantee_org_id, record_type, record_id);

-- Append-only, hash-chained per network: hash = sha256(prev_hash || canonical row).
CREATE TABLE audit_log (
    network_id  bigint NOT NULL,
    seq         bigint NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    org_id      bigint,
    user_id     bigint,
    actor       text NOT NULL,
    action      text NOT NULL,
    target_type text NOT NULL DEFAULT '',
    target_id   text NOT NULL DEFAULT '',
    detail      jsonb NOT NULL DEFAULT '{}',
    prev_hash   bytea NOT NULL,
    hash        bytea NOT NULL,
    PRIMARY KEY (network_id, seq)
);
SELECT ph_distribute('audit_log', 'network_id');
CREATE INDEX audit_log_org ON audit_log (network_id, org_id, seq);

-- Anyone in the network may queue a job and notify a user, without reading the row
-- back: the writer takes the id from the sequence (GENERATED BY DEFAULT), and no
-- identity alteration follows distribution.
CREATE TABLE jobs (
    network_id   bigint NOT NULL,
    id           bigint GENERATED BY DEFAULT AS IDENTITY,
    org_id       bigint,
    kind         text NOT NULL,
    payload      jsonb NOT NULL DEFAULT '{}',
    state        text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued','running','done','failed')),
    attempts     int NOT NULL DEFAULT 0,
    max_attempts int NOT NULL DEFAULT 5 CHECK (max_attempts > 0),
    run_at       timestamptz NOT NULL DEFAULT now(),
    locked_by    text,
    locked_until timestamptz,
    last_error   text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network_id, id)
);
SELECT ph_distribute('jobs', 'network_id');
CREATE INDEX jobs_due ON jobs (run_at) WHERE state IN ('queued','running');
CREATE INDEX jobs_org ON jobs (network_id, org_id, id);

CREATE TABLE notifications (
    network_id bigint NOT NULL,
    id         bigint GENERATED BY DEFAULT AS IDENTITY,
    user_id    bigint NOT NULL,
    kind       text NOT NULL,
    title      text NOT NULL,
    body       text NOT NULL DEFAULT '',
    link       text NOT NULL DEFAULT '',
    read_at    timestamptz,
    emailed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network_id, id),
    FOREIGN KEY (network_id, user_id) REFERENCES users (network_id, id) ON DELETE CASCADE
);
SELECT ph_distribute('notifications', 'network_id');
CREATE INDEX notifications_user ON notifications (network_id, user_id, id DESC);
CREATE INDEX notifications_unread ON notifications (network_id, user_id) WHERE read_at IS NULL;

-- Responses of POSTs made with an Idempotency-Key, per organization.
CREATE TABLE idempotency_keys (
    network_id   bigint NOT NULL,
    org_id       bigint NOT NULL,
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash bytea NOT NULL,
    status       int NOT NULL,
    content_type text NOT NULL DEFAULT '',
    body         bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network_id, org_id, key),
    FOREIGN KEY (network_id, org_id) REFERENCES organizations (network_id, id)
);
SELECT ph_distribute('idempotency_keys', 'network_id');

-- Global (not tenant) table: failed logins per email, read before any tenant is known.
CREATE TABLE login_throttle (
    key          text PRIMARY KEY,
    failures     int NOT NULL DEFAULT 0,
    window_start timestamptz NOT NULL DEFAULT now(),
    locked_until timestamptz
);

-- Row-level security -------------------------------------------------------------

ALTER TABLE networks ENABLE ROW LEVEL SECURITY;
ALTER TABLE networks FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON networks TO partnerhub_app
    USING (id = NULLIF(current_setting('app.network_id', true), '')::bigint);
CREATE POLICY owner_all ON networks TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
-- The directory of organizations is readable by everyone in the network; only the
-- vendor's admins and managers create them; an org updates itself or the vendor does.
CREATE POLICY read ON organizations FOR SELECT TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint);
CREATE POLICY insert ON organizations FOR INSERT TO partnerhub_app
    WITH CHECK (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND current_setting('app.vendor', true) = 'on');
CREATE POLICY update ON organizations FOR UPDATE TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND (id = NULLIF(current_setting('app.org_id', true), '')::bigint
             OR current_setting('app.vendor', true) = 'on'));
CREATE POLICY owner_all ON organizations TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY org ON users TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND (org_id = NULLIF(current_setting('app.org_id', true), '')::bigint
             OR current_setting('app.vendor', true) = 'on'));
CREATE POLICY owner_all ON users TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY own ON sessions TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND user_id = NULLIF(current_setting('app.user_id', true), '')::bigint);
CREATE POLICY owner_all ON sessions TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY org ON api_keys TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND org_id = NULLIF(current_setting('app.org_id', true), '')::bigint);
CREATE POLICY owner_all ON api_keys TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE partnerships ENABLE ROW LEVEL SECURITY;
ALTER TABLE partnerships FORCE ROW LEVEL SECURITY;
CREATE POLICY party ON partnerships TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND (org_a = NULLIF(current_setting('app.org_id', true), '')::bigint
             OR org_b = NULLIF(current_setting('app.org_id', true), '')::bigint));

ALTER TABLE sharing_policies ENABLE ROW LEVEL SECURITY;
ALTER TABLE sharing_policies FORCE ROW LEVEL SECURITY;
CREATE POLICY party ON sharing_policies TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND (owner_org_id = NULLIF(current_setting('app.org_id', true), '')::bigint
             OR grantee_org_id = NULLIF(current_setting('app.org_id', true), '')::bigint))
    WITH CHECK (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND owner_org_id = NULLIF(current_setting('app.org_id', true), '')::bigint);

ALTER TABLE shares ENABLE ROW LEVEL SECURITY;
ALTER TABLE shares FORCE ROW LEVEL SECURITY;
CREATE POLICY party ON shares TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND (owner_org_id = NULLIF(current_setting('app.org_id', true), '')::bigint
             OR grantee_org_id = NULLIF(current_setting('app.org_id', true), '')::bigint))
    WITH CHECK (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND owner_org_id = NULLIF(current_setting('app.org_id', true), '')::bigint);

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
-- An org reads its own entries; the vendor's admins and managers read the network's.
-- Writes go only through ph_audit_append; nobody updates or deletes.
CREATE POLICY read ON audit_log FOR SELECT TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND (org_id = NULLIF(current_setting('app.org_id', true), '')::bigint
             OR current_setting('app.vendor', true) = 'on'));
CREATE POLICY owner_read ON audit_log FOR SELECT TO CURRENT_USER USING (true);
CREATE POLICY owner_insert ON audit_log FOR INSERT TO CURRENT_USER WITH CHECK (true);

ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs FORCE ROW LEVEL SECURITY;
CREATE POLICY org ON jobs TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND (org_id = NULLIF(current_setting('app.org_id', true), '')::bigint
             OR current_setting('app.vendor', true) = 'on'));
CREATE POLICY owner_all ON jobs TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;
CREATE POLICY own ON notifications TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND user_id = NULLIF(current_setting('app.user_id', true), '')::bigint);
-- Anyone in the network may notify a user of it (a share, an assignment); only the
-- user reads and marks them.
CREATE POLICY send ON notifications FOR INSERT TO partnerhub_app
    WITH CHECK (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint);
CREATE POLICY owner_all ON notifications TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY org ON idempotency_keys TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND org_id = NULLIF(current_setting('app.org_id', true), '')::bigint);

-- Pre-tenant lookups ---------------------------------------------------------------

-- +goose StatementBegin
CREATE FUNCTION ph_login_lookup(p_email text)
RETURNS TABLE (network_id bigint, user_id bigint, org_id bigint, role text, status text,
               password_hash text, locale text, vendor boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT u.network_id, u.id, u.org_id, u.role, u.status, u.password_hash, u.locale,
           n.vendor_org_id = u.org_id
      FROM users u
      JOIN networks n ON n.id = u.network_id
      JOIN organizations o ON o.network_id = u.network_id AND o.id = u.org_id
     WHERE u.email = p_email::citext AND o.status = 'active'
     ORDER BY u.network_id
$$;
-- +goose StatementEnd

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

-- +goose StatementBegin
CREATE FUNCTION ph_api_key_lookup(p_network bigint, p_hash bytea)
RETURNS TABLE (key_id bigint, org_id bigint, role text, name text, vendor boolean)
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    UPDATE api_keys k SET last_used_at = now()
      FROM networks n, organizations o
     WHERE k.network_id = p_network AND k.token_hash = p_hash AND k.revoked_at IS NULL
       AND n.id = k.network_id
       AND o.network_id = k.network_id AND o.id = k.org_id AND o.status = 'active'
    RETURNING k.id, k.org_id, k.role, k.name, n.vendor_org_id = k.org_id
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION ph_invite_lookup(p_network bigint, p_hash bytea)
RETURNS TABLE (user_id bigint, org_id bigint, email text, name text, role text, vendor boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT u.id, u.org_id, u.email::text, u.name, u.role, n.vendor_org_id = u.org_id
      FROM users u JOIN networks n ON n.id = u.network_id
     WHERE u.network_id = p_network AND u.invite_hash = p_hash
       AND u.invite_expires_at > now() AND u.status = 'invited'
$$;
-- +goose StatementEnd

-- The canonical text of an audit entry that its hash covers.
-- +goose StatementBegin
CREATE FUNCTION ph_audit_canonical(a audit_log) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT concat_ws('|', a.network_id, a.seq,
        (extract(epoch FROM a.at) * 1000000)::bigint,
        coalesce(a.org_id::text, ''), coalesce(a.user_id::text, ''),
        a.actor, a.action, a.target_type, a.target_id, a.detail::text)
$$;
-- +goose StatementEnd

-- Appends an entry to the network's chain; an advisory lock per network orders
-- concurrent appends.
-- +goose StatementBegin
CREATE FUNCTION ph_audit_append(p_network bigint, p_org bigint, p_user bigint, p_actor text,
    p_action text, p_target_type text, p_target_id text, p_detail jsonb)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    last audit_log;
    e audit_log;
BEGIN
    IF p_network IS NULL OR p_network <> NULLIF(current_setting('app.network_id', true), '')::bigint THEN
        RAISE EXCEPTION 'audit entry outside the current network' USING ERRCODE = '42501';
    END IF;
    PERFORM pg_advisory_xact_lock(7411, p_network::int);
    SELECT * INTO last FROM audit_log WHERE network_id = p_network ORDER BY seq DESC LIMIT 1;
    e.network_id := p_network;
    e.seq := coalesce(last.seq, 0) + 1;
    e.at := date_trunc('milliseconds', clock_timestamp());
    e.org_id := p_org;
    e.user_id := p_user;
    e.actor := p_actor;
    e.action := p_action;
    e.target_type := coalesce(p_target_type, '');
    e.target_id := coalesce(p_target_id, '');
    e.detail := coalesce(p_detail, '{}');
    e.prev_hash := coalesce(last.hash, '\x'::bytea);
    e.hash := sha256(e.prev_hash || convert_to(ph_audit_canonical(e), 'UTF8'));
    INSERT INTO audit_log VALUES (e.*);
    RETURN e.seq;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION ph_audit_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = '42501';
END
$$;
-- +goose StatementEnd
-- Citus takes no trigger on a distributed table: there the log is append-only by
-- privileges alone (00019 does the same everywhere).
-- +goose StatementBegin
DO $$
BEGIN
  IF NOT ph_citus() THEN
    CREATE TRIGGER audit_log_immutable BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION ph_audit_immutable();
  END IF;
END $$;
-- +goose StatementEnd

-- Claims up to p_limit due jobs of any network for a worker, with a lease.
-- +goose StatementBegin
CREATE FUNCTION ph_claim_jobs(p_worker text, p_limit int, p_lease interval)
RETURNS SETOF jobs
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    UPDATE jobs j SET state = 'running', attempts = j.attempts + 1, locked_by = p_worker,
                      locked_until = now() + p_lease, updated_at = now()
      FROM (SELECT network_id, id FROM jobs
             WHERE (state = 'queued' AND run_at <= now())
                OR (state = 'running' AND locked_until < now())
             ORDER BY run_at
             LIMIT p_limit
             FOR UPDATE SKIP LOCKED) due
     WHERE j.network_id = due.network_id AND j.id = due.id
    RETURNING j.*
$$;
-- +goose StatementEnd

-- Records the outcome of a claimed job: done, or retried after p_retry_in, or failed
-- for good once its attempts are used up.
-- +goose StatementBegin
CREATE FUNCTION ph_finish_job(p_network bigint, p_id bigint, p_worker text, p_error text, p_retry_in interval)
RETURNS text
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    UPDATE jobs SET
        state = CASE WHEN p_error IS NULL THEN 'done'
                     WHEN attempts >= max_attempts THEN 'failed'
                     ELSE 'queued' END,
        run_at = CASE WHEN p_error IS NOT NULL THEN now() + p_retry_in ELSE run_at END,
        last_error = coalesce(p_error, ''), locked_by = NULL, locked_until = NULL, updated_at = now()
     WHERE network_id = p_network AND id = p_id AND locked_by = p_worker
    RETURNING state
$$;
-- +goose StatementEnd

-- Grants ---------------------------------------------------------------------------

GRANT SELECT, UPDATE ON networks TO partnerhub_app;
GRANT SELECT, INSERT, UPDATE ON organizations TO partnerhub_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON users, sessions, api_keys, partnerships,
    sharing_policies, shares, jobs, notifications, idempotency_keys TO partnerhub_app;
GRANT SELECT ON audit_log TO partnerhub_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON login_throttle TO partnerhub_app;
REVOKE ALL ON FUNCTION ph_login_lookup(text), ph_session_lookup(bigint, bytea),
    ph_api_key_lookup(bigint, bytea), ph_invite_lookup(bigint, bytea),
    ph_audit_append(bigint, bigint, bigint, text, text, text, text, jsonb),
    ph_claim_jobs(text, int, interval), ph_finish_job(bigint, bigint, text, text, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ph_login_lookup(text), ph_session_lookup(bigint, bytea),
    ph_api_key_lookup(bigint, bytea), ph_invite_lookup(bigint, bytea),
    ph_audit_append(bigint, bigint, bigint, text, text, text, text, jsonb),
    ph_claim_jobs(text, int, interval), ph_finish_job(bigint, bigint, text, text, interval) TO partnerhub_app;

-- +goose Down
SELECT 'down migrations are not supported: restore from a backup';
