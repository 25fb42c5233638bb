-- +goose Up
-- One import pipeline (exchange/imports, issues 16 and 26).
--
-- 1. The record families an import may fill are registered in the program, which
--    checks an import's kind before it is stored. The table keeps only the shape
--    of a kind (a lower-case name), so a new family (leads, EDI-fed records) needs
--    no migration.
-- 2. An upload from the portal whose columns are not all known waits in the new
--    state 'mapping' (stored, no job yet) until the user matches its columns.
-- 3. Those choices are remembered per organization, kind and file shape (a hash
--    of the normalized header row), and offered again for the next such file.
ALTER TABLE imports DROP CONSTRAINT imports_kind_check;
ALTER TABLE imports ADD CONSTRAINT imports_kind_check CHECK (kind ~ '^[a-z][a-z_]{0,39}$');
ALTER TABLE imports DROP CONSTRAINT imports_state_check;
ALTER TABLE imports ADD CONSTRAINT imports_state_check CHECK (state IN ('mapping','queued','running','done','failed'));

CREATE TABLE import_mappings (
    network_id bigint NOT NULL,
    org_id     bigint NOT NULL,
    kind       text NOT NULL CHECK (kind ~ '^[a-z][a-z_]{0,39}$'),
    shape      text NOT NULL CHECK (shape ~ '^[0-9a-f]{64}$'),
    mapping    jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network_id, org_id, kind, shape),
    FOREIGN KEY (network_id, org_id) REFERENCES organizations (network_id, id)
);
SELECT ph_distribute('import_mappings', 'network_id');
ALTER TABLE import_mappings ENABLE ROW LEVEL SECURITY;
ALTER TABLE import_mappings FORCE ROW LEVEL SECURITY;
CREATE POLICY org ON import_mappings TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND org_id = NULLIF(current_setting('app.org_id', true), '')::bigint);
GRANT SELECT, INSERT, UPDATE, DELETE ON import_mappings TO partnerhub_app;

-- +goose Down
SELECT 'down migrations are not supported: restore from a backup';
