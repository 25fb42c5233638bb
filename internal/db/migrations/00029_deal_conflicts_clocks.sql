-- +goose Up
-- Deal registrations, continued (issue 17, items 2 and 3): the conflict check on
-- submit with its stored evidence, the network's conflict rule, and the clocks
-- (review SLA reminders, pre-expiry reminders, expiry) run by the job worker.
--
-- The conflict check runs under the vendor's view, in a transaction of its own
-- after the partner's submit commits (one role, and one organization, per
-- transaction: no SECURITY DEFINER function). Every active registration was
-- shared with the vendor when it was submitted, so the vendor's view sees all
-- of them; the partner's own view sees none of the others. To match accounts the
-- vendor may not read, the submitting partner copies its account's matching
-- keys onto the registration (match_keys: 'domain:acme.com', 'duns:…').

ALTER TABLE deal_registrations ADD COLUMN match_keys text[] NOT NULL DEFAULT '{}';
-- When the conflict check ran: first to register means checked first (the
-- checks of a network run one at a time).
ALTER TABLE deal_registrations ADD COLUMN checked_at timestamptz;
-- What the partner may learn of the check: '' (not checked yet), 'none' or
-- 'found'; and, when found, the outcome: 'review' (the vendor decides),
-- 'first' (registered first: it stands), 'later' (another partner was first:
-- rejected).
ALTER TABLE deal_registrations ADD COLUMN conflict text NOT NULL DEFAULT '';
ALTER TABLE deal_registrations ADD COLUMN conflict_outcome text NOT NULL DEFAULT '';
-- The clocks' marks, so that a reminder goes once however often the clock runs.
ALTER TABLE deal_registrations ADD COLUMN review_reminded_at timestamptz;
ALTER TABLE deal_registrations ADD COLUMN expiry_reminded_at timestamptz;
ALTER TABLE deal_registrations ADD CONSTRAINT deal_registrations_conflict CHECK (conflict IN ('', 'none', 'found'));
ALTER TABLE deal_registrations ADD CONSTRAINT deal_registrations_conflict_outcome CHECK (conflict_outcome IN ('', 'review', 'first', 'later'));

-- Active registrations by matching key (the conflict check), per network.
CREATE INDEX deal_registrations_keys ON deal_registrations USING gin (network_id, match_keys)
    WHERE state IN ('submitted','under_review','approved');
-- Lists by state (the owner's path), and the clocks: registrations waiting for review.
CREATE INDEX deal_registrations_owner_state ON deal_registrations (network_id, owner_org_id, state, id DESC);
CREATE INDEX deal_registrations_waiting ON deal_registrations (network_id, submitted_at)
    WHERE state IN ('submitted','under_review');

ALTER TABLE deal_settings ADD COLUMN conflict_rule text NOT NULL DEFAULT 'manual_review';
ALTER TABLE deal_settings ADD COLUMN reminder_days int NOT NULL DEFAULT 14;
ALTER TABLE deal_settings ADD CONSTRAINT deal_settings_conflict_rule CHECK (conflict_rule IN ('manual_review', 'first_to_register'));
ALTER TABLE deal_settings ADD CONSTRAINT deal_settings_reminder_days CHECK (reminder_days BETWEEN 0 AND 365);

-- The evidence of a conflict check: one immutable snapshot per registration
-- (a registration is submitted once), read by the vendor's managers only. The
-- application role may insert and read it under the vendor's view and has no
-- UPDATE or DELETE on it.
CREATE TABLE deal_conflicts (
    network_id      bigint NOT NULL,
    registration_id bigint NOT NULL,
    checked_at      timestamptz NOT NULL,
    rule            text NOT NULL CHECK (rule IN ('manual_review', 'first_to_register')),
    outcome         text NOT NULL CHECK (outcome IN ('none', 'review', 'first', 'later')),
    evidence        jsonb NOT NULL,
    PRIMARY KEY (network_id, registration_id),
    FOREIGN KEY (network_id, registration_id) REFERENCES deal_registrations (network_id, id)
);
SELECT ph_distribute('deal_conflicts', 'network_id');
ALTER TABLE deal_conflicts ADD FOREIGN KEY (network_id) REFERENCES networks (id);

ALTER TABLE deal_conflicts ENABLE ROW LEVEL SECURITY;
ALTER TABLE deal_conflicts FORCE ROW LEVEL SECURITY;
CREATE POLICY vendor_read ON deal_conflicts FOR SELECT TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint AND current_setting('app.vendor', true) = 'on');
CREATE POLICY vendor_insert ON deal_conflicts FOR INSERT TO partnerhub_app
    WITH CHECK (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint AND current_setting('app.vendor', true) = 'on');
CREATE POLICY owner_all ON deal_conflicts TO CURRENT_USER USING (true) WITH CHECK (true);
GRANT SELECT, INSERT ON deal_conflicts TO partnerhub_app;

-- +goose Down
DROP TABLE deal_conflicts;
