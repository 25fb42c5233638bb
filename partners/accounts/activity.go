package accounts

import (
	"context"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/activity"
)

// Activities hang on accounts and on contacts, and follow the account's
// shares (the account's Shareable lists activities as a dependent).
func init() {
	activity.RegisterRecord("account", func(ctx context.Context, tx *sqlx.Tx, network, id int64) (activity.Anchor, error) {
		acc, err := AccountAccess(ctx, tx, network, id)
		return anchorOf(acc), err
	})
	activity.RegisterRecord("contact", func(ctx context.Context, tx *sqlx.Tx, network, id int64) (activity.Anchor, error) {
		acc, err := ContactAccess(ctx, tx, network, id)
		return anchorOf(acc), err
	})
}

func anchorOf(a Access) activity.Anchor {
	return activity.Anchor{ShareType: "account", ShareID: a.Account, Owner: a.Owner, Readers: a.Readers, Writers: a.Writers,
		Account: a.Account, Name: a.Name, Archived: a.Archived}
}

// shareEvent puts a share or unshare of an account on its timeline, in the
// core's transaction (partners.Shareable.Event).
func shareEvent(ctx context.Context, tx *sqlx.Tx, a partners.Actor, id int64, event string, detail map[string]any) error {
	return activity.Log(ctx, tx, a, "account", id, "account."+event, detail)
}

// AccountRef is an account found by one of its domains.
type AccountRef struct {
	ID     int64  `db:"id"`
	Domain string `db:"domain"`
}

// AccountsByDomain returns the accounts the caller can see, not archived, that
// have one of the (lower-case) domains, with the domain that matched. Mail
// links to them by its participants' domains.
func AccountsByDomain(ctx context.Context, tx *sqlx.Tx, network int64, domains []string) ([]AccountRef, error) {
	var out []AccountRef
	if len(domains) == 0 {
		return nil, nil
	}
	err := tx.SelectContext(ctx, &out, `SELECT a.id, d.domain FROM accounts a, unnest(a.domains) AS d(domain)
		WHERE a.network_id = $1 AND a.domains && $2 AND a.archived_at IS NULL AND d.domain = ANY ($2) ORDER BY a.id, d.domain`, network, pq.StringArray(domains))
	return out, err
}
