-- +goose Up
-- The API rate limit claims requests of a window in leases (internal/web,
-- rateLeases): one statement adds a lease of several requests to the shared
-- count, instead of an upsert per request through ph_rate_hit, which only ever
-- added one. The application role writes the counters itself, with no function
-- of another role in between (DESIGN §9: one role per transaction). The table
-- stays global and unlogged: the key is known before any tenant transaction,
-- and the counts are worth nothing after a crash.
GRANT SELECT, INSERT, UPDATE, DELETE ON rate_windows TO partnerhub_app;
DROP FUNCTION ph_rate_hit(text, interval);

-- The accounts list filtered by industry (issue 28): the organization's own
-- accounts of one industry in name order, a page's worth of index entries
-- instead of the walk of every industry in name order (about 600 rows read for
-- 50 of one industry in twelve).
CREATE INDEX accounts_live_owner_industry ON accounts (network_id, owner_org_id, industry, sort_name, id) WHERE archived_at IS NULL;

-- Search among the accounts shared with an organization: the shared side of
-- ph_account_search tested every shared account (strpos, then word_similarity
-- when nothing matched: 14 to 40 ms for an organization that receives 4,217
-- shares). This index finds them by the reader organization and the trigrams
-- together; only accounts shared with someone are in it. As in accounts_search,
-- organization ids are unique across networks and network_id stays out of a GIN
-- index, where its one entry would list every row.
CREATE INDEX accounts_shared_search ON accounts USING gin
    (reader_orgs, search_text gin_trgm_ops, lower(name) gin_trgm_ops) WHERE reader_orgs <> '{}';

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
    -- The shared side reads reader_orgs, which the shares rows keep in step;
    -- List then reaches each id through the shares rows themselves.
    RETURN QUERY EXECUTE $q$
        (SELECT a.id FROM accounts a
          WHERE a.network_id = $1 AND a.owner_org_id = $2
            AND a.search_text LIKE ph_like_pattern($3))
        UNION ALL
        (SELECT a.id FROM accounts a
          WHERE a.reader_orgs <> '{}' AND a.reader_orgs @> ARRAY[$2] AND a.network_id = $1 AND a.owner_org_id <> $2
            AND a.search_text LIKE ph_like_pattern($3))
        LIMIT $4 $q$ USING v_network, v_org, p_q, p_cap + 1;
    IF FOUND OR strpos(p_q, '.') > 0 THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE $q$
        (SELECT a.id FROM accounts a
          WHERE a.network_id = $1 AND a.owner_org_id = $2 AND lower(a.name) %> $3)
        UNION ALL
        (SELECT a.id FROM accounts a
          WHERE a.reader_orgs <> '{}' AND a.reader_orgs @> ARRAY[$2] AND a.network_id = $1 AND a.owner_org_id <> $2
            AND lower(a.name) %> $3)
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
          WHERE a.network_id = $1 AND a.owner_org_id = $2 AND lower(a.name) %> $3)
        UNION ALL
        (SELECT a.id FROM shares s JOIN accounts a ON a.network_id = s.network_id AND a.id = s.record_id
          WHERE s.network_id = $1 AND s.grantee_org_id = $2 AND s.record_type = 'account'
            AND word_similarity($3, lower(a.name)) >= current_setting('pg_trgm.word_similarity_threshold')::real)
        LIMIT $4 $q$ USING v_network, v_org, p_q, p_cap;
END
$$;
-- +goose StatementEnd
DROP INDEX accounts_shared_search;
DROP INDEX accounts_live_owner_industry;
REVOKE SELECT, INSERT, UPDATE, DELETE ON rate_windows FROM partnerhub_app;
-- +goose StatementBegin
CREATE FUNCTION ph_rate_hit(p_key text, p_window interval) RETURNS TABLE (hits int, reset_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_start timestamptz := date_bin(p_window, clock_timestamp(), timestamptz '2000-01-01 00:00:00+00');
    v_hits  int;
BEGIN
    INSERT INTO rate_windows AS r (key, window_start, hits) VALUES (p_key, v_start, 1)
    ON CONFLICT (key, window_start) DO UPDATE SET hits = r.hits + 1
    RETURNING r.hits INTO v_hits;
    IF v_hits = 1 THEN
        DELETE FROM rate_windows w WHERE w.key = p_key AND w.window_start < v_start;
        IF random() < 0.01 THEN
            DELETE FROM rate_windows w WHERE w.window_start < v_start;
        END IF;
    END IF;
    RETURN QUERY SELECT v_hits, v_start + p_window;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION ph_rate_hit(text, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ph_rate_hit(text, interval) TO partnerhub_app;
