package partners

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// VendorOrgOf is the network's vendor organization, read in the caller's
// transaction. Errors: NotFound (no such network in scope).
func VendorOrgOf(ctx context.Context, tx *sqlx.Tx, network int64) (int64, error) {
	var vendor int64
	if err := tx.GetContext(ctx, &vendor, `SELECT vendor_org_id FROM networks WHERE id = $1`, network); err != nil {
		return 0, fmt.Errorf("vendor of network %d: %w", network, err)
	}
	return vendor, nil
}

// ShareByWorkflow shares a record of the actor's organization with another
// organization because a workflow says so (a submitted deal registration goes
// to the vendor), in the caller's transaction: a share row with reason
// 'workflow', which explain names, and the record's arrays in step. Unlike
// ShareRecord it needs no partnership and no sharing role: the workflow's own
// rules decided. An existing share keeps the wider access. Errors: Invalid (a
// type that is not registered), NotFound (not a record of the actor's
// organization).
func ShareByWorkflow(ctx context.Context, tx *sqlx.Tx, a Actor, recordType string, id, grantee int64, access string) error {
	if err := oneOf("access", access, []string{"read", "write"}); err != nil {
		return err
	}
	t, err := shareableType("record_type", recordType)
	if err != nil {
		return err
	}
	if _, err := lockOwned(ctx, tx, a, t, id); err != nil {
		return err
	}
	if grantee == a.Org {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO shares (network_id, record_type, record_id, owner_org_id, grantee_org_id, access, reason, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, 'workflow', $7)
		ON CONFLICT (network_id, record_type, record_id, grantee_org_id)
		DO UPDATE SET access = CASE WHEN shares.access = 'write' THEN 'write' ELSE EXCLUDED.access END`,
		a.Network, recordType, id, a.Org, grantee, access, nullable(a.User)); err != nil {
		return fmt.Errorf("share %s %d by workflow: %w", recordType, id, err)
	}
	if err := syncShares(ctx, tx, a.Network, a.Org, t, id, a.Org); err != nil {
		return err
	}
	return a.audit(ctx, tx, "share.create", recordType, id, map[string]any{"grantee": grantee, "access": access, "reason": "workflow"})
}
