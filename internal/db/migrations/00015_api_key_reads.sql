-- +goose Up
-- A request with an API key writes nothing (issue 28): the lookup only reads, and
-- the last use is written apart, at most once a minute per key, by
-- ph_api_key_touch from a background writer in each instance.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ph_api_key_lookup(p_network bigint, p_hash bytea)
RETURNS TABLE (key_id bigint, org_id bigint, role text, name text, vendor boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT k.id, k.org_id, k.role, k.name, n.vendor_org_id = k.org_id
      FROM api_keys k
      JOIN networks n ON n.id = k.network_id
      JOIN organizations o ON o.network_id = k.network_id AND o.id = k.org_id AND o.status = 'active'
     WHERE k.network_id = p_network AND k.token_hash = p_hash AND k.revoked_at IS NULL
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION ph_api_key_touch(p_network bigint, p_id bigint) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    UPDATE api_keys SET last_used_at = now()
     WHERE network_id = p_network AND id = p_id
       AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION ph_api_key_touch(bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ph_api_key_touch(bigint, bigint) TO partnerhub_app;

-- +goose Down
DROP FUNCTION ph_api_key_touch(bigint, bigint);
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ph_api_key_lookup(p_network bigint, p_hash bytea)
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
