-- +goose Up
-- Two fixes of issue #25.
--
-- 1. A partner organization with a write share rewrites the account's matching keys
--    through ph_rewrite_account_keys (the keys are the owner's, which the writer
--    cannot otherwise touch). An identifier the owner already holds on another of
--    its accounts made that insert fail with a unique violation, and the writer saw
--    a 409 for it and a 200 for an identifier the owner did not hold: a way to test,
--    one identifier at a time, which customers the owner has, past a hidden policy.
--    Now such a key is left out (ON CONFLICT DO NOTHING): the account keeps the
--    identifier in its columns, but it is no matching key until the owner merges the
--    two accounts or removes it from one. The function returns what it left out, and
--    with which of the owner's accounts, so the caller can tell the owner's admins,
--    never the writer.
--
-- 2. An import's state follows its job's: when an import job fails for good (or
--    waits for its next attempt), ph_finish_job marks the import failed (or queued)
--    in the same statement, with the job's user-facing error. Before, an import whose
--    job failed stayed "running" forever. The function is the migration role's, so
--    imports gets the owner_all policy the other tables it writes have.

DROP FUNCTION ph_rewrite_account_keys(bigint, bigint);

-- +goose StatementBegin
CREATE FUNCTION ph_rewrite_account_keys(p_network bigint, p_id bigint)
RETURNS TABLE (clash_kind text, clash_value text, holder_id bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    a accounts;
    v_me bigint := NULLIF(current_setting('app.org_id', true), '')::bigint;
    v_kinds text[];
    v_values text[];
BEGIN
    SELECT * INTO a FROM accounts x WHERE x.network_id = p_network AND x.id = p_id
       AND p_network = NULLIF(current_setting('app.network_id', true), '')::bigint
       AND (x.owner_org_id = v_me OR v_me = ANY (x.writer_orgs));
    IF a.id IS NULL THEN
        RAISE EXCEPTION 'no writable account %', p_id USING ERRCODE = '42501';
    END IF;
    SELECT coalesce(array_agg(k.kind), '{}'), coalesce(array_agg(k.value), '{}') INTO v_kinds, v_values
      FROM (SELECT 'domain' AS kind, unnest(a.domains) AS value
            UNION ALL SELECT 'duns', a.duns WHERE a.duns <> ''
            UNION ALL SELECT 'cnpj', a.cnpj WHERE a.cnpj <> ''
            UNION ALL SELECT 'vat', a.vat WHERE a.vat <> '') k;
    DELETE FROM account_keys k WHERE k.network_id = p_network AND k.account_id = p_id;
    RETURN QUERY
    SELECT t.kind, t.value, k.account_id
      FROM unnest(v_kinds, v_values) AS t(kind, value)
      JOIN account_keys k ON k.network_id = p_network AND k.org_id = a.owner_org_id AND k.kind = t.kind AND k.value = t.value;
    INSERT INTO account_keys (network_id, org_id, kind, value, account_id)
    SELECT p_network, a.owner_org_id, t.kind, t.value, p_id
      FROM unnest(v_kinds, v_values) AS t(kind, value)
    ON CONFLICT DO NOTHING;
END
$$;
-- +goose StatementEnd

REVOKE ALL ON FUNCTION ph_rewrite_account_keys(bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ph_rewrite_account_keys(bigint, bigint) TO partnerhub_app;

CREATE POLICY owner_all ON imports TO CURRENT_USER USING (true) WITH CHECK (true);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ph_finish_job(p_network bigint, p_id bigint, p_worker text, p_error text, p_retry_in interval)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_state text;
    v_kind text;
    v_payload jsonb;
BEGIN
    UPDATE jobs SET
        state = CASE WHEN p_error IS NULL THEN 'done'
                     WHEN attempts >= max_attempts THEN 'failed'
                     ELSE 'queued' END,
        run_at = CASE WHEN p_error IS NOT NULL THEN now() + p_retry_in ELSE run_at END,
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
