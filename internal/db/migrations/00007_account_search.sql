-- +goose Up
-- Account search that stays fast in large organizations.
--
-- Under row-level security PostgreSQL uses an index only for leakproof operators
-- ahead of the policy, and neither LIKE nor pg_trgm's % is leakproof: as the
-- application role, a search could only walk the organization's accounts in name
-- order and test each one (about 0.4 s for a rare word among 100,000 accounts).
-- ph_account_search finds the matching ids through the trigram index instead, as
-- the owner role, for the caller's organization only (its own accounts and those
-- shared with it, the same rows the read policy shows); List then reads the
-- accounts themselves as the application role, under the policy as always.
--
-- Matching: the query is a substring of the lower-case name or of a domain. Only
-- when nothing visible contains it are names similar to it returned (pg_trgm's
-- similarity, for typos); a query with a dot is a domain and is never fuzzy.

-- What a search looks in: the lower-case name and the domains. A stored column,
-- because computing it per row in a filter (a SQL function that cannot be inlined:
-- array_to_string is only stable) costs about 20 µs an account.
-- +goose StatementBegin
CREATE FUNCTION ph_account_search_text(p_name text, p_domains text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT lower(p_name) || ' ' || array_to_string(p_domains, ' ')
$$;
-- +goose StatementEnd
ALTER TABLE accounts ADD COLUMN search_text text GENERATED ALWAYS AS (ph_account_search_text(name, domains)) STORED;

-- The LIKE pattern of "contains q", with LIKE's own characters taken literally.
-- +goose StatementBegin
CREATE FUNCTION ph_like_pattern(p_q text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT '%' || replace(replace(replace(p_q, '\', '\\'), '%', '\%'), '_', '\_') || '%'
$$;
-- +goose StatementEnd

-- One GIN index per organization in effect: btree_gin puts the organization in the
-- same index as the trigrams, so a search reads only its organization's postings
-- (a network-wide trigram index made a small organization pay for every match in
-- the network). Organization ids are unique across networks (one identity), so
-- network_id stays out of it: its single entry lists every account. The index
-- serves both the substring and the similarity search, and replaces the name-only
-- trigram index.
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE INDEX accounts_search ON accounts USING gin
    (owner_org_id, search_text gin_trgm_ops, lower(name) gin_trgm_ops);
DROP INDEX accounts_name_trgm;

-- The ids of the accounts the caller's organization may read that match p_q: at
-- most p_cap + 1 substring matches (so the caller can tell "more than p_cap"), or
-- when there are none, at most p_cap similar names. The organization comes from the
-- transaction's settings, never from an argument. Each call is planned with its
-- query (EXECUTE), so a rare word takes the trigram index and a common one stops
-- early; serial, because worker start-up costs more than these scans. The ids in the
-- comparisons are bigint variables: btree_gin has no cross-type operators, and an
-- integer literal would leave the organization out of the index scan. The shared
-- accounts are few and reached from the shares index: their tests (strpos,
-- similarity()) are written so the trigram index cannot serve them, which would
-- read the matches of the whole network.
-- +goose StatementBegin
CREATE FUNCTION ph_account_search(p_q text, p_cap int) RETURNS SETOF bigint
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
REVOKE ALL ON FUNCTION ph_account_search(text, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ph_account_search(text, int) TO partnerhub_app;

-- +goose Down
DROP FUNCTION ph_account_search(text, int);
CREATE INDEX accounts_name_trgm ON accounts USING gin (lower(name) gin_trgm_ops);
DROP INDEX accounts_search;
ALTER TABLE accounts DROP COLUMN search_text;
DROP FUNCTION ph_like_pattern(text);
DROP FUNCTION ph_account_search_text(text, text[]);
