package accounts

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
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

// Explain says why user (of the actor's organization; the actor itself when 0) can
// or cannot read and write an account, naming each rule. Only the user's own
// admins (or the user) may ask. An account the user's organization cannot reach
// reveals nothing about itself: not its owner, not whether it exists.
// Errors: Forbidden, NotFound (the user).
func (s *Service) Explain(ctx context.Context, a partners.Actor, accountID, userID int64) (*Explanation, error) {
	var u *partners.User
	if userID == 0 && a.User == 0 {
		// An API key asks about itself.
		u = &partners.User{ID: 0, Org: a.Org, Role: a.Role, Status: "active", Name: a.Name}
	} else {
		if userID == 0 {
			userID = a.User
		}
		if userID != a.User {
			if err := a.Require(partners.Admin); err != nil {
				return nil, apperr.E(apperr.Forbidden, "Only your organization's admins may ask about another user's access.")
			}
		}
		var err error
		u, err = s.Partners.User(ctx, a, userID)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return nil, err
		}
		if err != nil || u.Org != a.Org {
			return nil, apperr.E(apperr.NotFound, "User %d not found in your organization.", userID)
		}
	}
	subject := partners.Actor{Network: a.Network, Org: u.Org, User: u.ID, APIKey: a.APIKey, Role: u.Role, VendorOrg: a.VendorOrg}
	if u.ID != 0 {
		subject.APIKey = 0
	}
	if u.Status != "active" {
		subject.Role = ""
	}
	e := &Explanation{Record: fmt.Sprintf("account:%d", accountID), User: userID}
	var acc *Account
	err := s.DB.Tx(ctx, subject.Scope(), func(tx *sqlx.Tx) error {
		var x Account
		if err := tx.GetContext(ctx, &x, `SELECT `+columns+fromAccounts+` WHERE a.network_id = $1 AND a.id = $2`, a.Network, accountID); err == nil {
			acc = &x
		}
		if acc != nil && acc.OwnerOrg == subject.Org {
			e.Rules = append(e.Rules, Rule{Rule: "owner_org", Grants: true, Detail: "The account belongs to the user's organization."})
		} else if acc != nil {
			var sh []partners.Share
			if err := tx.SelectContext(ctx, &sh, `SELECT s.network_id, s.id, s.record_type, s.record_id, s.owner_org_id, s.grantee_org_id, '' AS grantee_name, s.access, s.reason, s.created_by, s.created_at
				FROM shares s WHERE s.network_id = $1 AND s.record_type = 'account' AND s.record_id = $2 AND s.grantee_org_id = $3`, a.Network, accountID, subject.Org); err != nil {
				return err
			}
			for _, x := range sh {
				e.Rules = append(e.Rules, Rule{Rule: "share", Grants: true,
					Detail: fmt.Sprintf("%s shared it with the user's organization for %s on %s (%s).", acc.OwnerOrgNm, x.Access, x.CreatedAt.Format("2006-01-02"), x.Reason)})
			}
		} else {
			e.Rules = append(e.Rules, Rule{Rule: "owner_org", Grants: false, Detail: "The account does not belong to the user's organization."},
				Rule{Rule: "share", Grants: false, Detail: "No share grants the user's organization access to it."})
		}
		// Overlap records shown by account mapping under a partner's policy.
		var viaPolicy []struct {
			Partnership int64  `db:"partnership_id"`
			Partner     string `db:"partner_name"`
		}
		if err := tx.SelectContext(ctx, &viaPolicy, `
			SELECT p.id AS partnership_id, o.name AS partner_name
			  FROM partnerships p JOIN organizations o ON o.network_id = p.network_id AND o.id = CASE WHEN p.org_a = $2 THEN p.org_b ELSE p.org_a END
			 WHERE p.network_id = $1 AND p.state = 'active' AND $2 IN (p.org_a, p.org_b)
			   AND EXISTS (SELECT 1 FROM ph_account_mapping(p.id, true, $3 - 1, 1) m WHERE m.partner_account_id = $3)`, a.Network, subject.Org, accountID); err != nil {
			return err
		}
		for _, v := range viaPolicy {
			e.Rules = append(e.Rules, Rule{Rule: "policy", Grants: true,
				Detail: fmt.Sprintf("%s's sharing policy shows this account, with the fields it chose, in account mapping of partnership %d (it overlaps one of the user's organization's accounts, or is greenfield it allows).", v.Partner, v.Partnership)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	roleReads := subject.Role.AtLeast(partners.Viewer)
	e.Rules = append(e.Rules, Rule{Rule: "role", Grants: roleReads, Detail: roleDetail(u)})
	e.CanRead = acc != nil && roleReads
	if acc != nil {
		acc.decorate(subject)
		e.CanWrite = acc.CanWrite && u.Status == "active"
	}
	if !e.CanRead && len(e.Rules) == 1 {
		e.Rules = append([]Rule{{Rule: "owner_org", Grants: false, Detail: "No rule grants the user's organization access to this account."}}, e.Rules...)
	}
	return e, nil
}

func roleDetail(u *partners.User) string {
	if u.Status != "active" {
		return fmt.Sprintf("The user is %s, so no role applies.", u.Status)
	}
	switch u.Role {
	case partners.Admin, partners.Manager:
		return fmt.Sprintf("The %s role reads and changes every account the organization can reach (changes to a partner's account need a write share).", u.Role)
	case partners.Sales:
		return "The sales role reads every account the organization can reach and changes the accounts the user owns."
	}
	return "The viewer role reads and never changes."
}
