-- +goose Up
-- Typo-tolerant search compares the query with the closest part of a name (pg_trgm's
-- word similarity, "globx" finds "Globex Corporation"), not with the whole name: a
-- short query against a long name never reached the whole-name similarity threshold.
-- Still only when no account contains the query.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ph_account_search(p_q text, p_cap int) RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = public, pg_temp SET max_parallel_workers_per_gather = 0 AS $$
DECLARE
    v_network bigint := NULLIF(current_setting('app.network_id', true), '')::bigint;
    v_org     bigint := NULLIF(current_setting('app.org_id', true), '')::bigint;
BEGIN
    IF v_network IS NULL OR v_org IS NULL OR coalesce(p_q, '') = '' THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE $q$
        (SELECT a.id FROM accounts a
          WHERE a.network_id = $1 AND a.owner_org_id = $2
            AND a.search_text LIKE ph_like_pattern($3))
        UNION ALL
        (SELECT a.id FROM shares s JOIN accounts a ON a.network_id = s.network_id AND a.id = s.record_id
          WHERE s.network_id = $1 AND s.grantee_org_id = $2 AND s.record_type = 'account'
            AND strpos(a.search_text, $3) > 0)
        LIMIT $4 $q$ USING v_network, v_org, p_q, p_cap + 1;
    IF FOUND OR strpos(p_q, '.') > 0 THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE $q$
        (SELECT a.id FROM accounts a
          WHERE a.network_id = $1 AND a.owner_org_id = $2 AND lower(a.name) %> $3)
        UNION ALL
        (SELECT a.id FROM shares s JOIN accounts a ON a.network_id = s.network_id AND a.id = s.record_id
          WHERE s.network_id = $1 AND s.grantee_org_id = $2 AND s.record_type = 'account'
            AND word_similarity($3, lower(a.name)) >= current_setting('pg_trgm.word_similarity_threshold')::real)
        LIMIT $4 $q$ USING v_network, v_org, p_q, p_cap;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ph_account_search(p_q text, p_cap int) RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = public, pg_temp SET max_parallel_workers_per_gather = 0 AS $$
DECLARE
    v_network bigint := NULLIF(current_setting('app.network_id', true), '')::bigint;
    v_org     bigint := NULLIF(current_setting('app.org_id', true), '')::bigint;
BEGIN
    IF v_network IS NULL OR v_org IS NULL OR coalesce(p_q, '') = '' THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE $q$
        (SELECT a.id FROM accounts a
          WHERE a.network_id = $1 AND a.owner_org_id = $2
            AND a.search_text LIKE ph_like_pattern($3))
        UNION ALL
        (SELECT a.id FROM shares s JOIN accounts a ON a.network_id = s.network_id AND a.id = s.record_id
          WHERE s.network_id = $1 AND s.grantee_org_id = $2 AND s.record_type = 'account'
            AND strpos(a.search_text, $3) > 0)
        LIMIT $4 $q$ USING v_network, v_org, p_q, p_cap + 1;
    IF FOUND OR strpos(p_q, '.') > 0 THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE $q$
        (SELECT a.id FROM accounts a
          WHERE a.network_id = $1 AND a.owner_org_id = $2 AND lower(a.name) % $3)
        UNION ALL
        (SELECT a.id FROM shares s JOIN accounts a ON a.network_id = s.network_id AND a.id = s.record_id
          WHERE s.network_id = $1 AND s.grantee_org_id = $2 AND s.record_type = 'account'
            AND similarity(lower(a.name), $3) >= current_setting('pg_trgm.similarity_threshold')::real)
        LIMIT $4 $q$ USING v_network, v_org, p_q, p_cap;
END
$$;
-- +goose StatementEnd
