-- +goose Up
-- Lists at index speed (issue 28, session 8): the industry filter on the
-- shared side of the accounts list walked the organization's shares in name
-- order and read each account to test its industry (about 600 share rows and
-- their accounts for a page of 50 of one industry in twelve). Each share row
-- now carries a copy of its record's filter column (an account's industry),
-- kept in step with the sort keys by the core (partners.Shareable.FilterKey,
-- written wherever sort_key and sort_at are), so that the filtered page is one
-- range of shares_grantee_filter read in name order, stopping after a page.
ALTER TABLE shares ADD COLUMN filter_key text NOT NULL DEFAULT '';
UPDATE shares s SET filter_key = a.industry
  FROM accounts a
 WHERE s.record_type = 'account' AND a.network_id = s.network_id AND a.id = s.record_id AND a.industry <> '';
-- Partial: a list that does not filter (its statement does not say
-- filter_key <> '') must keep to shares_grantee_sort, which gives its order.
CREATE INDEX shares_grantee_filter ON shares (network_id, grantee_org_id, record_type, filter_key, sort_key, record_id) INCLUDE (owner_org_id)
    WHERE filter_key <> '';

-- +goose Down
DROP INDEX shares_grantee_filter;
ALTER TABLE shares DROP COLUMN filter_key;
