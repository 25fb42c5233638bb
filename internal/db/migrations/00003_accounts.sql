-- +goose Up
-- Accounts (customer companies) and their contacts, with matching keys for
-- duplicate detection, imports and account mapping between partners (DESIGN §4).
-- Who may read or write a record besides its owner organization is carried on the
-- record (reader_orgs, writer_orgs), kept in step with the shares rows in the same
-- transaction, so that the policies compare columns only (DESIGN §3, §9).

CREATE TABLE accounts (
    network_id    bigint NOT NULL,
    id            bigint GENERATED ALWAYS AS IDENTITY,
    owner_org_id  bigint NOT NULL,
    owner_user_id bigint,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    domains       text[] NOT NULL DEFAULT '{}',
    duns          text NOT NULL DEFAULT '' CHECK (duns ~ '^([0-9]{9})?$'),
    cnpj          text NOT NULL DEFAULT '' CHECK (cnpj ~ '^([0-9A-Z]{12}[0-9]{2})?$'),
    vat           text NOT NULL DEFAULT '' CHECK (length(vat) <= 20),
    industry      text NOT NULL DEFAULT '' CHECK (length(industry) <= 80),
    size          text NOT NULL DEFAULT '' CHECK (size IN ('', '1-10', '11-50', '51-200', '201-1000', '1001-5000', '5001+')),
    region        text NOT NULL DEFAULT '' CHECK (length(region) <= 60),
    street        text NOT NULL DEFAULT '' CHECK (length(street) <= 200),
    city          text NOT NULL DEFAULT '' CHECK (length(city) <= 100),
    state         text NOT NULL DEFAULT '' CHECK (length(state) <= 100),
    postal_code   text NOT NULL DEFAULT '' CHECK (length(postal_code) <= 20),
    country       text NOT NULL DEFAULT '' CHECK (country ~ '^([A-Z]{2})?$'),
    tags          text[] NOT NULL DEFAULT '{}',
    reader_orgs   bigint[] NOT NULL DEFAULT '{}',
    writer_orgs   bigint[] NOT NULL DEFAULT '{}',
    archived_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network_id, id),
    FOREIGN KEY (network_id, owner_org_id) REFERENCES organizations (network_id, id),
    FOREIGN KEY (network_id, owner_user_id) REFERENCES users (network_id, id)
);
SELECT ph_distribute('accounts', 'network_id');
-- The visibility path of lists: an org's own accounts by name (DESIGN §3).
CREATE INDEX accounts_owner_name ON accounts (network_id, owner_org_id, lower(name), id);
CREATE INDEX accounts_name_trgm ON accounts USING gin (lower(name) gin_trgm_ops);
CREATE INDEX accounts_tags ON accounts USING gin (tags);

-- Normalized matching keys of each account, unique per organization: a domain, DUNS,
-- CNPJ or VAT number names at most one account of an org.
CREATE TABLE account_keys (
    network_id bigint NOT NULL,
    org_id     bigint NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('domain','duns','cnpj','vat')),
    value      text NOT NULL CHECK (length(value) BETWEEN 1 AND 253),
    account_id bigint NOT NULL,
    PRIMARY KEY (network_id, org_id, kind, value),
    FOREIGN KEY (network_id, account_id) REFERENCES accounts (network_id, id) ON DELETE CASCADE,
    FOREIGN KEY (network_id, org_id) REFERENCES organizations (network_id, id)
);
SELECT ph_distribute('account_keys', 'network_id');
CREATE INDEX account_keys_match ON account_keys (network_id, kind, value, org_id);
CREATE INDEX account_keys_account ON account_keys (network_id, account_id);
CREATE INDEX account_keys_domain_trgm ON account_keys USING gin (value gin_trgm_ops) WHERE kind = 'domain';

CREATE TABLE contacts (
    network_id   bigint NOT NULL,
    id           bigint GENERATED ALWAYS AS IDENTITY,
    account_id   bigint NOT NULL,
    owner_org_id bigint NOT NULL,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    emails       text[] NOT NULL DEFAULT '{}',
    phones       text[] NOT NULL DEFAULT '{}',
    title        text NOT NULL DEFAULT '' CHECK (length(title) <= 120),
    best_time    text NOT NULL DEFAULT '' CHECK (length(best_time) <= 120),
    reader_orgs  bigint[] NOT NULL DEFAULT '{}',
    writer_orgs  bigint[] NOT NULL DEFAULT '{}',
    archived_at  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network_id, id),
    FOREIGN KEY (network_id, account_id) REFERENCES accounts (network_id, id),
    FOREIGN KEY (network_id, owner_org_id) REFERENCES organizations (network_id, id)
);
SELECT ph_distribute('contacts', 'network_id');
CREATE INDEX contacts_account ON contacts (network_id, account_id, id);
CREATE INDEX contacts_owner_name ON contacts (network_id, owner_org_id, lower(name), id);

CREATE TABLE contact_keys (
    network_id bigint NOT NULL,
    org_id     bigint NOT NULL,
    email      text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    contact_id bigint NOT NULL,
    PRIMARY KEY (network_id, org_id, email),
    FOREIGN KEY (network_id, contact_id) REFERENCES contacts (network_id, id) ON DELETE CASCADE
);
SELECT ph_distribute('contact_keys', 'network_id');
CREATE INDEX contact_keys_contact ON contact_keys (network_id, contact_id);

-- Sharing policies gain greenfield: whether the grantee may see the owner's accounts
-- it does not have itself.
ALTER TABLE sharing_policies ADD COLUMN greenfield boolean NOT NULL DEFAULT false;

ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY read ON accounts FOR SELECT TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND (owner_org_id = NULLIF(current_setting('app.org_id', true), '')::bigint
             OR NULLIF(current_setting('app.org_id', true), '')::bigint = ANY (reader_orgs)));
CREATE POLICY insert ON accounts FOR INSERT TO partnerhub_app
    WITH CHECK (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND owner_org_id = NULLIF(current_setting('app.org_id', true), '')::bigint);
CREATE POLICY update ON accounts FOR UPDATE TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND (owner_org_id = NULLIF(current_setting('app.org_id', true), '')::bigint
             OR NULLIF(current_setting('app.org_id', true), '')::bigint = ANY (writer_orgs)));
CREATE POLICY delete ON accounts FOR DELETE TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND owner_org_id = NULLIF(current_setting('app.org_id', true), '')::bigint);
CREATE POLICY owner_all ON accounts TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE contacts ENABLE ROW LEVEL SECURITY;
ALTER TABLE contacts FORCE ROW LEVEL SECURITY;
CREATE POLICY read ON contacts FOR SELECT TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND (owner_org_id = NULLIF(current_setting('app.org_id', true), '')::bigint
             OR NULLIF(current_setting('app.org_id', true), '')::bigint = ANY (reader_orgs)));
CREATE POLICY insert ON contacts FOR INSERT TO partnerhub_app
    WITH CHECK (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND (owner_org_id = NULLIF(current_setting('app.org_id', true), '')::bigint
             OR NULLIF(current_setting('app.org_id', true), '')::bigint = ANY (writer_orgs)));
CREATE POLICY update ON contacts FOR UPDATE TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND (owner_org_id = NULLIF(current_setting('app.org_id', true), '')::bigint
             OR NULLIF(current_setting('app.org_id', true), '')::bigint = ANY (writer_orgs)));
CREATE POLICY delete ON contacts FOR DELETE TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND owner_org_id = NULLIF(current_setting('app.org_id', true), '')::bigint);
CREATE POLICY owner_all ON contacts TO CURRENT_USER USING (true) WITH CHECK (true);

-- Keys are readable and writable by their organization only; mapping between
-- organizations goes through ph_account_mapping, which applies the owner's policy.
ALTER TABLE account_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE account_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY org ON account_keys TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND org_id = NULLIF(current_setting('app.org_id', true), '')::bigint);
CREATE POLICY owner_all ON account_keys TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE contact_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE contact_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY org ON contact_keys TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND org_id = NULLIF(current_setting('app.org_id', true), '')::bigint);

CREATE POLICY owner_all ON partnerships TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON shares TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON sharing_policies TO CURRENT_USER USING (true) WITH CHECK (true);

-- Anyone in the network may queue work for another organization (a notification
-- email to a partner's admins); only the job's organization reads and retries it.
-- The writer takes the id from the sequence, as it may not read the row back (the
-- column is GENERATED BY DEFAULT from 00001 on: Citus refuses the identity
-- alteration this migration made before, issue 29).
CREATE POLICY enqueue ON jobs FOR INSERT TO partnerhub_app
    WITH CHECK (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint);
GRANT USAGE ON SEQUENCE jobs_id_seq TO partnerhub_app;

-- Account mapping ------------------------------------------------------------------

-- The fields an owner may let a partner see of its overlapping accounts.
-- +goose StatementBegin
CREATE FUNCTION ph_account_public(a accounts, p_fields text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'name',     CASE WHEN 'name' = ANY (p_fields) THEN to_jsonb(a.name) END,
        'domains',  CASE WHEN 'domains' = ANY (p_fields) THEN to_jsonb(a.domains) END,
        'duns',     CASE WHEN 'duns' = ANY (p_fields) THEN to_jsonb(a.duns) END,
        'cnpj',     CASE WHEN 'cnpj' = ANY (p_fields) THEN to_jsonb(a.cnpj) END,
        'vat',      CASE WHEN 'vat' = ANY (p_fields) THEN to_jsonb(a.vat) END,
        'industry', CASE WHEN 'industry' = ANY (p_fields) THEN to_jsonb(a.industry) END,
        'size',     CASE WHEN 'size' = ANY (p_fields) THEN to_jsonb(a.size) END,
        'region',   CASE WHEN 'region' = ANY (p_fields) THEN to_jsonb(a.region) END,
        'city',     CASE WHEN 'city' = ANY (p_fields) THEN to_jsonb(a.city) END,
        'country',  CASE WHEN 'country' = ANY (p_fields) THEN to_jsonb(a.country) END,
        'tags',     CASE WHEN 'tags' = ANY (p_fields) THEN to_jsonb(a.tags) END))
$$;
-- +goose StatementEnd

-- Whether an account falls in a policy's segment ({"region": [...], "industry": [...],
-- "tag": [...]}; an empty segment is every account).
-- +goose StatementBegin
CREATE FUNCTION ph_in_segment(a accounts, p_segment jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT (NOT p_segment ? 'region' OR a.region IN (SELECT jsonb_array_elements_text(p_segment->'region')))
       AND (NOT p_segment ? 'industry' OR a.industry IN (SELECT jsonb_array_elements_text(p_segment->'industry')))
       AND (NOT p_segment ? 'tag' OR a.tags && ARRAY(SELECT jsonb_array_elements_text(p_segment->'tag')))
$$;
-- +goose StatementEnd

-- Account mapping for the calling organization (app.org_id) in one of its active
-- partnerships. It returns rows of:
--   kind 'summary': my account count, and — only where the partner's policy toward
--     me is counts or records — how many of my accounts overlap the partner's
--     (its segment only), and how many greenfield accounts the partner has (only
--     where it allows greenfield);
--   kind 'overlap': where the partner's policy is records, each overlapping partner
--     account with only the fields it shares, and the id of my matching account;
--   kind 'greenfield': where allowed, the partner's accounts (in segment) I lack.
-- Nothing about an account outside those rules leaves this function. Archived
-- accounts never match.
-- +goose StatementBegin
CREATE FUNCTION ph_account_mapping(p_partnership bigint, p_records boolean, p_after bigint, p_limit int)
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
        SELECT 'summary'::text, NULL::bigint, NULL::bigint, NULL::jsonb,
               (SELECT count(*) FROM accounts m WHERE m.network_id = v_net AND m.owner_org_id = v_me AND m.archived_at IS NULL),
               CASE WHEN v_pol.level IN ('counts','records') THEN
                 (SELECT count(DISTINCT mk.account_id)
                    FROM account_keys mk
                    JOIN accounts m ON m.network_id = mk.network_id AND m.id = mk.account_id AND m.archived_at IS NULL
                    JOIN account_keys pk ON pk.network_id = mk.network_id AND pk.kind = mk.kind AND pk.value = mk.value AND pk.org_id = v_other
                    JOIN accounts pa ON pa.network_id = pk.network_id AND pa.id = pk.account_id AND pa.archived_at IS NULL
                   WHERE mk.network_id = v_net AND mk.org_id = v_me AND ph_in_segment(pa, v_pol.segment))
               END,
               CASE WHEN v_pol.greenfield AND v_pol.level IN ('counts','records') THEN
                 (SELECT count(*) FROM accounts pa
                   WHERE pa.network_id = v_net AND pa.owner_org_id = v_other AND pa.archived_at IS NULL AND ph_in_segment(pa, v_pol.segment)
                     AND NOT EXISTS (SELECT 1 FROM account_keys pk JOIN account_keys mk
                                       ON mk.network_id = pk.network_id AND mk.kind = pk.kind AND mk.value = pk.value AND mk.org_id = v_me
                                       JOIN accounts m ON m.network_id = mk.network_id AND m.id = mk.account_id AND m.archived_at IS NULL
                                      WHERE pk.network_id = v_net AND pk.account_id = pa.id))
               END,
               v_pol.level;
        RETURN;
    END IF;

    IF v_pol.level <> 'records' THEN
        RETURN;
    END IF;
    RETURN QUERY
    SELECT DISTINCT ON (pa.id) 'overlap'::text, pa.id, m.id, ph_account_public(pa, v_pol.fields),
           NULL::bigint, NULL::bigint, NULL::bigint, v_pol.level
      FROM account_keys mk
      JOIN accounts m ON m.network_id = mk.network_id AND m.id = mk.account_id AND m.archived_at IS NULL
      JOIN account_keys pk ON pk.network_id = mk.network_id AND pk.kind = mk.kind AND pk.value = mk.value AND pk.org_id = v_other
      JOIN accounts pa ON pa.network_id = pk.network_id AND pa.id = pk.account_id AND pa.archived_at IS NULL
     WHERE mk.network_id = v_net AND mk.org_id = v_me AND ph_in_segment(pa, v_pol.segment) AND pa.id > p_after
     ORDER BY pa.id, m.id
     LIMIT p_limit;
    IF v_pol.greenfield THEN
        RETURN QUERY
        SELECT 'greenfield'::text, pa.id, NULL::bigint, ph_account_public(pa, v_pol.fields),
               NULL::bigint, NULL::bigint, NULL::bigint, v_pol.level
          FROM accounts pa
         WHERE pa.network_id = v_net AND pa.owner_org_id = v_other AND pa.archived_at IS NULL AND ph_in_segment(pa, v_pol.segment)
           AND pa.id > p_after
           AND NOT EXISTS (SELECT 1 FROM account_keys pk JOIN account_keys mk
                             ON mk.network_id = pk.network_id AND mk.kind = pk.kind AND mk.value = pk.value AND mk.org_id = v_me
                             JOIN accounts m ON m.network_id = mk.network_id AND m.id = mk.account_id AND m.archived_at IS NULL
                            WHERE pk.network_id = v_net AND pk.account_id = pa.id)
         ORDER BY pa.id
         LIMIT p_limit;
    END IF;
END
$$;
-- +goose StatementEnd

-- The ids of an organization's active admins, to notify them from another
-- organization (whose users are otherwise invisible).
-- +goose StatementBegin
CREATE FUNCTION ph_org_admins(p_network bigint, p_org bigint) RETURNS TABLE (id bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT u.id FROM users u
     WHERE u.network_id = p_network AND p_network = NULLIF(current_setting('app.network_id', true), '')::bigint
       AND u.org_id = p_org AND u.role = 'admin' AND u.status = 'active'
$$;
-- +goose StatementEnd

-- Resets both directions of a revoked partnership's sharing to hidden; either party
-- may call it (each may otherwise write only its own direction).
-- +goose StatementBegin
CREATE FUNCTION ph_reset_policies(p_network bigint, p_partnership bigint) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    UPDATE sharing_policies s SET level = 'hidden', fields = '{}', segment = '{}', greenfield = false, updated_at = now()
      FROM partnerships p
     WHERE s.network_id = p_network AND s.partnership_id = p_partnership
       AND p.network_id = s.network_id AND p.id = s.partnership_id AND p.state = 'revoked'
       AND p_network = NULLIF(current_setting('app.network_id', true), '')::bigint
       AND NULLIF(current_setting('app.org_id', true), '')::bigint IN (p.org_a, p.org_b)
$$;
-- +goose StatementEnd

-- Recomputes a shared record's reader_orgs and writer_orgs (and its dependents':
-- an account's contacts) from its shares rows, the source of truth. Writers are
-- readers too.
-- +goose StatementBegin
CREATE FUNCTION ph_sync_share_arrays(p_network bigint, p_type text, p_id bigint) RETURNS void
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

-- Rewrites an account's matching keys from its columns, for a partner organization
-- the account is shared with for writing (the keys belong to the owner's
-- organization, which the writer cannot otherwise touch).
-- +goose StatementBegin
CREATE FUNCTION ph_rewrite_account_keys(p_network bigint, p_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    a accounts;
    v_me bigint := NULLIF(current_setting('app.org_id', true), '')::bigint;
BEGIN
    SELECT * INTO a FROM accounts WHERE network_id = p_network AND id = p_id
       AND p_network = NULLIF(current_setting('app.network_id', true), '')::bigint
       AND (owner_org_id = v_me OR v_me = ANY (writer_orgs));
    IF a.id IS NULL THEN
        RAISE EXCEPTION 'no writable account %', p_id USING ERRCODE = '42501';
    END IF;
    DELETE FROM account_keys WHERE network_id = p_network AND account_id = p_id;
    INSERT INTO account_keys (network_id, org_id, kind, value, account_id)
    SELECT p_network, a.owner_org_id, k.kind, k.value, p_id
      FROM (SELECT 'domain' AS kind, unnest(a.domains) AS value
            UNION ALL SELECT 'duns', a.duns WHERE a.duns <> ''
            UNION ALL SELECT 'cnpj', a.cnpj WHERE a.cnpj <> ''
            UNION ALL SELECT 'vat', a.vat WHERE a.vat <> '') k;
END
$$;
-- +goose StatementEnd

GRANT SELECT, INSERT, UPDATE, DELETE ON accounts, account_keys, contacts, contact_keys TO partnerhub_app;
REVOKE ALL ON FUNCTION ph_account_mapping(bigint, boolean, bigint, int), ph_org_admins(bigint, bigint), ph_reset_policies(bigint, bigint), ph_sync_share_arrays(bigint, text, bigint), ph_rewrite_account_keys(bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ph_account_mapping(bigint, boolean, bigint, int), ph_org_admins(bigint, bigint), ph_reset_policies(bigint, bigint), ph_sync_share_arrays(bigint, text, bigint), ph_rewrite_account_keys(bigint, bigint) TO partnerhub_app;

-- +goose Down
SELECT 'down migrations are not supported: restore from a backup';
