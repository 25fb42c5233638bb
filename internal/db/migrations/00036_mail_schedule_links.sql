-- +goose Up
-- Scheduled mail sync and capture mailboxes (issue 18, session 8).
--
-- Each enabled mailbox syncs on its own every sync_minutes (5 unless its admin
-- says otherwise), as jobs that any hub instance may claim (internal/jobs, FOR
-- UPDATE SKIP LOCKED): one job is queued per mailbox at a time, at
-- next_sync_at; after failures in a row, the next run waits longer (the wait
-- doubles each time, up to six hours) and last_error says why. A capture
-- mailbox is one the team BCCs or forwards mail to: a forwarded message is
-- filed under the original sender and recipients, read from its headers.
ALTER TABLE mailboxes ADD COLUMN sync_minutes int NOT NULL DEFAULT 5;
ALTER TABLE mailboxes ADD CONSTRAINT mailboxes_sync_minutes CHECK (sync_minutes BETWEEN 1 AND 1440);
ALTER TABLE mailboxes ADD COLUMN next_sync_at timestamptz;
ALTER TABLE mailboxes ADD COLUMN failures int NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN capture boolean NOT NULL DEFAULT false;
-- The queued run of a mailbox, which each run looks for before queueing the next.
CREATE INDEX jobs_mail_sync_queued ON jobs (network_id, ((payload->>'mailbox_id'))) WHERE kind = 'mail.sync' AND state = 'queued';

-- Mail links to the accounts with a participant's domain, and to the leads
-- whose contact is a participant.
CREATE INDEX accounts_domains ON accounts USING gin (domains);
CREATE INDEX leads_email ON leads (network_id, lower(email)) WHERE email <> '';

-- Attachments of synced mail: name, declared type, the type the content
-- shows and size, with the content when it is no larger than the hub's cap
-- (imapsync.Service.MaxAttachmentBytes); a larger one is listed, not kept.
-- Its organization's alone, as its message is.
CREATE TABLE mail_attachments (
    network_id    bigint NOT NULL,
    message_id    bigint NOT NULL,
    position      int NOT NULL CHECK (position >= 0),
    owner_org_id  bigint NOT NULL,
    filename      text NOT NULL DEFAULT '',
    content_type  text NOT NULL DEFAULT '',
    detected_type text NOT NULL DEFAULT '',
    size          bigint NOT NULL CHECK (size >= 0),
    content       bytea,
    PRIMARY KEY (network_id, message_id, position),
    FOREIGN KEY (network_id, message_id) REFERENCES mail_messages (network_id, id) ON DELETE CASCADE
);
SELECT ph_distribute('mail_attachments', 'network_id');
ALTER TABLE mail_attachments ADD FOREIGN KEY (network_id) REFERENCES networks (id);
ALTER TABLE mail_attachments ENABLE ROW LEVEL SECURITY;
ALTER TABLE mail_attachments FORCE ROW LEVEL SECURITY;
CREATE POLICY own ON mail_attachments FOR ALL TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND owner_org_id = NULLIF(current_setting('app.org_id', true), '')::bigint)
    WITH CHECK (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND owner_org_id = NULLIF(current_setting('app.org_id', true), '')::bigint);
CREATE POLICY owner_all ON mail_attachments TO CURRENT_USER USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, DELETE ON mail_attachments TO partnerhub_app;

-- +goose Down
SELECT 'down migrations are not supported: restore from a backup';
