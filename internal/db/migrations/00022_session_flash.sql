-- +goose Up
-- The portal's one-time message (issue 26): what a form's POST leaves for the
-- page it redirects to (a success, a rejected form with its typed values, a
-- secret shown once). It rides on the session so it reaches that browser only,
-- is taken with the first GET that reads it, and dies with the session. The
-- value is sealed with a key made from the session's token, which the database
-- never holds (it keeps the token's hash): a reader of this table learns nothing.
ALTER TABLE sessions ADD COLUMN flash bytea;

-- Where a merged-away account went (issue 26): its old address leads to the
-- survivor. Readable by those who could read the merged account (its owner and
-- the organizations in its reader_orgs at the merge); written by the owner in
-- the merge's transaction.
CREATE TABLE account_merges (
    network_id   bigint NOT NULL,
    merged_id    bigint NOT NULL,
    survivor_id  bigint NOT NULL,
    owner_org_id bigint NOT NULL,
    reader_orgs  bigint[] NOT NULL DEFAULT '{}',
    merged_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network_id, merged_id),
    FOREIGN KEY (network_id, owner_org_id) REFERENCES organizations (network_id, id)
);
SELECT ph_distribute('account_merges', 'network_id');
ALTER TABLE account_merges ENABLE ROW LEVEL SECURITY;
ALTER TABLE account_merges FORCE ROW LEVEL SECURITY;
CREATE POLICY read ON account_merges FOR SELECT TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND (owner_org_id = NULLIF(current_setting('app.org_id', true), '')::bigint
             OR NULLIF(current_setting('app.org_id', true), '')::bigint = ANY (reader_orgs)));
CREATE POLICY insert ON account_merges FOR INSERT TO partnerhub_app
    WITH CHECK (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND owner_org_id = NULLIF(current_setting('app.org_id', true), '')::bigint);
CREATE POLICY owner_all ON account_merges TO CURRENT_USER USING (true) WITH CHECK (true);
GRANT SELECT, INSERT ON account_merges TO partnerhub_app;

-- +goose Down
DROP TABLE account_merges;
ALTER TABLE sessions DROP COLUMN flash;
