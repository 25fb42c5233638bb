package deals

import (
	"context"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/activity"
)

// Activities hang on deal registrations and follow the registration's
// shares: the vendor sees a registration's timeline once it is submitted
// (the submission shares it with the vendor by workflow).
func init() {
	activity.RegisterRecord(RecordType, func(ctx context.Context, tx *sqlx.Tx, network, id int64) (activity.Anchor, error) {
		var r struct {
			Owner   int64         `db:"owner_org_id"`
			Readers pq.Int64Array `db:"reader_orgs"`
			Writers pq.Int64Array `db:"writer_orgs"`
			Account int64         `db:"account_id"`
			Title   string        `db:"title"`
		}
		if err := tx.GetContext(ctx, &r, `SELECT owner_org_id, reader_orgs, writer_orgs, account_id, title FROM deal_registrations
			WHERE network_id = $1 AND id = $2`, network, id); err != nil {
			return activity.Anchor{}, db.Absent(err, "Deal registration %d not found.", id)
		}
		return activity.Anchor{ShareType: RecordType, ShareID: id, Owner: r.Owner, Readers: r.Readers, Writers: r.Writers,
			Account: r.Account, Name: r.Title}, nil
	})
}

// logEvent puts a change of a registration on its timeline, in the change's
// transaction.
func logEvent(ctx context.Context, tx *sqlx.Tx, a partners.Actor, id int64, event string, detail map[string]any) error {
	return activity.Log(ctx, tx, a, RecordType, id, "deal_registration."+event, detail)
}

// RegistrationRef is a registration found by its account.
type RegistrationRef struct {
	ID      int64 `db:"id"`
	Account int64 `db:"account_id"`
}

// OpenByAccounts returns the registrations the caller can see on the
// accounts that are still running (draft, submitted, under review or
// approved). Mail about an account links to them.
func OpenByAccounts(ctx context.Context, tx *sqlx.Tx, network int64, accounts []int64) ([]RegistrationRef, error) {
	if len(accounts) == 0 {
		return nil, nil
	}
	var out []RegistrationRef
	err := tx.SelectContext(ctx, &out, `SELECT id, account_id FROM deal_registrations
		WHERE network_id = $1 AND account_id = ANY ($2) AND state IN ('draft', 'submitted', 'under_review', 'approved') ORDER BY id`,
		network, pq.Int64Array(accounts))
	return out, err
}
