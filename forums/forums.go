// Package forums holds the shared forums (issue 20): spaces attached to what
// they are about (the whole network, a tier or kind of partner, a partnership,
// a shareable record such as an account or a deal registration, or private
// spaces by invitation); threads and posts in Markdown, rendered safely, with
// edits kept, replies, quotes and @mentions; Q&A spaces with accepted
// answers; following, unread markers and in-app notifications; moderation
// (pin, lock, hide, reports); and search in English and Portuguese.
//
// Who may see a space is decided by what it hangs on, in the SQL of every
// statement (Visible), read live from the partners core's tables through the
// conditions the core lends (partners.ActivePartnershipSide, OrgHas,
// RecordReadableBy): a revoked partnership or a removed share closes the space
// to the other side at once. Row-level security is the net (see migration
// 00031). A new record family gets spaces by registering as a shareable type
// with the partners core (deals and promotions do): a record space names
// record_type and record_id, and whoever can read the record can read its space.
package forums

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/apperr"
	auditlog "github.com/partnerhub/partnerhub/internal/audit"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/partners"
)

// Scopes of a space.
const (
	ScopeNetwork     = "network"
	ScopeTier        = "tier"
	ScopeKind        = "kind"
	ScopePartnership = "partnership"
	ScopeRecord      = "record"
	ScopePrivate     = "private"
)

// Service runs the forums.
type Service struct {
	DB *db.DB
	// Secret signs the links in digests that stop forum email (the hub's
	// SECRET_KEY); without it no such link is valid.
	Secret []byte
}

// Space is a place for threads, attached to what it is about.
type Space struct {
	Network     int64         `db:"network_id" json:"-"`
	ID          int64         `db:"id" json:"id"`
	Scope       string        `db:"scope" json:"scope"`
	Value       string        `db:"scope_value" json:"value,omitempty"`
	RecordType  string        `db:"record_type" json:"record_type,omitempty"`
	RecordID    *int64        `db:"record_id" json:"record_id,omitempty"`
	Kind        string        `db:"kind" json:"-"`
	QA          bool          `db:"-" json:"qa"`
	Name        string        `db:"name" json:"name"`
	Description string        `db:"description" json:"description"`
	OwnerOrg    int64         `db:"owner_org_id" json:"owner_org_id"`
	CreatedBy   *int64        `db:"created_by" json:"created_by"`
	MemberOrgs  pq.Int64Array `db:"member_orgs" json:"-"`
	CreatedAt   time.Time     `db:"created_at" json:"created_at"`
	Following   bool          `db:"following" json:"following"`
	Moderator   bool          `db:"-" json:"can_moderate"`
}

const spaceColumns = `sp.network_id, sp.id, sp.scope, sp.scope_value, sp.record_type, sp.record_id, sp.kind, sp.name, sp.description,
	sp.owner_org_id, sp.created_by, sp.member_orgs, sp.created_at,
	EXISTS (SELECT 1 FROM forum_follows f WHERE f.network_id = sp.network_id AND f.user_id = $3 AND f.space_id = sp.id AND f.thread_id = 0) AS following`

func (sp *Space) finish(a partners.Actor) {
	sp.QA = sp.Kind == "qa"
	sp.Moderator = moderates(a, sp)
}

// moderates: the managers and admins of the space's owner organization
// moderate it.
func moderates(a partners.Actor, sp *Space) bool {
	return a.Org == sp.OwnerOrg && a.Role.AtLeast(partners.Manager)
}

// Visible is the SQL condition that the space aliased sp may be seen by the
// organization org and the user (0 for an API key), all three SQL expressions
// (the network is sp's own): the visibility path of every forums statement.
//
//   - network: every organization of the network;
//   - tier, kind: the vendor, and the organizations of that tier or kind now;
//   - partnership: the two sides while the partnership is active;
//   - record: the organizations that can read the record (owner or reader_orgs)
//     of any shareable type registered with the partners core;
//   - private: the invited users.
func Visible(sp, org, user string) string {
	n := sp + ".network_id"
	var records []string
	for _, t := range partners.ShareableTypes() {
		records = append(records, `(`+sp+`.record_type = '`+t+`' AND `+partners.RecordReadableBy(t, n, sp+".record_id", org)+`)`)
	}
	recordCond := "false"
	if len(records) > 0 {
		recordCond = strings.Join(records, " OR ")
	}
	return `(` + sp + `.scope = 'network'
	 OR (` + sp + `.scope = 'tier' AND (` + partners.IsVendorOrg(n, org) + ` OR ` + partners.OrgHas(n, org, "tier", sp+".scope_value") + `))
	 OR (` + sp + `.scope = 'kind' AND (` + partners.IsVendorOrg(n, org) + ` OR ` + partners.OrgHas(n, org, "kind", sp+".scope_value") + `))
	 OR (` + sp + `.scope = 'partnership' AND ` + partners.ActivePartnershipSide(n, sp+".record_id", org) + `)
	 OR (` + sp + `.scope = 'record' AND (` + recordCond + `))
	 OR (` + sp + `.scope = 'private' AND EXISTS (SELECT 1 FROM forum_members m WHERE m.network_id = ` + n + ` AND m.space_id = ` + sp + `.id AND m.user_id = ` + user + `)))`
}

// SpaceInput makes a space. Scope says what it hangs on: "network"; "tier" or
// "kind" with Value; "partnership" with PartnershipID; "record" with
// RecordType and RecordID; "private" with Members (user ids).
type SpaceInput struct {
	Scope         string  `json:"scope"`
	Value         string  `json:"value"`
	PartnershipID int64   `json:"partnership_id"`
	RecordType    string  `json:"record_type"`
	RecordID      int64   `json:"record_id"`
	Members       []int64 `json:"members"`
	Name          string  `json:"name"`
	Description   string  `json:"description"`
	QA            bool    `json:"qa"`
}

// CreateSpace makes a space. The vendor's managers make network, tier and
// kind spaces; a side's managers make its partnership's; whoever can read a
// record (sales and above) makes its space; people (not API keys) with the
// sales role make private spaces and invite members (a person is a member
// of the private space they make; an API key names the members). One space per partnership
// and per record; the network, a tier and a kind may have several. Errors: Forbidden, Invalid, NotFound, Conflict.
func (s *Service) CreateSpace(ctx context.Context, a partners.Actor, in SpaceInput) (*Space, error) {
	in.Name = strings.TrimSpace(in.Name)
	in.Description = strings.TrimSpace(in.Description)
	if in.Name == "" || len([]rune(in.Name)) > 120 {
		return nil, apperr.Field("name", "must be 1 to 120 characters")
	}
	if len([]rune(in.Description)) > 2000 {
		return nil, apperr.Field("description", "must be at most 2000 characters")
	}
	kind := "discussion"
	if in.QA {
		kind = "qa"
	}
	var anchor, recordType string
	var recordID *int64
	var memberOrgs []int64
	switch in.Scope {
	case ScopeNetwork:
		if err := a.RequireVendor(partners.Manager); err != nil {
			return nil, err
		}
	case ScopeTier, ScopeKind:
		if err := a.RequireVendor(partners.Manager); err != nil {
			return nil, err
		}
		check := partners.ValidTier
		if in.Scope == ScopeKind {
			check = partners.ValidKind
		}
		if err := check(in.Value); err != nil {
			return nil, apperr.Field("value", "%q is not a %s", in.Value, in.Scope)
		}
	case ScopePartnership:
		if err := a.Require(partners.Manager); err != nil {
			return nil, err
		}
		if in.PartnershipID <= 0 {
			return nil, apperr.Field("partnership_id", "is required for a partnership space")
		}
		recordID = &in.PartnershipID
		anchor = fmt.Sprintf("partnership:%d", in.PartnershipID)
	case ScopeRecord:
		if err := a.Require(partners.Sales); err != nil {
			return nil, err
		}
		if !partners.IsShareable(in.RecordType) {
			return nil, apperr.Field("record_type", "%q is not one of %s", in.RecordType, strings.Join(partners.ShareableTypes(), ", "))
		}
		if in.RecordID <= 0 {
			return nil, apperr.Field("record_id", "is required for a record space")
		}
		recordType, recordID = in.RecordType, &in.RecordID
		anchor = fmt.Sprintf("record:%s:%d", in.RecordType, in.RecordID)
	case ScopePrivate:
		if err := a.Require(partners.Sales); err != nil {
			return nil, err
		}
		if a.User == 0 && len(in.Members) == 0 {
			return nil, apperr.Field("members", "name the members: a private space made with an API key has no member otherwise")
		}
		if len(in.Members) > 200 {
			return nil, apperr.Field("members", "at most 200 members")
		}
	default:
		return nil, apperr.Field("scope", "%q is not one of network, tier, kind, partnership, record, private", in.Scope)
	}
	var out Space
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		members := map[int64]int64{}
		switch in.Scope {
		case ScopePartnership:
			orgA, orgB, active, err := partners.PartnershipSides(ctx, tx, a.Network, in.PartnershipID)
			if err != nil || (orgA != a.Org && orgB != a.Org) {
				return apperr.Field("partnership_id", "no partnership %d of your organization", in.PartnershipID)
			}
			if !active {
				return apperr.Field("partnership_id", "partnership %d is not active", in.PartnershipID)
			}
			memberOrgs = []int64{orgA, orgB}
		case ScopeRecord:
			var ok bool
			if err := tx.GetContext(ctx, &ok, `SELECT `+partners.RecordReadableBy(recordType, "$1", "$2", "$3"), a.Network, in.RecordID, a.Org); err != nil {
				return err
			}
			if !ok {
				return apperr.Field("record_id", "no %s %d that your organization can see", recordType, in.RecordID)
			}
		case ScopePrivate:
			if a.User != 0 {
				members[a.User] = a.Org
			}
			memberOrgs = []int64{a.Org}
			for i, id := range in.Members {
				u, err := userOf(ctx, tx, a.Network, id)
				if err != nil {
					return apperr.Field(fmt.Sprintf("members[%d]", i), "no active user %d in this network", id)
				}
				if _, dup := members[u.ID]; !dup {
					members[u.ID] = u.Org
					if !contains(memberOrgs, u.Org) {
						memberOrgs = append(memberOrgs, u.Org)
					}
				}
			}
		}
		var orgs any
		if memberOrgs != nil {
			orgs = pq.Int64Array(memberOrgs)
		}
		var id int64
		err := tx.GetContext(ctx, &id, `INSERT INTO forum_spaces (network_id, scope, scope_value, record_type, record_id, anchor, kind, name, description, owner_org_id, created_by, member_orgs)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (network_id, anchor) WHERE anchor <> '' DO NOTHING RETURNING id`,
			a.Network, in.Scope, in.Value, recordType, recordID, anchor, kind, in.Name, in.Description, a.Org, nullID(a.User), orgs)
		if errors.Is(err, errNoRows) {
			var existing int64
			if err := tx.GetContext(ctx, &existing, `SELECT id FROM forum_spaces WHERE network_id = $1 AND anchor = $2`, a.Network, anchor); err != nil {
				return apperr.E(apperr.Conflict, "There is already a space for this.")
			}
			return apperr.E(apperr.Conflict, "There is already a space for this: space %d.", existing)
		}
		if err != nil {
			return err
		}
		for user, org := range members {
			if _, err := tx.ExecContext(ctx, `INSERT INTO forum_members (network_id, space_id, user_id, org_id, added_by) VALUES ($1, $2, $3, $4, $5)`,
				a.Network, id, user, org, nullID(a.User)); err != nil {
				return err
			}
			if user != a.User {
				if err := send(ctx, tx, a.Network, org, user, "forum.invited", fmt.Sprintf("/forums/spaces/%d", id),
					l10n.M("Forum invitation"), l10n.M("%s invited you to the private space %q.", a.Name, in.Name)); err != nil {
					return err
				}
			}
		}
		if err := tx.GetContext(ctx, &out, `SELECT `+spaceColumns+` FROM forum_spaces sp WHERE sp.network_id = $1 AND sp.id = $4 AND $2::bigint > 0`,
			a.Network, a.Org, a.User, id); err != nil {
			return err
		}
		return audit(ctx, tx, a, "forum.space.create", "forum_space", id, map[string]any{"scope": in.Scope, "anchor": anchor, "name": in.Name})
	})
	if err != nil {
		return nil, err
	}
	out.finish(a)
	return &out, nil
}

// space reads a space the actor can see, in tx. Errors: NotFound.
func (s *Service) space(ctx context.Context, tx *sqlx.Tx, a partners.Actor, id int64) (*Space, error) {
	var sp Space
	err := tx.GetContext(ctx, &sp, `SELECT `+spaceColumns+` FROM forum_spaces sp WHERE sp.network_id = $1 AND sp.id = $4 AND `+Visible("sp", "$2::bigint", "$3::bigint"),
		a.Network, a.Org, a.User, id)
	if err != nil {
		return nil, db.Absent(err, "Space %d not found.", id)
	}
	sp.finish(a)
	return &sp, nil
}

// Space returns a space the actor can see. Errors: NotFound.
func (s *Service) Space(ctx context.Context, a partners.Actor, id int64) (*Space, error) {
	var out *Space
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var err error
		out, err = s.space(ctx, tx, a, id)
		return err
	})
	return out, err
}

// Spaces lists the spaces the actor can see: the network's first, then tiers
// and kinds, partnerships, records and private spaces, each by name.
func (s *Service) Spaces(ctx context.Context, a partners.Actor) ([]Space, error) {
	var out []Space
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `SELECT `+spaceColumns+` FROM forum_spaces sp WHERE sp.network_id = $1 AND `+Visible("sp", "$2::bigint", "$3::bigint")+`
			ORDER BY array_position(ARRAY['network','tier','kind','partnership','record','private'], sp.scope), sp.name, sp.id LIMIT 500`,
			a.Network, a.Org, a.User)
	})
	for i := range out {
		out[i].finish(a)
	}
	if out == nil {
		out = []Space{}
	}
	return out, err
}

// canSee reports whether org (and user, 0 for none) may see space id, in tx:
// before anyone is mentioned or notified.
func canSee(ctx context.Context, tx *sqlx.Tx, network, space, org, user int64) (bool, error) {
	var ok bool
	err := tx.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM forum_spaces sp WHERE sp.network_id = $1 AND sp.id = $4 AND `+Visible("sp", "$2::bigint", "$3::bigint")+`)`,
		network, org, user, space)
	return ok, err
}

// forumUser is an active user of the network, whatever their organization.
type forumUser struct {
	ID   int64  `db:"id"`
	Org  int64  `db:"org_id"`
	Name string `db:"name"`
}

func userOf(ctx context.Context, tx *sqlx.Tx, network, id int64) (*forumUser, error) {
	org, name, err := partners.NetworkUser(ctx, tx, network, id)
	if err != nil {
		return nil, err
	}
	return &forumUser{ID: id, Org: org, Name: name}, nil
}

// Leave takes the actor out of a private space's members (and their follows
// of it). Errors: NotFound, Invalid (not a private space).
func (s *Service) Leave(ctx context.Context, a partners.Actor, id int64) error {
	return s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		sp, err := s.space(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if sp.Scope != ScopePrivate {
			return apperr.E(apperr.Invalid, "Only private spaces are left: who sees space %d follows what it hangs on.", id)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM forum_members WHERE network_id = $1 AND space_id = $2 AND user_id = $3`, a.Network, id, a.User); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM forum_follows WHERE network_id = $1 AND space_id = $2 AND user_id = $3`, a.Network, id, a.User); err != nil {
			return err
		}
		return audit(ctx, tx, a, "forum.space.leave", "forum_space", id, nil)
	})
}

// Invite adds users to a private space; its moderators invite. Errors:
// Forbidden, NotFound, Invalid.
func (s *Service) Invite(ctx context.Context, a partners.Actor, id int64, users []int64) (*Space, error) {
	if len(users) == 0 || len(users) > 200 {
		return nil, apperr.Field("members", "name 1 to 200 users")
	}
	var out *Space
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		sp, err := s.space(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if !sp.Moderator {
			return apperr.E(apperr.Forbidden, "Members are invited by the space's moderators.")
		}
		if sp.Scope != ScopePrivate {
			return apperr.E(apperr.Invalid, "Only private spaces take invitations: who sees space %d follows what it hangs on.", id)
		}
		orgs := []int64(sp.MemberOrgs)
		for i, uid := range users {
			u, err := userOf(ctx, tx, a.Network, uid)
			if err != nil {
				return apperr.Field(fmt.Sprintf("members[%d]", i), "no active user %d in this network", uid)
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO forum_members (network_id, space_id, user_id, org_id, added_by) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (network_id, space_id, user_id) DO NOTHING`, a.Network, id, u.ID, u.Org, nullID(a.User))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			if !contains(orgs, u.Org) {
				orgs = append(orgs, u.Org)
			}
			if err := send(ctx, tx, a.Network, u.Org, u.ID, "forum.invited", fmt.Sprintf("/forums/spaces/%d", id),
				l10n.M("Forum invitation"), l10n.M("%s invited you to the private space %q.", a.Name, sp.Name)); err != nil {
				return err
			}
		}
		if len(orgs) != len(sp.MemberOrgs) {
			// The net follows the members: the space and everything in it.
			for _, table := range []string{"forum_spaces SET member_orgs = $3 WHERE network_id = $1 AND id = $2",
				"forum_threads SET member_orgs = $3 WHERE network_id = $1 AND space_id = $2",
				"forum_posts SET member_orgs = $3 WHERE network_id = $1 AND space_id = $2",
				"forum_attachments SET member_orgs = $3 WHERE network_id = $1 AND space_id = $2",
				"forum_post_edits e SET member_orgs = $3 WHERE e.network_id = $1 AND e.post_id IN (SELECT p.id FROM forum_posts p WHERE p.network_id = $1 AND p.space_id = $2)"} {
				if _, err := tx.ExecContext(ctx, "UPDATE "+table, a.Network, id, pq.Int64Array(orgs)); err != nil {
					return err
				}
			}
		}
		if err := audit(ctx, tx, a, "forum.space.invite", "forum_space", id, map[string]any{"users": users}); err != nil {
			return err
		}
		out, err = s.space(ctx, tx, a, id)
		return err
	})
	return out, err
}

func contains(xs []int64, x int64) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func nullID(v int64) any {
	if v <= 0 {
		return nil
	}
	return v
}

func audit(ctx context.Context, tx *sqlx.Tx, a partners.Actor, action, targetType string, id int64, detail map[string]any) error {
	return auditlog.Append(ctx, tx, auditlog.Entry{Network: a.Network, Org: a.Org, User: a.User, Actor: a.Label(), Action: action,
		TargetType: targetType, TargetID: fmt.Sprint(id), Detail: detail})
}

// RecordSpace returns the first space (by id) the actor can see that hangs
// on a record, or nil when there is none: the record's page links to it.
func (s *Service) RecordSpace(ctx context.Context, a partners.Actor, recordType string, id int64) (*Space, error) {
	var out []Space
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `SELECT `+spaceColumns+` FROM forum_spaces sp WHERE sp.network_id = $1 AND sp.scope = 'record'
			AND sp.record_type = $4 AND sp.record_id = $5 AND `+Visible("sp", "$2::bigint", "$3::bigint")+` ORDER BY sp.id LIMIT 1`,
			a.Network, a.Org, a.User, recordType, id)
	})
	if err != nil || len(out) == 0 {
		return nil, err
	}
	out[0].finish(a)
	return &out[0], nil
}

// SpaceUpdate changes a space's name, description and kind (Q&A or
// discussion); nil leaves one as it is. What a space hangs on never changes.
type SpaceUpdate struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	QA          *bool   `json:"qa"`
}

// UpdateSpace changes a space: its moderators. Errors: Forbidden, Invalid,
// NotFound.
func (s *Service) UpdateSpace(ctx context.Context, a partners.Actor, id int64, in SpaceUpdate) (*Space, error) {
	if in.Name == nil && in.Description == nil && in.QA == nil {
		return nil, apperr.Field("name", "name at least one of name, description, qa")
	}
	var out *Space
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		sp, err := s.space(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if err := requireModerator(a, sp); err != nil {
			return err
		}
		name, desc, kind := sp.Name, sp.Description, sp.Kind
		if in.Name != nil {
			name = strings.TrimSpace(*in.Name)
			if name == "" || len([]rune(name)) > 120 {
				return apperr.Field("name", "must be 1 to 120 characters")
			}
		}
		if in.Description != nil {
			desc = strings.TrimSpace(*in.Description)
			if len([]rune(desc)) > 2000 {
				return apperr.Field("description", "must be at most 2000 characters")
			}
		}
		if in.QA != nil {
			kind = "discussion"
			if *in.QA {
				kind = "qa"
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE forum_spaces SET name = $3, description = $4, kind = $5 WHERE network_id = $1 AND id = $2`,
			a.Network, id, name, desc, kind); err != nil {
			return err
		}
		if err := audit(ctx, tx, a, "forum.space.update", "forum_space", id, map[string]any{"name": name, "kind": kind}); err != nil {
			return err
		}
		out, err = s.space(ctx, tx, a, id)
		return err
	})
	return out, err
}

// Member is a member of a private space.
type Member struct {
	UserID int64  `json:"user_id"`
	OrgID  int64  `json:"org_id"`
	Name   string `json:"name"`
}

// Members lists a private space's members (whoever sees the space sees who
// else does), by name. Errors: NotFound, Invalid (not a private space).
func (s *Service) Members(ctx context.Context, a partners.Actor, id int64) ([]Member, error) {
	var out []Member
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		sp, err := s.space(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if sp.Scope != ScopePrivate {
			return apperr.E(apperr.Invalid, "Only private spaces have members: who sees space %d follows what it hangs on.", id)
		}
		var rows []struct {
			User int64 `db:"user_id"`
			Org  int64 `db:"org_id"`
		}
		if err := tx.SelectContext(ctx, &rows, `SELECT user_id, org_id FROM forum_members WHERE network_id = $1 AND space_id = $2 ORDER BY user_id LIMIT 1000`, a.Network, id); err != nil {
			return err
		}
		for _, r := range rows {
			m := Member{UserID: r.User, OrgID: r.Org}
			if u, err := userOf(ctx, tx, a.Network, r.User); err == nil {
				m.Name = u.Name
			} else if apperr.KindOf(err) != apperr.NotFound {
				return err
			}
			out = append(out, m)
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	if out == nil {
		out = []Member{}
	}
	return out, err
}

// RemoveMember takes a user out of a private space: its moderators. The
// space, its threads, posts and files stop being readable by the user's
// organization when no member of it is left (the owner's stays).
// Errors: Forbidden, Invalid, NotFound.
func (s *Service) RemoveMember(ctx context.Context, a partners.Actor, id, user int64) (*Space, error) {
	var out *Space
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		sp, err := s.space(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if !sp.Moderator {
			return apperr.E(apperr.Forbidden, "Members are removed by the space's moderators.")
		}
		if sp.Scope != ScopePrivate {
			return apperr.E(apperr.Invalid, "Only private spaces have members: who sees space %d follows what it hangs on.", id)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM forum_members WHERE network_id = $1 AND space_id = $2 AND user_id = $3`, a.Network, id, user)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Field("user_id", "user %d is not a member of space %d", user, id)
		}
		var left []int64
		if err := tx.SelectContext(ctx, &left, `SELECT DISTINCT org_id FROM forum_members WHERE network_id = $1 AND space_id = $2 ORDER BY org_id`, a.Network, id); err != nil {
			return err
		}
		orgs := []int64{sp.OwnerOrg}
		for _, o := range left {
			if !contains(orgs, o) {
				orgs = append(orgs, o)
			}
		}
		if len(orgs) != len(sp.MemberOrgs) {
			for _, table := range []string{"forum_threads SET member_orgs = $3 WHERE network_id = $1 AND space_id = $2",
				"forum_posts SET member_orgs = $3 WHERE network_id = $1 AND space_id = $2",
				"forum_attachments SET member_orgs = $3 WHERE network_id = $1 AND space_id = $2",
				"forum_post_edits e SET member_orgs = $3 WHERE e.network_id = $1 AND e.post_id IN (SELECT p.id FROM forum_posts p WHERE p.network_id = $1 AND p.space_id = $2)",
				"forum_spaces SET member_orgs = $3 WHERE network_id = $1 AND id = $2"} {
				if _, err := tx.ExecContext(ctx, "UPDATE "+table, a.Network, id, pq.Int64Array(orgs)); err != nil {
					return err
				}
			}
		}
		if err := audit(ctx, tx, a, "forum.space.remove_member", "forum_space", id, map[string]any{"user": user}); err != nil {
			return err
		}
		out, err = s.space(ctx, tx, a, id)
		return err
	})
	return out, err
}
