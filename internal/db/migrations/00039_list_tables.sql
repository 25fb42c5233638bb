-- +goose Up
-- The users page sorts by name (issue 26 item 3, docs/LISTS.md): a page is a
-- range of this index read forwards or backwards from the keyset, within the
-- organization.
CREATE INDEX users_org_name ON users (network_id, org_id, name, id);

-- +goose Down
DROP INDEX users_org_name;
