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

-- The account mapping on Citus (issue 29): its statements run whole on the
-- network's node, where a shard's rows have the shard's row type
-- (accounts_102362), and a function taking the accounts row type is not found
-- there ("function ph_in_segment(accounts_102362, jsonb) does not exist"). The
-- segment test and the public fields take the columns instead; the mapping is
-- otherwise unchanged (00005).
-- +goose StatementBegin
CREATE FUNCTION ph_in_segment(p_region text, p_industry text, p_tags text[], p_segment jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT (NOT p_segment ? 'region' OR (p_segment->'region') ? p_region)
       AND (NOT p_segment ? 'industry' OR (p_segment->'industry') ? p_industry)
       AND (NOT p_segment ? 'tag' OR (p_segment->'tag') ?| p_tags)
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION ph_account_public(p_name text, p_domains text[], p_duns text, p_cnpj text, p_vat text, p_industry text,
                                  p_size text, p_region text, p_city text, p_country text, p_tags text[], p_fields text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'name',     CASE WHEN 'name' = ANY (p_fields) THEN to_jsonb(p_name) END,
        'domains',  CASE WHEN 'domains' = ANY (p_fields) THEN to_jsonb(p_domains) END,
        'duns',     CASE WHEN 'duns' = ANY (p_fields) THEN to_jsonb(p_duns) END,
        'cnpj',     CASE WHEN 'cnpj' = ANY (p_fields) THEN to_jsonb(p_cnpj) END,
        'vat',      CASE WHEN 'vat' = ANY (p_fields) THEN to_jsonb(p_vat) END,
        'industry', CASE WHEN 'industry' = ANY (p_fields) THEN to_jsonb(p_industry) END,
        'size',     CASE WHEN 'size' = ANY (p_fields) THEN to_jsonb(p_size) END,
        'region',   CASE WHEN 'region' = ANY (p_fields) THEN to_jsonb(p_region) END,
        'city',     CASE WHEN 'city' = ANY (p_fields) THEN to_jsonb(p_city) END,
        'country',  CASE WHEN 'country' = ANY (p_fields) THEN to_jsonb(p_country) END,
        'tags',     CASE WHEN 'tags' = ANY (p_fields) THEN to_jsonb(p_tags) END))
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ph_account_mapping(p_partnership bigint, p_records boolean, p_after bigint, p_limit int)
RETURNS TABLE (kind text, partner_account_id bigint, my_account_id bigint, fields jsonb,
               my_total bigint, overlap bigint, greenfield bigint, level text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_net bigint := NULLIF(current_setting('app.network_id', true), '')::bigint;
    v_me bigint := NULLIF(current_setting('app.org_id', true), '')::bigint;
    v_other bigint;
    v_pol sharing_policies;
BEGIN
    SELECT CASE WHEN p.org_a = v_me THEN p.org_b ELSE p.org_a END INTO v_other
      FROM partnerships p
     WHERE p.network_id = v_net AND p.id = p_partnership AND p.state = 'active' AND v_me IN (p.org_a, p.org_b);
    IF v_other IS NULL THEN
        RAISE EXCEPTION 'no active partnership % for this organization', p_partnership USING ERRCODE = 'P0002';
    END IF;
    SELECT * INTO v_pol FROM sharing_policies s
     WHERE s.network_id = v_net AND s.partnership_id = p_partnership AND s.owner_org_id = v_other;
    IF v_pol.level IS NULL THEN
        v_pol.level := 'hidden';
        v_pol.segment := '{}';
        v_pol.fields := '{}';
        v_pol.greenfield := false;
    END IF;

    IF NOT p_records THEN
        RETURN QUERY
        WITH pairs AS (
            -- (my account, partner account) pairs sharing a key, both live, the
            -- partner's in its segment.
            SELECT mk.account_id AS mid, pk.account_id AS pid
              FROM account_keys mk
              JOIN account_keys pk ON pk.network_id = mk.network_id AND pk.org_id = v_other AND pk.kind = mk.kind AND pk.value = mk.value
             WHERE mk.network_id = v_net AND mk.org_id = v_me
               AND NOT EXISTS (SELECT 1 FROM accounts x WHERE x.network_id = v_net AND x.id = mk.account_id AND x.archived_at IS NOT NULL)
               AND NOT EXISTS (SELECT 1 FROM accounts x WHERE x.network_id = v_net AND x.id = pk.account_id AND x.archived_at IS NOT NULL)
               AND (v_pol.segment = '{}'::jsonb
                    OR EXISTS (SELECT 1 FROM accounts pa WHERE pa.network_id = v_net AND pa.id = pk.account_id AND ph_in_segment(pa.region, pa.industry, pa.tags, v_pol.segment))))
        SELECT 'summary'::text, NULL::bigint, NULL::bigint, NULL::jsonb,
               (SELECT count(*) FROM accounts m WHERE m.network_id = v_net AND m.owner_org_id = v_me AND m.archived_at IS NULL),
               CASE WHEN v_pol.level IN ('counts','records') THEN (SELECT count(DISTINCT mid) FROM pairs) END,
               -- Greenfield: the partner's live accounts in segment minus those
               -- that overlap mine.
               CASE WHEN v_pol.greenfield AND v_pol.level IN ('counts','records') THEN
                 (SELECT count(*) FROM accounts pa
                   WHERE pa.network_id = v_net AND pa.owner_org_id = v_other AND pa.archived_at IS NULL AND ph_in_segment(pa.region, pa.industry, pa.tags, v_pol.segment))
                 - (SELECT count(DISTINCT pid) FROM pairs)
               END,
               v_pol.level;
        RETURN;
    END IF;

    IF v_pol.level <> 'records' THEN
        RETURN;
    END IF;
    RETURN QUERY
    SELECT 'overlap'::text, pa.id, p.mid, ph_account_public(pa.name, pa.domains, pa.duns, pa.cnpj, pa.vat, pa.industry, pa.size, pa.region, pa.city, pa.country, pa.tags, v_pol.fields),
           NULL::bigint, NULL::bigint, NULL::bigint, v_pol.level
      FROM (SELECT DISTINCT ON (pk.account_id) pk.account_id AS pid, mk.account_id AS mid
              FROM account_keys mk
              JOIN account_keys pk ON pk.network_id = mk.network_id AND pk.org_id = v_other AND pk.kind = mk.kind AND pk.value = mk.value
             WHERE mk.network_id = v_net AND mk.org_id = v_me AND pk.account_id > p_after
               AND NOT EXISTS (SELECT 1 FROM accounts x WHERE x.network_id = v_net AND x.id = mk.account_id AND x.archived_at IS NOT NULL)
             ORDER BY pk.account_id, mk.account_id) p
      JOIN accounts pa ON pa.network_id = v_net AND pa.id = p.pid AND pa.archived_at IS NULL
     WHERE ph_in_segment(pa.region, pa.industry, pa.tags, v_pol.segment)
     ORDER BY pa.id
     LIMIT p_limit;
    IF v_pol.greenfield THEN
        RETURN QUERY
        SELECT 'greenfield'::text, pa.id, NULL::bigint, ph_account_public(pa.name, pa.domains, pa.duns, pa.cnpj, pa.vat, pa.industry, pa.size, pa.region, pa.city, pa.country, pa.tags, v_pol.fields),
               NULL::bigint, NULL::bigint, NULL::bigint, v_pol.level
          FROM accounts pa
         WHERE pa.network_id = v_net AND pa.owner_org_id = v_other AND pa.archived_at IS NULL AND ph_in_segment(pa.region, pa.industry, pa.tags, v_pol.segment)
           AND pa.id > p_after
           AND NOT EXISTS (SELECT 1 FROM account_keys pk JOIN account_keys mk
                             ON mk.network_id = pk.network_id AND mk.org_id = v_me AND mk.kind = pk.kind AND mk.value = pk.value
                            WHERE pk.network_id = v_net AND pk.org_id = v_other AND pk.account_id = pa.id
                              AND NOT EXISTS (SELECT 1 FROM accounts x WHERE x.network_id = v_net AND x.id = mk.account_id AND x.archived_at IS NOT NULL))
         ORDER BY pa.id
         LIMIT p_limit;
    END IF;
END
$$;
-- +goose StatementEnd
DROP FUNCTION ph_in_segment(accounts, jsonb);
DROP FUNCTION ph_account_public(accounts, text[]);

-- +goose Down
SELECT 'down migrations are not supported: restore from a backup';
