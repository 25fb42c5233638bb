package leads

import (
	"context"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/activity"
)

// Activities hang on leads and follow the lead's shares: the partner it is
// offered to or accepted by sees the lead's timeline while it sees the lead.
func init() {
	activity.RegisterRecord(RecordType, func(ctx context.Context, tx *sqlx.Tx, network, id int64) (activity.Anchor, error) {
		var r struct {
			Owner   int64         `db:"owner_org_id"`
			Readers pq.Int64Array `db:"reader_orgs"`
			Writers pq.Int64Array `db:"writer_orgs"`
			Company string        `db:"company"`
		}
		if err := tx.GetContext(ctx, &r, `SELECT owner_org_id, reader_orgs, writer_orgs, company FROM leads WHERE network_id = $1 AND id = $2`, network, id); err != nil {
			return activity.Anchor{}, db.Absent(err, "Lead %d not found.", id)
		}
		return activity.Anchor{ShareType: RecordType, ShareID: id, Owner: r.Owner, Readers: r.Readers, Writers: r.Writers, Name: r.Company}, nil
	})
}

// logEvent puts a change of a lead on its timeline, in the change's transaction.
func logEvent(ctx context.Context, tx *sqlx.Tx, a partners.Actor, id int64, event string, detail map[string]any) error {
	return activity.Log(ctx, tx, a, RecordType, id, "lead."+event, detail)
}

// LeadRef is a lead found by its contact's address.
type LeadRef struct {
	ID    int64  `db:"id"`
	Email string `db:"email"`
}

// LeadsByEmail returns the open leads (not converted or disqualified) the
// caller can see whose contact has one of the (lower-case) addresses. Mail
// links to them.
func LeadsByEmail(ctx context.Context, tx *sqlx.Tx, network int64, emails []string) ([]LeadRef, error) {
	if len(emails) == 0 {
		return nil, nil
	}
	var out []LeadRef
	err := tx.SelectContext(ctx, &out, `SELECT id, lower(email) AS email FROM leads
		WHERE network_id = $1 AND lower(email) = ANY ($2) AND status NOT IN ('converted', 'disqualified') ORDER BY id`, network, pq.StringArray(emails))
	return out, err
}
