-- +goose Up
-- Lead capture for joint promotions (issue 19, item 3): a promotion's public
-- form makes a lead of the vendor's that names the promotion it came from and
-- keeps the consent the person gave: when, and the words they ticked (in the
-- language the form was shown in).
ALTER TABLE leads ADD COLUMN promotion_id bigint;
ALTER TABLE leads ADD COLUMN consent_at timestamptz;
ALTER TABLE leads ADD COLUMN consent_text text;
ALTER TABLE leads ADD CONSTRAINT leads_promotion FOREIGN KEY (network_id, promotion_id) REFERENCES promotions (network_id, id);
ALTER TABLE leads ADD CONSTRAINT leads_consent_text CHECK (length(consent_text) BETWEEN 1 AND 2000);
ALTER TABLE leads ADD CONSTRAINT leads_consent_both CHECK ((consent_at IS NULL) = (consent_text IS NULL));
CREATE INDEX leads_promotion ON leads (network_id, promotion_id, id DESC) WHERE promotion_id IS NOT NULL;

-- +goose Down
DROP INDEX leads_promotion;
ALTER TABLE leads DROP CONSTRAINT leads_consent_both;
ALTER TABLE leads DROP CONSTRAINT leads_consent_text;
ALTER TABLE leads DROP CONSTRAINT leads_promotion;
ALTER TABLE leads DROP COLUMN consent_text;
ALTER TABLE leads DROP COLUMN consent_at;
ALTER TABLE leads DROP COLUMN promotion_id;
