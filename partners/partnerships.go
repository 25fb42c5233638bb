package partners

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/internal/notify"
)

// Partnership links two organizations of a network.
type Partnership struct {
	Network   int64     `db:"network_id" json:"-"`
	ID        int64     `db:"id" json:"id"`
	OrgA      int64     `db:"org_a" json:"-"`
	OrgB      int64     `db:"org_b" json:"-"`
	InvitedBy int64     `db:"invited_by" json:"invited_by"`
	State     string    `db:"state" json:"state"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
	UpdatedAt time.Time `db:"updated_at" json:"updated_at"`
	// Partner is the other organization, from the asking organization's side.
	Partner     int64  `db:"partner_id" json:"partner_id"`
	PartnerName string `db:"partner_name" json:"partner_name"`
}

const partnershipSelect = `SELECT p.network_id, p.id, p.org_a, p.org_b, p.invited_by, p.state, p.created_at, p.updated_at,
	o.id AS partner_id, o.name AS partner_name
	FROM partnerships p JOIN organizations o ON o.network_id = p.network_id AND o.id = CASE WHEN p.org_a = $2 THEN p.org_b ELSE p.org_a END`

// InvitePartner asks another organization of the network to become a partner. An
// earlier declined or revoked partnership is invited again. Admins and managers.
// Errors: Forbidden, Invalid, Conflict (already invited or active).
func (s *Service) InvitePartner(ctx context.Context, a Actor, other int64) (*Partnership, error) {
	if err := a.Require(Manager); err != nil {
		return nil, err
	}
	if other == a.Org {
		return nil, apperr.Field("org_id", "an organization cannot partner with itself")
	}
	orgA, orgB := a.Org, other
	if orgB < orgA {
		orgA, orgB = orgB, orgA
	}
	var p Partnership
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var ok bool
		if err := tx.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM organizations WHERE network_id = $1 AND id = $2 AND status = 'active')`, a.Network, other); err != nil {
			return err
		}
		if !ok {
			return apperr.Field("org_id", "no active organization %d in this network", other)
		}
		var id int64
		err := tx.GetContext(ctx, &id, `
			INSERT INTO partnerships (network_id, org_a, org_b, invited_by) VALUES ($1, $2, $3, $4)
			ON CONFLICT (network_id, org_a, org_b) DO UPDATE SET state = 'invited', invited_by = $4, updated_at = EXCLUDED.updated_at
			  WHERE partnerships.state IN ('declined', 'revoked')
			RETURNING id`, a.Network, orgA, orgB, a.Org)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.E(apperr.Conflict, "A partnership with this organization is already invited or active.")
		}
		if err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &p, partnershipSelect+` WHERE p.network_id = $1 AND p.id = $3`, a.Network, a.Org, id); err != nil {
			return err
		}
		if err := s.notifyOrgAdmins(ctx, tx, a, other, "partnership.invited", "/partners", l10n.M("Partnership invitation"), func(from string) l10n.Msg {
			return l10n.M("%s invites your organization to partner: accept or decline it under Partners.", from)
		}); err != nil {
			return err
		}
		return a.audit(ctx, tx, "partnership.invite", "partnership", id, map[string]any{"partner": other})
	})
	return &p, err
}

// NotifyOrgAdmins notifies another organization's active admins inside tx, as
// notifyOrgAdmins does, for record families in subpackages.
func (s *Service) NotifyOrgAdmins(ctx context.Context, tx *sqlx.Tx, a Actor, org int64, kind, link string, title l10n.Msg, body func(from string) l10n.Msg) error {
	return s.notifyOrgAdmins(ctx, tx, a, org, kind, link, title, body)
}

// notifyOrgAdmins notifies another organization's active admins, each in their
// own language; body makes the text from the name of the actor's organization,
// which every such notification names.
func (s *Service) notifyOrgAdmins(ctx context.Context, tx *sqlx.Tx, a Actor, org int64, kind, link string, title l10n.Msg, body func(from string) l10n.Msg) error {
	var from string
	if err := tx.GetContext(ctx, &from, `SELECT name FROM organizations WHERE network_id = $1 AND id = $2`, a.Network, a.Org); err != nil {
		return err
	}
	text := body(from)
	// Each admin reads the notification in their own language.
	admins, err := OrgAdmins(ctx, tx, a.Network, org)
	if err != nil {
		return err
	}
	for _, id := range admins {
		if _, err := notify.Send(ctx, tx, a.Network, org, id, kind, title, text, link); err != nil {
			return err
		}
	}
	return nil
}

// OrgAdmins lists the active admins of org, in tx (to notify an organization).
// Another organization's users are not readable under the users policy but for
// its active admins, while the transaction names the organization in
// app.notify_org (migration 00028: the application role reads them itself, as a
// definer function reading after the transaction's writes fails on Citus).
func OrgAdmins(ctx context.Context, tx *sqlx.Tx, network, org int64) ([]int64, error) {
	if err := db.SetLocal(ctx, tx, "app.notify_org", org); err != nil {
		return nil, err
	}
	var ids []int64
	if err := tx.SelectContext(ctx, &ids, `SELECT id FROM users WHERE network_id = $1 AND org_id = $2 AND role = 'admin' AND status = 'active' ORDER BY id`, network, org); err != nil {
		return nil, err
	}
	return ids, db.SetLocal(ctx, tx, "app.notify_org", 0)
}

func (s *Service) partnership(ctx context.Context, tx *sqlx.Tx, a Actor, id int64, lock bool) (*Partnership, error) {
	var p Partnership
	q := partnershipSelect + ` WHERE p.network_id = $1 AND p.id = $3`
	if lock {
		q += ` FOR UPDATE OF p`
	}
	if err := tx.GetContext(ctx, &p, q, a.Network, a.Org, id); err != nil {
		return nil, db.Absent(err, "Partnership %d not found.", id)
	}
	return &p, nil
}

// RespondPartnership accepts or declines an invitation addressed to the actor's
// organization. Admins and managers. Errors: Forbidden, NotFound, Conflict.
func (s *Service) RespondPartnership(ctx context.Context, a Actor, id int64, accept bool) (*Partnership, error) {
	if err := a.Require(Manager); err != nil {
		return nil, err
	}
	var out *Partnership
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		p, err := s.partnership(ctx, tx, a, id, true)
		if err != nil {
			return err
		}
		if p.State != "invited" {
			return apperr.E(apperr.Conflict, "This partnership is %s, not waiting for an answer.", p.State)
		}
		if p.InvitedBy == a.Org {
			return apperr.E(apperr.Forbidden, "The invited organization answers the invitation, not the one that sent it.")
		}
		state, action := "declined", "partnership.decline"
		if accept {
			state, action = "active", "partnership.accept"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE partnerships SET state = $3, updated_at = now() WHERE network_id = $1 AND id = $2`, a.Network, id, state); err != nil {
			return err
		}
		title, body := l10n.M("Partnership declined"), func(from string) l10n.Msg { return l10n.M("%s declined your partnership invitation.", from) }
		if accept {
			title, body = l10n.M("Partnership accepted"), func(from string) l10n.Msg { return l10n.M("%s accepted your partnership invitation.", from) }
		}
		if err := s.notifyOrgAdmins(ctx, tx, a, p.Partner, "partnership."+state, "/partners", title, body); err != nil {
			return err
		}
		if err := a.audit(ctx, tx, action, "partnership", id, map[string]any{"partner": p.Partner}); err != nil {
			return err
		}
		out, err = s.partnership(ctx, tx, a, id, false)
		return err
	})
	return out, err
}

// RevokePartnership ends a partnership from either side. Everything the two
// organizations shared with each other stops being shared at once: record shares
// between them are removed and their sharing policies reset to hidden. Admins and
// managers. Errors: Forbidden, NotFound, Conflict.
func (s *Service) RevokePartnership(ctx context.Context, a Actor, id int64) (*Partnership, error) {
	if err := a.Require(Manager); err != nil {
		return nil, err
	}
	var out *Partnership
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		p, err := s.partnership(ctx, tx, a, id, true)
		if err != nil {
			return err
		}
		if p.State == "revoked" || p.State == "declined" {
			return apperr.E(apperr.Conflict, "This partnership is already %s.", p.State)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE partnerships SET state = 'revoked', updated_at = now() WHERE network_id = $1 AND id = $2`, a.Network, id); err != nil {
			return err
		}
		n, err := revokeSharesBetween(ctx, tx, a.Network, a.Org, p.OrgA, p.OrgB)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `SELECT ph_reset_policies($1, $2)`, a.Network, id); err != nil {
			return err
		}
		if err := s.notifyOrgAdmins(ctx, tx, a, p.Partner, "partnership.revoked", "/partners", l10n.M("Partnership revoked"), func(from string) l10n.Msg {
			return l10n.M("%s revoked its partnership with your organization; what either shared is no longer visible.", from)
		}); err != nil {
			return err
		}
		if err := a.audit(ctx, tx, "partnership.revoke", "partnership", id, map[string]any{"partner": p.Partner, "shares_removed": n}); err != nil {
			return err
		}
		out, err = s.partnership(ctx, tx, a, id, false)
		return err
	})
	return out, err
}

// Partnerships lists the actor's organization's partnerships, optionally in a state.
func (s *Service) Partnerships(ctx context.Context, a Actor, state string) ([]Partnership, error) {
	var out []Partnership
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, partnershipSelect+`
			WHERE p.network_id = $1 AND (p.org_a = $2 OR p.org_b = $2) AND ($3 = '' OR p.state = $3)
			ORDER BY o.name, p.id`, a.Network, a.Org, state)
	})
	return out, err
}

// ActivePartnerships lists org's active partnerships by id, in tx (a record
// family's explanation asks which partners' policies show a record).
func ActivePartnerships(ctx context.Context, tx *sqlx.Tx, network, org int64) ([]Partnership, error) {
	var out []Partnership
	err := tx.SelectContext(ctx, &out, partnershipSelect+`
		WHERE p.network_id = $1 AND (p.org_a = $2 OR p.org_b = $2) AND p.state = 'active'
		ORDER BY p.id`, network, org)
	return out, err
}

// Partnership returns one partnership of the actor's organization. Errors: NotFound.
func (s *Service) Partnership(ctx context.Context, a Actor, id int64) (*Partnership, error) {
	var p *Partnership
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) (err error) {
		p, err = s.partnership(ctx, tx, a, id, false)
		return err
	})
	return p, err
}

// SharingPolicy is what an owner organization lets its partner see of its accounts.
type SharingPolicy struct {
	Partnership int64           `db:"partnership_id" json:"partnership_id"`
	Owner       int64           `db:"owner_org_id" json:"owner_org_id"`
	Grantee     int64           `db:"grantee_org_id" json:"grantee_org_id"`
	Level       string          `db:"level" json:"level"`
	Fields      pq.StringArray  `db:"fields" json:"fields"`
	Segment     json.RawMessage `db:"segment" json:"segment"`
	Greenfield  bool            `db:"greenfield" json:"greenfield"`
	UpdatedAt   *time.Time      `db:"updated_at" json:"updated_at"`
}

// ShareableFields are the account fields a policy may share.
var ShareableFields = []string{"name", "domains", "duns", "cnpj", "vat", "industry", "size", "region", "city", "country", "tags"}

// PolicyInput sets one direction of a partnership's sharing.
type PolicyInput struct {
	Level      string              `json:"level"`
	Fields     []string            `json:"fields"`
	Segment    map[string][]string `json:"segment"`
	Greenfield bool                `json:"greenfield"`
}

func (in *PolicyInput) validate() error {
	if err := oneOf("level", in.Level, []string{"hidden", "counts", "records"}); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, f := range in.Fields {
		ok := false
		for _, s := range ShareableFields {
			ok = ok || f == s
		}
		if !ok {
			return apperr.Field("fields", "%q is not a shareable account field (one of %s)", f, strings.Join(ShareableFields, ", "))
		}
		seen[f] = true
	}
	if in.Level == "records" && len(in.Fields) == 0 {
		in.Fields = []string{"name", "domains"}
	}
	if in.Level != "records" || in.Fields == nil {
		in.Fields = []string{}
	}
	for k, vals := range in.Segment {
		if k != "region" && k != "industry" && k != "tag" {
			return apperr.Field("segment", "%q is not a segment filter (region, industry or tag)", k)
		}
		if len(vals) == 0 || len(vals) > 50 {
			return apperr.Field("segment."+k, "must list 1 to 50 values")
		}
	}
	if in.Greenfield && in.Level == "hidden" {
		return apperr.Field("greenfield", "needs a level of counts or records")
	}
	return nil
}

// SetSharingPolicy sets what the actor's organization lets its partner see of its
// accounts in an active partnership. Admins only. Errors: Forbidden, Invalid,
// NotFound, Conflict (partnership not active).
func (s *Service) SetSharingPolicy(ctx context.Context, a Actor, partnership int64, in PolicyInput) (*SharingPolicy, error) {
	if err := a.Require(Admin); err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	seg, _ := json.Marshal(in.Segment)
	if in.Segment == nil {
		seg = []byte("{}")
	}
	var out SharingPolicy
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		p, err := s.partnership(ctx, tx, a, partnership, true)
		if err != nil {
			return err
		}
		if p.State != "active" {
			return apperr.E(apperr.Conflict, "Sharing is set on active partnerships; this one is %s.", p.State)
		}
		if err := tx.GetContext(ctx, &out, `
			INSERT INTO sharing_policies (network_id, partnership_id, owner_org_id, grantee_org_id, level, fields, segment, greenfield)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (network_id, partnership_id, owner_org_id) DO UPDATE SET level = $5, fields = $6, segment = $7, greenfield = $8, updated_at = EXCLUDED.updated_at
			RETURNING partnership_id, owner_org_id, grantee_org_id, level, fields, segment, greenfield, updated_at`,
			a.Network, partnership, a.Org, p.Partner, in.Level, pq.StringArray(in.Fields), string(seg), in.Greenfield); err != nil {
			return err
		}
		return a.audit(ctx, tx, "sharing_policy.set", "partnership", partnership, map[string]any{"level": in.Level, "fields": in.Fields, "segment": in.Segment, "greenfield": in.Greenfield})
	})
	return &out, err
}

// SharingPolicies returns both directions of a partnership's sharing: mine (what I
// let the partner see) and theirs (what the partner lets me see). A direction never
// set is hidden.
func (s *Service) SharingPolicies(ctx context.Context, a Actor, partnership int64) (mine, theirs *SharingPolicy, err error) {
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		p, err := s.partnership(ctx, tx, a, partnership, false)
		if err != nil {
			return err
		}
		var rows []SharingPolicy
		if err := tx.SelectContext(ctx, &rows, `SELECT partnership_id, owner_org_id, grantee_org_id, level, fields, segment, greenfield, updated_at
			FROM sharing_policies WHERE network_id = $1 AND partnership_id = $2`, a.Network, partnership); err != nil {
			return err
		}
		mine = &SharingPolicy{Partnership: partnership, Owner: a.Org, Grantee: p.Partner, Level: "hidden", Fields: pq.StringArray{}, Segment: json.RawMessage("{}")}
		theirs = &SharingPolicy{Partnership: partnership, Owner: p.Partner, Grantee: a.Org, Level: "hidden", Fields: pq.StringArray{}, Segment: json.RawMessage("{}")}
		for i := range rows {
			if rows[i].Owner == a.Org {
				mine = &rows[i]
			} else {
				theirs = &rows[i]
			}
		}
		return nil
	})
	return mine, theirs, err
}
