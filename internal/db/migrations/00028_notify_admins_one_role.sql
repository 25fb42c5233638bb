-- +goose Up
-- One role per transaction, the last definer in a writing tenant transaction
-- (issue 29, DESIGN §9). A notification to another organization's admins (an
-- invitation, a deal registration) is sent after the transaction's writes; the
-- admins were found by ph_org_admins, a SECURITY DEFINER reader, and on Citus a
-- read as another role after the transaction's writes fails like a write (25001:
-- the network's placements are bound to the connection that modified them). The
-- application role now reads exactly those rows itself: the active admins of the
-- one organization its transaction marks in app.notify_org (partners'
-- notifyOrgAdmins sets it for the lookup and clears it after), in its network.
CREATE POLICY notify_admins ON users FOR SELECT TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
       AND org_id = NULLIF(current_setting('app.notify_org', true), '')::bigint
       AND role = 'admin' AND status = 'active');
DROP FUNCTION ph_org_admins(bigint, bigint);

-- +goose Down
DROP POLICY notify_admins ON users;
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
REVOKE ALL ON FUNCTION ph_org_admins(bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ph_org_admins(bigint, bigint) TO partnerhub_app;
