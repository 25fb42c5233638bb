-- +goose Up
-- Notifications to another organization's admins are written in each admin's
-- language, so ph_org_admins gives their locale beside their id.
DROP FUNCTION ph_org_admins(bigint, bigint);
-- +goose StatementBegin
CREATE FUNCTION ph_org_admins(p_network bigint, p_org bigint) RETURNS TABLE (id bigint, locale text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT u.id, u.locale FROM users u
     WHERE u.network_id = p_network AND p_network = NULLIF(current_setting('app.network_id', true), '')::bigint
       AND u.org_id = p_org AND u.role = 'admin' AND u.status = 'active'
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION ph_org_admins(bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ph_org_admins(bigint, bigint) TO partnerhub_app;

-- +goose Down
DROP FUNCTION ph_org_admins(bigint, bigint);
-- +goose StatementBegin
CREATE FUNCTION ph_org_admins(p_network bigint, p_org bigint) RETURNS TABLE (id bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT u.id FROM users u
     WHERE u.network_id = p_network AND p_network = NULLIF(current_setting('app.network_id', true), '')::bigint
       AND u.org_id = p_org AND u.role = 'admin' AND u.status = 'active'
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION ph_org_admins(bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ph_org_admins(bigint, bigint) TO partnerhub_app;
