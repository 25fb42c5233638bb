package jobs

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// GiveUp makes the job's current attempt its last, inside the caller's tenant
// transaction: when its handler then returns an error, the job fails for good
// at once instead of being retried. For an outcome that no retry would change
// (a file that does not read), so that the job says "failed" with what it ran.
func GiveUp(ctx context.Context, tx *sqlx.Tx, network, id int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE jobs SET max_attempts = attempts WHERE network_id = $1 AND id = $2`, network, id); err != nil {
		return fmt.Errorf("give up job %d: %w", id, err)
	}
	return nil
}
