package partners

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"
)

// SetFlash keeps a sealed one-time message on the actor's session for its next
// page (the web layer seals it; see internal/web/flash.go). An actor without a
// session (an API key) has nowhere to keep it: nothing is stored.
func (s *Service) SetFlash(ctx context.Context, a Actor, sealed []byte) error {
	if a.SessionID == 0 {
		return nil
	}
	return s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sessions SET flash = $3 WHERE network_id = $1 AND id = $2`, a.Network, a.SessionID, sealed)
		return err
	})
}

// TakeFlash returns the session's one-time message and removes it in the same
// statement, so two pages never both show it; nil when there is none.
func (s *Service) TakeFlash(ctx context.Context, a Actor) ([]byte, error) {
	if a.SessionID == 0 {
		return nil, nil
	}
	var sealed []byte
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &sealed, `
			WITH old AS (
			  SELECT id, flash FROM sessions
			   WHERE network_id = $1 AND id = $2 AND flash IS NOT NULL FOR UPDATE)
			UPDATE sessions s SET flash = NULL FROM old
			 WHERE s.network_id = $1 AND s.id = old.id
			RETURNING old.flash`, a.Network, a.SessionID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	return sealed, err
}
