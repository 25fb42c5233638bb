-- +goose Up
-- Lists at index speed (issue 28): the page of accounts shared with an
-- organization is read in order from the shares index, stopping after a page,
-- instead of reading every shared account to sort them. Each share row carries
-- its record's sort keys (the account's sort_name and updated_at), kept in step
-- by ph_sync_share_sort whenever the record changes and by ph_sync_share_arrays
-- whenever its shares do.
ALTER TABLE shares
    ADD COLUMN sort_key text NOT NULL DEFAULT '',
    ADD COLUMN sort_at timestamptz NOT NULL DEFAULT '-infinity';
UPDATE shares s SET sort_key = a.sort_name, sort_at = a.updated_at
  FROM accounts a
 WHERE s.record_type = 'account' AND a.network_id = s.network_id AND a.id = s.record_id;
CREATE INDEX shares_grantee_sort ON shares (network_id, grantee_org_id, record_type, sort_key, record_id) INCLUDE (owner_org_id);
CREATE INDEX shares_grantee_recent ON shares (network_id, grantee_org_id, record_type, sort_at DESC, record_id DESC) INCLUDE (owner_org_id);

-- Copies a record's sort keys onto its share rows, for the organization that
-- changed the record (which may be a writer that cannot otherwise update the
-- owner's other shares).
-- +goose StatementBegin
CREATE FUNCTION ph_sync_share_sort(p_network bigint, p_type text, p_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_me bigint := NULLIF(current_setting('app.org_id', true), '')::bigint;
BEGIN
    IF p_network IS DISTINCT FROM NULLIF(current_setting('app.network_id', true), '')::bigint THEN
        RAISE EXCEPTION 'outside the current network' USING ERRCODE = '42501';
    END IF;
    IF p_type = 'account' THEN
        UPDATE shares s SET sort_key = a.sort_name, sort_at = a.updated_at
          FROM accounts a
         WHERE s.network_id = p_network AND s.record_type = 'account' AND s.record_id = p_id
           AND a.network_id = p_network AND a.id = p_id
           AND (a.owner_org_id = v_me OR v_me = ANY (a.writer_orgs))
           AND (s.sort_key IS DISTINCT FROM a.sort_name OR s.sort_at IS DISTINCT FROM a.updated_at);
    ELSE
        RAISE EXCEPTION 'records of type % cannot be shared', p_type USING ERRCODE = '22023';
    END IF;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION ph_sync_share_sort(bigint, text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ph_sync_share_sort(bigint, text, bigint) TO partnerhub_app;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ph_sync_share_arrays(p_network bigint, p_type text, p_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_readers bigint[];
    v_writers bigint[];
BEGIN
    IF p_network IS DISTINCT FROM NULLIF(current_setting('app.network_id', true), '')::bigint THEN
        RAISE EXCEPTION 'outside the current network' USING ERRCODE = '42501';
    END IF;
    SELECT coalesce(array_agg(grantee_org_id ORDER BY grantee_org_id), '{}'),
           coalesce(array_agg(grantee_org_id ORDER BY grantee_org_id) FILTER (WHERE access = 'write'), '{}')
      INTO v_readers, v_writers
      FROM shares WHERE network_id = p_network AND record_type = p_type AND record_id = p_id;
    IF p_type = 'account' THEN
        UPDATE accounts SET reader_orgs = v_readers, writer_orgs = v_writers WHERE network_id = p_network AND id = p_id;
        UPDATE contacts SET reader_orgs = v_readers, writer_orgs = v_writers WHERE network_id = p_network AND account_id = p_id;
        UPDATE shares s SET sort_key = a.sort_name, sort_at = a.updated_at
          FROM accounts a
         WHERE s.network_id = p_network AND s.record_type = 'account' AND s.record_id = p_id
           AND a.network_id = p_network AND a.id = p_id
           AND (s.sort_key IS DISTINCT FROM a.sort_name OR s.sort_at IS DISTINCT FROM a.updated_at);
    ELSE
        RAISE EXCEPTION 'records of type % cannot be shared', p_type USING ERRCODE = '22023';
    END IF;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ph_sync_share_arrays(p_network bigint, p_type text, p_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_readers bigint[];
    v_writers bigint[];
BEGIN
    IF p_network IS DISTINCT FROM NULLIF(current_setting('app.network_id', true), '')::bigint THEN
        RAISE EXCEPTION 'outside the current network' USING ERRCODE = '42501';
    END IF;
    SELECT coalesce(array_agg(grantee_org_id ORDER BY grantee_org_id), '{}'),
           coalesce(array_agg(grantee_org_id ORDER BY grantee_org_id) FILTER (WHERE access = 'write'), '{}')
      INTO v_readers, v_writers
      FROM shares WHERE network_id = p_network AND record_type = p_type AND record_id = p_id;
    IF p_type = 'account' THEN
        UPDATE accounts SET reader_orgs = v_readers, writer_orgs = v_writers WHERE network_id = p_network AND id = p_id;
        UPDATE contacts SET reader_orgs = v_readers, writer_orgs = v_writers WHERE network_id = p_network AND account_id = p_id;
    ELSE
        RAISE EXCEPTION 'records of type % cannot be shared', p_type USING ERRCODE = '22023';
    END IF;
END
$$;
-- +goose StatementEnd
DROP FUNCTION ph_sync_share_sort(bigint, text, bigint);
DROP INDEX shares_grantee_recent;
DROP INDEX shares_grantee_sort;
ALTER TABLE shares DROP COLUMN sort_at, DROP COLUMN sort_key;
