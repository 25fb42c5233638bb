-- +goose Up
-- Onboarding (issue 26, item 6): password reset links, two-factor sign-in, and
-- invitations that name the organization that sent them.
--
-- A reset link's token is stored as its SHA-256 hash, like invite links and
-- sessions; it expires and is cleared when used. The lookup of a link happens
-- before anyone is signed in, so, like the lookups of sign-in and of invite links
-- (00001), it is a read-only SECURITY DEFINER function; the write that uses the
-- link runs in the user's own tenant transaction under row-level security.
ALTER TABLE users
    ADD COLUMN reset_hash       bytea,
    ADD COLUMN reset_expires_at timestamptz,
    ADD COLUMN invited_by_org   bigint;
ALTER TABLE users ADD CONSTRAINT users_invited_by_fk
    FOREIGN KEY (network_id, invited_by_org) REFERENCES organizations (network_id, id);
CREATE UNIQUE INDEX users_reset ON users (network_id, reset_hash) WHERE reset_hash IS NOT NULL;

-- Two-factor sign-in by TOTP (RFC 6238): the secret is sealed with AES-GCM under
-- a key derived from SECRET_KEY (it must be read back to check a code, so it
-- cannot be hashed); a secret being set up waits in totp_pending until a code
-- confirms it; totp_step is the last time step used, so a code works once; the
-- recovery codes are stored as SHA-256 hashes and each is removed when used.
ALTER TABLE users
    ADD COLUMN totp_secret     bytea,
    ADD COLUMN totp_pending    bytea,
    ADD COLUMN totp_step       bigint NOT NULL DEFAULT 0,
    ADD COLUMN recovery_hashes bytea[] NOT NULL DEFAULT '{}';
-- An organization's admins may require two-factor sign-in of all its users.
ALTER TABLE organizations ADD COLUMN require_two_factor boolean NOT NULL DEFAULT false;

DROP FUNCTION ph_invite_lookup(bigint, bytea);

-- +goose StatementBegin
CREATE FUNCTION ph_invite_lookup(p_network bigint, p_hash bytea)
RETURNS TABLE (user_id bigint, org_id bigint, email text, name text, role text, vendor boolean,
               org_name text, inviter_name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT u.id, u.org_id, u.email::text, u.name, u.role, n.vendor_org_id = u.org_id,
           o.name, i.name
      FROM users u
      JOIN networks n ON n.id = u.network_id
      JOIN organizations o ON o.network_id = u.network_id AND o.id = u.org_id
      JOIN organizations i ON i.network_id = u.network_id AND i.id = coalesce(u.invited_by_org, u.org_id)
     WHERE u.network_id = p_network AND u.invite_hash = p_hash
       AND u.invite_expires_at > now() AND u.status = 'invited'
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION ph_reset_lookup(p_network bigint, p_hash bytea)
RETURNS TABLE (user_id bigint, org_id bigint, email text, name text, role text, locale text,
               vendor boolean, org_name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT u.id, u.org_id, u.email::text, u.name, u.role, u.locale, n.vendor_org_id = u.org_id, o.name
      FROM users u
      JOIN networks n ON n.id = u.network_id
      JOIN organizations o ON o.network_id = u.network_id AND o.id = u.org_id
     WHERE u.network_id = p_network AND u.reset_hash = p_hash
       AND u.reset_expires_at > now() AND u.status = 'active' AND o.status = 'active'
$$;
-- +goose StatementEnd

REVOKE ALL ON FUNCTION ph_invite_lookup(bigint, bytea), ph_reset_lookup(bigint, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ph_invite_lookup(bigint, bytea), ph_reset_lookup(bigint, bytea) TO partnerhub_app;

-- +goose Down
SELECT 'down migrations are not supported: restore from a backup';
