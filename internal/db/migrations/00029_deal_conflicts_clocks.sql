-- +goose Up
-- Deal registrations, continued (issue 17, items 2 and 3), and leads (item 4, below): the conflict check on
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

-- Leads (issue 17, item 4): the vendor's leads, offered to one partner at a
-- time, who accepts or declines (with a reason) before respond_by; an offer
-- not answered in time returns the lead to the pool (the lead clock). The
-- partner reads and changes an offered lead through the workflow share the
-- offer makes (reader_orgs, writer_orgs), which ends when the lead leaves it.
CREATE TABLE leads (
    network_id      bigint NOT NULL,
    id              bigint GENERATED BY DEFAULT AS IDENTITY,
    owner_org_id    bigint NOT NULL,
    owner_user_id   bigint,
    company         text NOT NULL CHECK (length(company) BETWEEN 1 AND 200),
    contact_name    text NOT NULL DEFAULT '' CHECK (length(contact_name) <= 200),
    email           text NOT NULL DEFAULT '' CHECK (length(email) <= 254),
    region          text NOT NULL DEFAULT '' CHECK (length(region) <= 60),
    industry        text NOT NULL DEFAULT '' CHECK (length(industry) <= 80),
    notes           text NOT NULL DEFAULT '' CHECK (length(notes) <= 5000),
    status          text NOT NULL DEFAULT 'new' CHECK (status IN ('new','working','qualified','disqualified','converted')),
    status_reason   text CHECK (length(status_reason) <= 1000),
    assigned_org_id bigint,
    assignment      text NOT NULL DEFAULT 'pool' CHECK (assignment IN ('pool','offered','accepted')),
    offered_at      timestamptz,
    respond_by      timestamptz,
    reader_orgs     bigint[] NOT NULL DEFAULT '{}',
    writer_orgs     bigint[] NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network_id, id),
    FOREIGN KEY (network_id, owner_org_id) REFERENCES organizations (network_id, id),
    FOREIGN KEY (network_id, assigned_org_id) REFERENCES organizations (network_id, id),
    CHECK (status <> 'disqualified' OR status_reason IS NOT NULL),
    CHECK ((assignment = 'pool') = (assigned_org_id IS NULL))
);
SELECT ph_distribute('leads', 'network_id');
CREATE INDEX leads_owner ON leads (network_id, owner_org_id, id DESC);
CREATE INDEX leads_owner_status ON leads (network_id, owner_org_id, status, id DESC);
CREATE INDEX leads_offers_due ON leads (network_id, respond_by) WHERE assignment = 'offered';

-- Every offer of a lead and its answer: the routing history.
CREATE TABLE lead_routes (
    network_id   bigint NOT NULL,
    id           bigint GENERATED BY DEFAULT AS IDENTITY,
    lead_id      bigint NOT NULL,
    org_id       bigint NOT NULL,
    offered_at   timestamptz NOT NULL,
    respond_by   timestamptz NOT NULL,
    response     text NOT NULL DEFAULT '' CHECK (response IN ('', 'accepted', 'declined', 'expired')),
    reason       text CHECK (length(reason) <= 1000),
    responded_at timestamptz,
    PRIMARY KEY (network_id, id),
    FOREIGN KEY (network_id, lead_id) REFERENCES leads (network_id, id),
    FOREIGN KEY (network_id, org_id) REFERENCES organizations (network_id, id)
);
SELECT ph_distribute('lead_routes', 'network_id');
CREATE INDEX lead_routes_lead ON lead_routes (network_id, lead_id, id);

ALTER TABLE leads ENABLE ROW LEVEL SECURITY;
ALTER TABLE leads FORCE ROW LEVEL SECURITY;
CREATE POLICY read ON leads FOR SELECT TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND (owner_org_id = NULLIF(current_setting('app.org_id', true), '')::bigint
             OR NULLIF(current_setting('app.org_id', true), '')::bigint = ANY (reader_orgs)));
CREATE POLICY insert ON leads FOR INSERT TO partnerhub_app
    WITH CHECK (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND owner_org_id = NULLIF(current_setting('app.org_id', true), '')::bigint);
CREATE POLICY update ON leads FOR UPDATE TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND (owner_org_id = NULLIF(current_setting('app.org_id', true), '')::bigint
             OR NULLIF(current_setting('app.org_id', true), '')::bigint = ANY (writer_orgs)));
CREATE POLICY owner_all ON leads TO CURRENT_USER USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE ON leads TO partnerhub_app;

-- The vendor reads and writes the history; a partner its own offers.
ALTER TABLE lead_routes ENABLE ROW LEVEL SECURITY;
ALTER TABLE lead_routes FORCE ROW LEVEL SECURITY;
CREATE POLICY vendor ON lead_routes TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint AND current_setting('app.vendor', true) = 'on')
    WITH CHECK (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint AND current_setting('app.vendor', true) = 'on');
CREATE POLICY partner_read ON lead_routes FOR SELECT TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND org_id = NULLIF(current_setting('app.org_id', true), '')::bigint);
CREATE POLICY partner_answer ON lead_routes FOR UPDATE TO partnerhub_app
    USING (network_id = NULLIF(current_setting('app.network_id', true), '')::bigint
        AND org_id = NULLIF(current_setting('app.org_id', true), '')::bigint);
CREATE POLICY owner_all ON lead_routes TO CURRENT_USER USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE ON lead_routes TO partnerhub_app;

-- +goose Down
DROP TABLE lead_routes;
DROP TABLE leads;
DROP TABLE deal_conflicts;
