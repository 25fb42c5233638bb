-- +goose Up
-- CSV imports run as background jobs so that large files show their progress.
CREATE TABLE imports (
    network_id bigint NOT NULL,
    id         bigint GENERATED ALWAYS AS IDENTITY,
    org_id     bigint NOT NULL,
    user_id    bigint,
    api_key_id bigint,
    kind       text NOT NULL CHECK (kind IN ('accounts','contacts')),
    filename   text NOT NULL DEFAULT '' CHECK (length(filename) <= 255),
    dry_run    boolean NOT NULL,
    mapping    jsonb NOT NULL DEFAULT '{}',
    data       bytea NOT NULL,
    state      text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued','running','done','failed')),
    total      int NOT NULL DEFAULT 0,
    processed  int NOT NULL DEFAULT 0,
    result     jsonb,
    error      text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network_id, id),
    FOREIGN KEY (network_id, org_id) REFERENCES organizations (network_id, id),
    FOREIGN KEY (network_id, user_id) REFERENCES users (network_id, id)
);
SELECT ph_distribute('imports', 'network_id');
CREATE INDEX imports_org ON imports (network_id, org_id, id DESC);

ALTER TABLE imports ENABLE ROW LEVEL SECURITY;
ALTER TABLE imports FORCE ROW LEVEL SECURITY;
CREATE POLICY org ON imports TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND org_id = NULLIF(current_setting('app.org_id', true), '')::bigint);
GRANT SELECT, INSERT, UPDATE, DELETE ON imports TO partnerhub_app;

-- +goose Down
SELECT 'down migrations are not supported: restore from a backup';
