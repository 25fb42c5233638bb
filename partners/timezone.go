package partners

import (
	"context"
	"fmt"
	"strings"
	"time"
	// The zone database, in the program: a machine without /usr/share/zoneinfo
	// still shows dates in the user's zone.
	_ "time/tzdata"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
)

// Zone is the time zone named tz (an IANA name such as America/Sao_Paulo), or
// nil when tz is empty or not a zone.
func Zone(tz string) *time.Location {
	if tz == "" || tz == "Local" || len(tz) > 64 || strings.ContainsAny(tz, " .\\") {
		return nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || loc == time.UTC && tz != "UTC" {
		return nil
	}
	return loc
}

// SetTimeZone sets the actor's time zone for dates in the portal ("" follows
// the browser). Errors: Invalid (field time_zone).
func (s *Service) SetTimeZone(ctx context.Context, a Actor, tz string) error {
	tz = strings.TrimSpace(tz)
	if tz != "" && Zone(tz) == nil {
		return apperr.Field("time_zone", "%q is not a time zone (an IANA name such as America/Sao_Paulo)", tz)
	}
	if a.User == 0 {
		return apperr.E(apperr.Forbidden, "Only people have a time zone; an API key does not.")
	}
	return s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET time_zone = $3 WHERE network_id = $1 AND id = $2`, a.Network, a.User, tz); err != nil {
			return fmt.Errorf("set time zone: %w", err)
		}
		return nil
	})
}

// ReaderState is what every portal page shows of its reader beyond the
// session: the unread notifications and the chosen time zone.
type ReaderState struct {
	Unread   int    `db:"unread"`
	TimeZone string `db:"time_zone"`
}

// Reader reads the actor's ReaderState in one statement (one index probe on
// notifications_unread, one on the users key).
func (s *Service) Reader(ctx context.Context, a Actor) (ReaderState, error) {
	var out ReaderState
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &out, `
			SELECT (SELECT count(*) FROM notifications WHERE network_id = $1 AND user_id = $2 AND read_at IS NULL) AS unread,
			       coalesce((SELECT time_zone FROM users WHERE network_id = $1 AND id = $2), '') AS time_zone`, a.Network, a.User)
	})
	return out, err
}
