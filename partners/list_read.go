package partners

import (
	"context"
	"database/sql"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/db"
)

// readList runs one list statement of the core's lists (prepared once per
// connection, docs/LISTS.md) in the actor's transaction and reads its rows by
// position with scan, into a slice with room for capacity rows.
func readList[T any](ctx context.Context, d *db.DB, a Actor, text string, args []any, capacity int, scan func(*sql.Rows, *T) error) ([]T, error) {
	out := make([]T, 0, capacity)
	err := d.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		st, err := d.Prepared(ctx, tx, text)
		if err != nil {
			return err
		}
		rows, err := st.QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v T
			if err := scan(rows, &v); err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	return out, err
}
