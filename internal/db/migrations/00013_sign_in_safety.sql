-- +goose Up
-- Sign-in and membership safety (issue #25).
--
-- Sign-in throttling slows down instead of locking out: each key ("email:…",
-- "ip:…", "pair:<email>|<address>") carries its failures and the earliest time of
-- its next attempt; a pair key also remembers that the user signed in from that
-- address, which lets a correct password from there past a stranger's delays.
ALTER TABLE login_throttle
    ADD COLUMN last_failure_at timestamptz,
    ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN trusted_until   timestamptz;
UPDATE login_throttle SET last_failure_at = window_start;
ALTER TABLE login_throttle DROP COLUMN window_start, DROP COLUMN locked_until;
CREATE INDEX login_throttle_stale ON login_throttle (last_failure_at);

-- Sessions carry their user's organization, so that an org admin (or the vendor,
-- for a whole organization) can end them when deactivating: the "own" policy lets a
-- user reach only their own sessions, and a policy holds no subquery (DESIGN §9).
ALTER TABLE sessions ADD COLUMN org_id bigint;
UPDATE sessions s SET org_id = u.org_id FROM users u WHERE u.network_id = s.network_id AND u.id = s.user_id;
ALTER TABLE sessions ALTER COLUMN org_id SET NOT NULL;
ALTER TABLE sessions ADD FOREIGN KEY (network_id, org_id) REFERENCES organizations (network_id, id);
CREATE INDEX sessions_org ON sessions (network_id, org_id);
CREATE POLICY org_admin_read ON sessions FOR SELECT TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND ((org_id = NULLIF(current_setting('app.org_id', true), '')::bigint
              AND current_setting('app.role', true) = 'admin')
             OR current_setting('app.vendor', true) = 'on'));
CREATE POLICY org_admin_delete ON sessions FOR DELETE TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND ((org_id = NULLIF(current_setting('app.org_id', true), '')::bigint
              AND current_setting('app.role', true) = 'admin')
             OR current_setting('app.vendor', true) = 'on'));

-- The email domains of an organization, set by the vendor: a partner admin invites
-- only addresses on them.
ALTER TABLE organizations ADD COLUMN email_domains text[] NOT NULL DEFAULT '{}';
ALTER TABLE organizations ADD CONSTRAINT organizations_email_domains_check CHECK (cardinality(email_domains) <= 20);

-- +goose Down
SELECT 'down migrations are not supported: restore from a backup';
