package accounts

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/db"
)

// Visible is what another record family needs of an account it hangs on, read
// in the caller's transaction under its row-level security: the name, and
// whether it is archived. Errors: NotFound (no such account the scope may see).
func Visible(ctx context.Context, tx *sqlx.Tx, network, id int64) (name string, archived bool, err error) {
	var r struct {
		Name     string `db:"name"`
		Archived bool   `db:"archived"`
	}
	if err := tx.GetContext(ctx, &r, `SELECT name, archived_at IS NOT NULL AS archived FROM accounts WHERE network_id = $1 AND id = $2`, network, id); err != nil {
		return "", false, db.Absent(err, "Account %d not found.", id)
	}
	return r.Name, r.Archived, nil
}
