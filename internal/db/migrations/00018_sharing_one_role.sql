-- +goose Up
-- Sharing in one role per transaction (issue 29; generic sharing, issue 16). The
-- partners core now keeps a shared record's reader_orgs and writer_orgs (and its
-- dependents'), and the sort copies on its share rows, with plain statements of
-- the application role in the tenant transaction, for every record type
-- registered with it, instead of through these SECURITY DEFINER functions: on
-- Citus a definer that writes opens a second connection as its owner, which
-- cannot see the transaction's earlier writes (DESIGN §9). Where the caller is
-- not the record's owner (a grantee revoking a partnership, a writer changing
-- the record's sort keys) the core acts for the owner organization for those
-- statements (SET LOCAL app.org_id), under the owner's own policies, after
-- checking under its own that it may; no policy is widened.
DROP FUNCTION ph_sync_share_arrays(bigint, text, bigint);
DROP FUNCTION ph_sync_share_sort(bigint, text, bigint);

-- +goose Down
SELECT 'down migrations are not supported: restore from a backup';
