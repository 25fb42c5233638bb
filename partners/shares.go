package partners

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/l10n"
)

// Share grants an organization read or write access to a record.
type Share struct {
	Network     int64     `db:"network_id" json:"-"`
	ID          int64     `db:"id" json:"id"`
	RecordType  string    `db:"record_type" json:"record_type"`
	RecordID    int64     `db:"record_id" json:"record_id"`
	Owner       int64     `db:"owner_org_id" json:"owner_org_id"`
	Grantee     int64     `db:"grantee_org_id" json:"grantee_org_id"`
	GranteeName string    `db:"grantee_name" json:"grantee_name"`
	Access      string    `db:"access" json:"access"`
	Reason      string    `db:"reason" json:"reason"`
	CreatedBy   *int64    `db:"created_by" json:"created_by"`
	CreatedAt   time.Time `db:"created_at" json:"created_at"`
}

// ShareRecord shares a record of the actor's organization with a partner
// organization (an active partnership is needed), or changes the access of an
// existing share. Managers and admins, or the sales user who owns the record.
// Errors: Forbidden, Invalid, NotFound.
func (s *Service) ShareRecord(ctx context.Context, a Actor, recordType string, id, grantee int64, access string) (*Share, error) {
	if err := oneOf("access", access, []string{"read", "write"}); err != nil {
		return nil, err
	}
	t, err := shareableType("record_type", recordType)
	if err != nil {
		return nil, err
	}
	if grantee == a.Org {
		return nil, apperr.Field("org_id", "a record is not shared with its own organization")
	}
	var out Share
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		owner, err := lockOwned(ctx, tx, a, t, id)
		if err != nil {
			return err
		}
		if !a.Role.AtLeast(Manager) && !(a.Role == Sales && owner.User != nil && *owner.User == a.User) {
			return apperr.E(apperr.Forbidden, "Sharing needs the manager role, or the sales role on a record you own.")
		}
		var active bool
		if err := tx.GetContext(ctx, &active, `SELECT EXISTS (SELECT 1 FROM partnerships WHERE network_id = $1 AND state = 'active'
			AND org_a = LEAST($2::bigint, $3::bigint) AND org_b = GREATEST($2::bigint, $3::bigint))`, a.Network, a.Org, grantee); err != nil {
			return err
		}
		if !active {
			return apperr.Field("org_id", "organization %d is not an active partner of yours", grantee)
		}
		if err := tx.GetContext(ctx, &out, `
			INSERT INTO shares (network_id, record_type, record_id, owner_org_id, grantee_org_id, access, reason, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, 'person', $7)
			ON CONFLICT (network_id, record_type, record_id, grantee_org_id) DO UPDATE SET access = $6
			RETURNING network_id, id, record_type, record_id, owner_org_id, grantee_org_id, '' AS grantee_name, access, reason, created_by, created_at`,
			a.Network, recordType, id, a.Org, grantee, access, nullable(a.User)); err != nil {
			return err
		}
		if err := syncShares(ctx, tx, a.Network, a.Org, t, id, a.Org); err != nil {
			return err
		}
		if t.Event != nil {
			if err := t.Event(ctx, tx, a, id, "shared", map[string]any{"org_id": grantee, "access": access}); err != nil {
				return err
			}
		}
		if err := s.notifyOrgAdmins(ctx, tx, a, grantee, "share.created", fmt.Sprintf("/%ss/%d", recordType, id), l10n.M("A record was shared with you"),
			func(from string) l10n.Msg { return shareMessage(from, recordType, access) }); err != nil {
			return err
		}
		return a.audit(ctx, tx, "share.create", recordType, id, map[string]any{"grantee": grantee, "access": access})
	})
	return &out, err
}

// UnshareRecord removes a share of a record of the actor's organization at once.
// Managers and admins, or the sales user who owns the record. Errors: Forbidden,
// NotFound.
func (s *Service) UnshareRecord(ctx context.Context, a Actor, recordType string, id, grantee int64) error {
	t, err := shareableType("record_type", recordType)
	if err != nil {
		return err
	}
	return s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		owner, err := lockOwned(ctx, tx, a, t, id)
		if err != nil {
			return err
		}
		if !a.Role.AtLeast(Manager) && !(a.Role == Sales && owner.User != nil && *owner.User == a.User) {
			return apperr.E(apperr.Forbidden, "Unsharing needs the manager role, or the sales role on a record you own.")
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM shares WHERE network_id = $1 AND record_type = $2 AND record_id = $3 AND grantee_org_id = $4`, a.Network, recordType, id, grantee)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.NotFound, "This %s is not shared with organization %d.", recordType, grantee)
		}
		if err := syncShares(ctx, tx, a.Network, a.Org, t, id, a.Org); err != nil {
			return err
		}
		if t.Event != nil {
			if err := t.Event(ctx, tx, a, id, "unshared", map[string]any{"org_id": grantee}); err != nil {
				return err
			}
		}
		return a.audit(ctx, tx, "share.delete", recordType, id, map[string]any{"grantee": grantee})
	})
}

// Shares lists the shares of a record the actor can see: the owner sees every
// share; a grantee sees its own.
func (s *Service) Shares(ctx context.Context, a Actor, recordType string, id int64) ([]Share, error) {
	var out []Share
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `
			SELECT s.network_id, s.id, s.record_type, s.record_id, s.owner_org_id, s.grantee_org_id, o.name AS grantee_name, s.access, s.reason, s.created_by, s.created_at
			  FROM shares s JOIN organizations o ON o.network_id = s.network_id AND o.id = s.grantee_org_id
			 WHERE s.network_id = $1 AND s.record_type = $2 AND s.record_id = $3
			 ORDER BY o.name`, a.Network, recordType, id)
	})
	return out, err
}

// revokeSharesBetween removes every share between two organizations, both ways, and
// brings the records' arrays in step, as the revoking organization me (one of
// the two): the shares policy lets it delete the shares it owns and those granted
// to it; it recomputes the arrays of its own records, and acts for the other
// organization to recompute those of the other's records it lost.
func revokeSharesBetween(ctx context.Context, tx *sqlx.Tx, network, me, orgA, orgB int64) (int, error) {
	var gone []struct {
		Type  string `db:"record_type"`
		ID    int64  `db:"record_id"`
		Owner int64  `db:"owner_org_id"`
	}
	if err := tx.SelectContext(ctx, &gone, `
		DELETE FROM shares WHERE network_id = $1
		   AND ((owner_org_id = $2 AND grantee_org_id = $3) OR (owner_org_id = $3 AND grantee_org_id = $2))
		RETURNING record_type, record_id, owner_org_id`, network, orgA, orgB); err != nil {
		return 0, err
	}
	for _, g := range gone {
		t, err := shareableType("record_type", g.Type)
		if err != nil {
			return 0, err
		}
		if err := syncShares(ctx, tx, network, me, t, g.ID, g.Owner); err != nil {
			return 0, err
		}
	}
	return len(gone), nil
}

// shareMessage is the notification body of a new share.
func shareMessage(from, recordType, access string) l10n.Msg {
	switch {
	case recordType == "account" && access == "write":
		return l10n.M("%s shared an account with your organization, with write access.", from)
	case recordType == "account":
		return l10n.M("%s shared an account with your organization, with read access.", from)
	case recordType == "contact" && access == "write":
		return l10n.M("%s shared a contact with your organization, with write access.", from)
	case recordType == "contact":
		return l10n.M("%s shared a contact with your organization, with read access.", from)
	}
	return l10n.M("%s shared a %s record with your organization (%s access).", from, recordType, access)
}

// owned is who owns a record: its organization and, where the type has one, its
// owning user.
type owned struct {
	Org  int64  `db:"owner_org_id"`
	User *int64 `db:"owner_user_id"`
}

// lockOwned locks a record of the actor's organization for a change of its
// shares. Errors: NotFound (no such record, or another organization's).
func lockOwned(ctx context.Context, tx *sqlx.Tx, a Actor, t *Shareable, id int64) (owned, error) {
	var o owned
	if err := tx.GetContext(ctx, &o, t.lockSQL, a.Network, id); err != nil {
		return o, db.Absent(err, "No %s %d of your organization.", t.Type, id)
	}
	if o.Org != a.Org {
		return o, apperr.E(apperr.NotFound, "No %s %d of your organization.", t.Type, id)
	}
	return o, nil
}
