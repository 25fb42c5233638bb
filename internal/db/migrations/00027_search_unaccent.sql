-- +goose Up
-- Account search that ignores accents as well as case (issue 26 item 3):
-- "Padaria Sao Joao" finds "Padaria São João", and "sao" finds "São". The
-- text a search looks in, and the query, are folded the same way by ph_fold
-- (unaccent, then lower). unaccent() is only STABLE (its dictionary could be
-- changed), so an index cannot use it directly; ph_fold names the dictionary
-- and is declared IMMUTABLE, the usual wrapper: the dictionary ships with the
-- extension and the hub never edits it.
CREATE EXTENSION IF NOT EXISTS unaccent;
-- +goose StatementBegin
CREATE FUNCTION ph_fold(p text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT lower(public.unaccent('public.unaccent'::regdictionary, p))
$$;
-- +goose StatementEnd

-- search_text holds the folded name and domains. A generated column cannot
-- change its expression in PostgreSQL 15: it is dropped (with the two trigram
-- indexes on it) and made again from the new function.
ALTER TABLE accounts DROP COLUMN search_text;
-- The fold is spelled out rather than calling ph_fold: a dump restores
-- the table (whose generated column inlines this function) before a
-- function it would call, and pg_restore would stop there.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ph_account_search_text(p_name text, p_domains text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT lower(public.unaccent('public.unaccent'::regdictionary, p_name)) || ' '
        || lower(public.unaccent('public.unaccent'::regdictionary, array_to_string(p_domains, ' ')))
$$;
-- +goose StatementEnd
ALTER TABLE accounts ADD COLUMN search_text text GENERATED ALWAYS AS (ph_account_search_text(name, domains)) STORED;

-- The same two paths as before (the owner's, and the readers' of shared
-- accounts); the typo-tolerant side compares with the folded name.
CREATE INDEX accounts_search ON accounts USING gin
    (owner_org_id, search_text gin_trgm_ops, ph_fold(name) gin_trgm_ops);
CREATE INDEX accounts_shared_search ON accounts USING gin
    (reader_orgs, search_text gin_trgm_ops, ph_fold(name) gin_trgm_ops) WHERE reader_orgs <> '{}';

-- The list's region filter and its choices (the distinct regions present), as
-- the industry's: a page's worth of index entries, and one probe per value.
CREATE INDEX accounts_live_owner_region ON accounts (network_id, owner_org_id, region, sort_name, id) WHERE archived_at IS NULL;

-- The list's total (accounts.Count) and the choices of the shared accounts,
-- from index-only scans under row-level security: each index holds the
-- columns the read policy tests (owner_org_id, reader_orgs) and those the
-- counted filters test (region, industry). The first counts an
-- organization's own accounts; the second is probed once per share received
-- (the shares index gives the ids), without reading the accounts' rows.
CREATE INDEX accounts_live_owner_facets ON accounts (network_id, owner_org_id) INCLUDE (region, industry, reader_orgs) WHERE archived_at IS NULL;
CREATE INDEX accounts_live_facets ON accounts (network_id, id) INCLUDE (owner_org_id, region, industry, reader_orgs) WHERE archived_at IS NULL;

-- As in 00021, with the query folded like search_text.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ph_account_search(p_q text, p_cap int) RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = public, pg_temp SET max_parallel_workers_per_gather = 0 AS $$
DECLARE
    v_network bigint := NULLIF(current_setting('app.network_id', true), '')::bigint;
    v_org     bigint := NULLIF(current_setting('app.org_id', true), '')::bigint;
    v_q       text := ph_fold(p_q);
BEGIN
    IF v_network IS NULL OR v_org IS NULL OR coalesce(v_q, '') = '' THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE $q$
        (SELECT a.id FROM accounts a
          WHERE a.network_id = $1 AND a.owner_org_id = $2
            AND a.search_text LIKE ph_like_pattern($3))
        UNION ALL
        (SELECT a.id FROM accounts a
          WHERE a.reader_orgs <> '{}' AND a.reader_orgs @> ARRAY[$2] AND a.network_id = $1 AND a.owner_org_id <> $2
            AND a.search_text LIKE ph_like_pattern($3))
        LIMIT $4 $q$ USING v_network, v_org, v_q, p_cap + 1;
    IF FOUND OR strpos(v_q, '.') > 0 THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE $q$
        (SELECT a.id FROM accounts a
          WHERE a.network_id = $1 AND a.owner_org_id = $2 AND ph_fold(a.name) %> $3)
        UNION ALL
        (SELECT a.id FROM accounts a
          WHERE a.reader_orgs <> '{}' AND a.reader_orgs @> ARRAY[$2] AND a.network_id = $1 AND a.owner_org_id <> $2
            AND ph_fold(a.name) %> $3)
        LIMIT $4 $q$ USING v_network, v_org, v_q, p_cap;
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
DROP INDEX accounts_live_owner_region;
DROP INDEX accounts_live_owner_facets;
DROP INDEX accounts_live_facets;
ALTER TABLE accounts DROP COLUMN search_text;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ph_account_search_text(p_name text, p_domains text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT lower(p_name) || ' ' || array_to_string(p_domains, ' ')
$$;
-- +goose StatementEnd
ALTER TABLE accounts ADD COLUMN search_text text GENERATED ALWAYS AS (ph_account_search_text(name, domains)) STORED;
CREATE INDEX accounts_search ON accounts USING gin
    (owner_org_id, search_text gin_trgm_ops, lower(name) gin_trgm_ops);
CREATE INDEX accounts_shared_search ON accounts USING gin
    (reader_orgs, search_text gin_trgm_ops, lower(name) gin_trgm_ops) WHERE reader_orgs <> '{}';
DROP FUNCTION ph_fold(text);
