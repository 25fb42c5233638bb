package partners

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/apperr"
)

// Rule is one reason that bears on a user's access to a record.
type Rule struct {
	Rule   string `json:"rule"` // owner_org, share, policy, role
	Grants bool   `json:"grants"`
	Detail string `json:"detail"`
}

// Explanation answers why a user can or cannot see and change a record.
type Explanation struct {
	Record   string `json:"record"`
	User     int64  `json:"user_id"`
	CanRead  bool   `json:"can_read"`
	CanWrite bool   `json:"can_write"`
	Rules    []Rule `json:"rules"`
}

// explained is what explain reads of a record.
type explained struct {
	Owner     int64         `db:"owner_org_id"`
	OwnerName string        `db:"owner_org_name"`
	OwnerUser *int64        `db:"owner_user_id"`
	Writers   pq.Int64Array `db:"writer_orgs"`
}

// Explain says why user (of the actor's organization; the actor itself when 0)
// can or cannot read and write a record of a registered shareable type, naming
// each rule. Only the user's own admins (or the user) may ask. A record the
// user's organization cannot reach reveals nothing about itself: not its owner,
// not whether it exists; the answer is the one a missing record gets.
// Errors: Invalid (field record: a type that is not registered), Forbidden,
// NotFound (the user).
func (s *Service) Explain(ctx context.Context, a Actor, recordType string, id, userID int64) (*Explanation, error) {
	t, err := shareableType("record", recordType)
	if err != nil {
		return nil, err
	}
	var u *User
	if userID == 0 && a.User == 0 {
		// An API key asks about itself.
		u = &User{ID: 0, Org: a.Org, Role: a.Role, Status: "active", Name: a.Name}
	} else {
		if userID == 0 {
			userID = a.User
		}
		if userID != a.User {
			if err := a.Require(Admin); err != nil {
				return nil, apperr.E(apperr.Forbidden, "Only your organization's admins may ask about another user's access.")
			}
		}
		var err error
		u, err = s.User(ctx, a, userID)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return nil, err
		}
		if err != nil || u.Org != a.Org {
			return nil, apperr.E(apperr.NotFound, "User %d not found in your organization.", userID)
		}
	}
	subject := Actor{Network: a.Network, Org: u.Org, User: u.ID, APIKey: a.APIKey, Role: u.Role, VendorOrg: a.VendorOrg}
	if u.ID != 0 {
		subject.APIKey = 0
	}
	if u.Status != "active" {
		subject.Role = ""
	}
	e := &Explanation{Record: fmt.Sprintf("%s:%d", t.Type, id), User: userID}
	var rec *explained
	ownerUser := "NULL::bigint"
	if t.OwnerUser != "" {
		ownerUser = "a." + t.OwnerUser
	}
	err = s.DB.Tx(ctx, subject.Scope(), func(tx *sqlx.Tx) error {
		// Read under the subject's own row-level security: a record it cannot
		// reach is no row at all.
		var x explained
		err := tx.GetContext(ctx, &x, `SELECT a.owner_org_id, o.name AS owner_org_name, `+ownerUser+` AS owner_user_id, a.writer_orgs
			FROM `+t.Table+` a`+JoinOwnerOrg+` WHERE a.network_id = $1 AND a.id = $2`, a.Network, id)
		switch {
		case err == nil:
			rec = &x
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		switch {
		case rec != nil && rec.Owner == subject.Org:
			e.Rules = append(e.Rules, Rule{Rule: "owner_org", Grants: true, Detail: fmt.Sprintf("The %s belongs to the user's organization.", t.Noun)})
		case rec != nil:
			var sh []Share
			if err := tx.SelectContext(ctx, &sh, `SELECT s.network_id, s.id, s.record_type, s.record_id, s.owner_org_id, s.grantee_org_id, '' AS grantee_name, s.access, s.reason, s.created_by, s.created_at
				FROM shares s WHERE s.network_id = $1 AND s.record_type = $2 AND s.record_id = $3 AND s.grantee_org_id = $4`, a.Network, t.Type, id, subject.Org); err != nil {
				return err
			}
			for _, x := range sh {
				e.Rules = append(e.Rules, Rule{Rule: "share", Grants: true,
					Detail: fmt.Sprintf("%s shared it with the user's organization for %s on %s (%s).", rec.OwnerName, x.Access, x.CreatedAt.Format("2006-01-02"), x.Reason)})
			}
		default:
			e.Rules = append(e.Rules, Rule{Rule: "owner_org", Grants: false, Detail: fmt.Sprintf("The %s does not belong to the user's organization.", t.Noun)},
				Rule{Rule: "share", Grants: false, Detail: "No share grants the user's organization access to it."})
		}
		// The family's own rules are about other organizations' records (a
		// partner's policy showing one in account mapping): an organization's own
		// record has none, and asking can cost a mapping per partnership.
		if t.Explain != nil && (rec == nil || rec.Owner != subject.Org) {
			more, err := t.Explain(ctx, tx, subject, id)
			if err != nil {
				return err
			}
			e.Rules = append(e.Rules, more...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	roleReads := subject.Role.AtLeast(Viewer)
	e.Rules = append(e.Rules, Rule{Rule: "role", Grants: roleReads, Detail: roleDetail(u, t)})
	e.CanRead = rec != nil && roleReads
	if rec != nil {
		e.CanWrite = CanWrite(subject, rec.Owner, rec.OwnerUser, rec.Writers) && u.Status == "active"
	}
	if !e.CanRead && len(e.Rules) == 1 {
		e.Rules = append([]Rule{{Rule: "owner_org", Grants: false, Detail: fmt.Sprintf("No rule grants the user's organization access to this %s.", t.Noun)}}, e.Rules...)
	}
	return e, nil
}

// CanWrite says whether a may change a shared record: the owner organization's
// managers and admins, the owning sales user, and the managers and admins of an
// organization the record is shared with for writing.
func CanWrite(a Actor, owner int64, ownerUser *int64, writers []int64) bool {
	if owner == a.Org {
		return a.Role.AtLeast(Manager) || (a.Role == Sales && ownerUser != nil && *ownerUser == a.User && a.User != 0)
	}
	for _, o := range writers {
		if o == a.Org {
			return a.Role.AtLeast(Manager)
		}
	}
	return false
}

func roleDetail(u *User, t *Shareable) string {
	if u.Status != "active" {
		return fmt.Sprintf("The user is %s, so no role applies.", u.Status)
	}
	switch u.Role {
	case Admin, Manager:
		return fmt.Sprintf("The %s role reads and changes every %s the organization can reach (changes to a partner's %s need a write share).", u.Role, t.Noun, t.Noun)
	case Sales:
		return fmt.Sprintf("The sales role reads every %s the organization can reach and changes the %s the user owns.", t.Noun, t.Nouns)
	}
	return "The viewer role reads and never changes."
}
