// Package promotions holds joint promotions and their market-development funds
// (issue 19): an organization (the vendor or a partner) drafts a promotion,
// publishes it, invites organizations by id or by tier and kind, and they
// enroll, decline or withdraw; the vendor keeps funds per period, allocates
// them to partners, and decides the partners' fund requests in full, in part or
// not at all.
//
// Who sees what is in the SQL: the owner and the invited organizations read a
// promotion whole, the rest of the network reads only the summary of a
// published, active or ended one, and row-level security (migration 00034)
// keeps drafts and cancelled promotions from anyone else underneath.
package promotions

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/forums"
	"github.com/partnerhub/partnerhub/internal/apperr"
	auditlog "github.com/partnerhub/partnerhub/internal/audit"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/partners"
)

// States of a promotion.
const (
	Draft     = "draft"
	Published = "published"
	Active    = "active"
	Ended     = "ended"
	Cancelled = "cancelled"
)

// States of a participation.
const (
	Invited   = "invited"
	Enrolled  = "enrolled"
	Declined  = "declined"
	Withdrawn = "withdrawn"
)

// Promotion is a joint promotion as its reader sees it: whole for its owner
// and the organizations it invited (Summary false), only the summary for the
// rest of the network (Summary true: description, products, tiers, kinds and
// participants empty).
type Promotion struct {
	Network         int64          `db:"network_id" json:"-"`
	ID              int64          `db:"id" json:"id"`
	OwnerOrg        int64          `db:"owner_org_id" json:"owner_org_id"`
	OwnerUser       *int64         `db:"owner_user_id" json:"owner_user_id"`
	Title           string         `db:"title" json:"title"`
	Description     string         `db:"description" json:"description"`
	DescriptionHTML string         `db:"-" json:"description_html"`
	Offer           string         `db:"offer" json:"offer"`
	Products        pq.StringArray `db:"products" json:"products"`
	StartsOn        time.Time      `db:"starts_on" json:"starts_on"`
	EndsOn          time.Time      `db:"ends_on" json:"ends_on"`
	Regions         pq.StringArray `db:"regions" json:"regions"`
	Tiers           pq.StringArray `db:"tiers" json:"tiers"`
	Kinds           pq.StringArray `db:"kinds" json:"kinds"`
	State           string         `db:"state" json:"state"`
	Summary         bool           `db:"summary" json:"summary"`
	// Participation is the asking organization's own answer to an invitation
	// ("" when it was not invited).
	Participation string        `db:"participation" json:"participation"`
	Participants  []Participant `db:"-" json:"participants"`
	CreatedAt     time.Time     `db:"created_at" json:"created_at"`
	UpdatedAt     time.Time     `db:"updated_at" json:"updated_at"`
}

// Participant is an invited organization and its answer.
type Participant struct {
	Org         int64      `db:"org_id" json:"org_id"`
	State       string     `db:"state" json:"state"`
	InvitedAt   time.Time  `db:"invited_at" json:"invited_at"`
	RespondedAt *time.Time `db:"responded_at" json:"responded_at"`
}

// inside is the SQL condition (on promotions p, the asking organization $2)
// under which a promotion is read whole; listed, under which its summary is.
const (
	inside = `(p.owner_org_id = $2 OR $2 = ANY (p.participant_orgs))`
	listed = `p.state IN ('published','active','ended')`
)

// selectColumns reads a promotion as the organization $2 may see it.
var selectColumns = `p.network_id, p.id, p.owner_org_id, p.title, p.offer, p.starts_on, p.ends_on, p.regions, p.state, p.created_at, p.updated_at,
	CASE WHEN ` + inside + ` THEN p.owner_user_id END AS owner_user_id,
	CASE WHEN ` + inside + ` THEN p.description ELSE '' END AS description,
	CASE WHEN ` + inside + ` THEN p.products ELSE '{}' END AS products,
	CASE WHEN ` + inside + ` THEN p.tiers ELSE '{}' END AS tiers,
	CASE WHEN ` + inside + ` THEN p.kinds ELSE '{}' END AS kinds,
	NOT ` + inside + ` AS summary,
	COALESCE((SELECT pp.state FROM promotion_participants pp WHERE pp.network_id = p.network_id AND pp.promotion_id = p.id AND pp.org_id = $2), '') AS participation`

const returning = `network_id, id, owner_org_id, owner_user_id, title, description, offer, products, starts_on, ends_on, regions, tiers, kinds, state, created_at, updated_at`

// Service runs promotions and funds.
type Service struct {
	DB *db.DB
	// Partners notifies invited organizations' admins (nil: no notifications).
	Partners *partners.Service
}

// Input is a promotion's editable fields; nil leaves a field as it is (on
// create, Title, StartsOn and EndsOn are required).
type Input struct {
	Title       *string   `json:"title"`
	Description *string   `json:"description"`
	Offer       *string   `json:"offer"`
	Products    *[]string `json:"products"`
	StartsOn    *string   `json:"starts_on"`
	EndsOn      *string   `json:"ends_on"`
	Regions     *[]string `json:"regions"`
	Tiers       *[]string `json:"tiers"`
	Kinds       *[]string `json:"kinds"`
}

type fields struct {
	title, description, offer       string
	products, regions, tiers, kinds []string
	starts, ends                    time.Time
}

func (in Input) check(create bool, was *Promotion) (fields, error) {
	var f fields
	if was != nil {
		f = fields{was.Title, was.Description, was.Offer, was.Products, was.Regions, was.Tiers, was.Kinds, was.StartsOn, was.EndsOn}
	}
	if create {
		for _, r := range []struct {
			name    string
			missing bool
		}{{"title", in.Title == nil}, {"starts_on", in.StartsOn == nil}, {"ends_on", in.EndsOn == nil}} {
			if r.missing {
				return f, apperr.Field(r.name, "is required")
			}
		}
	}
	if in.Title != nil {
		if f.title = strings.TrimSpace(*in.Title); f.title == "" || len(f.title) > 200 {
			return f, apperr.Field("title", "must be 1 to 200 characters")
		}
	}
	if in.Description != nil {
		if f.description = strings.TrimSpace(*in.Description); len(f.description) > 20000 {
			return f, apperr.Field("description", "must be at most 20000 characters")
		}
	}
	if in.Offer != nil {
		if f.offer = strings.TrimSpace(*in.Offer); len(f.offer) > 1000 {
			return f, apperr.Field("offer", "must be at most 1000 characters")
		}
	}
	var err error
	if in.Products != nil {
		if f.products, err = names("products", *in.Products, nil); err != nil {
			return f, err
		}
	}
	if in.Regions != nil {
		if f.regions, err = names("regions", *in.Regions, nil); err != nil {
			return f, err
		}
	}
	if in.Tiers != nil {
		if f.tiers, err = names("tiers", *in.Tiers, partners.ValidTier); err != nil {
			return f, err
		}
	}
	if in.Kinds != nil {
		if f.kinds, err = names("kinds", *in.Kinds, partners.ValidKind); err != nil {
			return f, err
		}
	}
	for _, d := range []struct {
		name string
		in   *string
		out  *time.Time
	}{{"starts_on", in.StartsOn, &f.starts}, {"ends_on", in.EndsOn, &f.ends}} {
		if d.in != nil {
			if *d.out, err = day(d.name, *d.in); err != nil {
				return f, err
			}
		}
	}
	if f.ends.Before(f.starts) {
		return f, apperr.Field("ends_on", "%s is before starts_on %s", f.ends.Format(time.DateOnly), f.starts.Format(time.DateOnly))
	}
	for _, p := range []*[]string{&f.products, &f.regions, &f.tiers, &f.kinds} {
		if *p == nil {
			*p = []string{}
		}
	}
	return f, nil
}

// names checks a list of short names (1 to 100 characters, at most 50).
func names(field string, in []string, valid func(string) error) ([]string, error) {
	out := []string{}
	if len(in) > 50 {
		return nil, apperr.Field(field, "at most 50 values")
	}
	for i, v := range in {
		v = strings.TrimSpace(v)
		if v == "" || len(v) > 100 {
			return nil, apperr.Field(fmt.Sprintf("%s[%d]", field, i), "must be 1 to 100 characters")
		}
		if valid != nil {
			if err := valid(v); err != nil {
				return nil, apperr.Field(fmt.Sprintf("%s[%d]", field, i), "%q is not a valid value", v)
			}
		}
		out = append(out, v)
	}
	return out, nil
}

func day(field, v string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(v))
	if err != nil {
		return t, apperr.Field(field, "%q is not a date (YYYY-MM-DD)", v)
	}
	return t, nil
}

// Create drafts a promotion owned by the actor's organization. Managers and
// above, of the vendor or of a partner. Errors: Forbidden, Invalid.
func (s *Service) Create(ctx context.Context, a partners.Actor, in Input) (*Promotion, error) {
	if err := a.Require(partners.Manager); err != nil {
		return nil, err
	}
	f, err := in.check(true, nil)
	if err != nil {
		return nil, err
	}
	var id int64
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &id, `
			INSERT INTO promotions (network_id, owner_org_id, owner_user_id, title, description, offer, products, starts_on, ends_on, regions, tiers, kinds)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			a.Network, a.Org, nullID(a.User), f.title, f.description, f.offer, pq.StringArray(f.products), f.starts, f.ends,
			pq.StringArray(f.regions), pq.StringArray(f.tiers), pq.StringArray(f.kinds)); err != nil {
			return err
		}
		return audit(ctx, tx, a, "promotion.create", "promotion", id, map[string]any{"title": f.title})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

// Get returns a promotion as the actor's organization may see it: whole when
// it owns it or was invited, the summary of a published, active or ended one
// otherwise. Errors: NotFound.
func (s *Service) Get(ctx context.Context, a partners.Actor, id int64) (*Promotion, error) {
	var out Promotion
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &out, `SELECT `+selectColumns+` FROM promotions p
			WHERE p.network_id = $1 AND p.id = $3 AND (`+inside+` OR `+listed+`)`, a.Network, a.Org, id); err != nil {
			return db.Absent(err, "Promotion %d not found.", id)
		}
		out.Participants = []Participant{}
		if out.Summary {
			return nil
		}
		// The owner reads every answer; an invited organization its own.
		return tx.SelectContext(ctx, &out.Participants, `SELECT org_id, state, invited_at, responded_at FROM promotion_participants
			WHERE network_id = $1 AND promotion_id = $2 ORDER BY org_id`, a.Network, id)
	})
	if err != nil {
		return nil, err
	}
	out.render()
	return &out, nil
}

func (p *Promotion) render() {
	if p.Description != "" {
		p.DescriptionHTML, _ = forums.Render(p.Description, nil)
	}
}

// Filter narrows a list of promotions: by state, and before or after a
// cursor (Before: ids below it; After: ids above it); Asc orders the list
// oldest first (newest first by default). The rows come in the list's order
// either way, so a previous page read backwards equals the page read forwards.
type Filter struct {
	State  string
	Before int64
	After  int64
	Asc    bool
	Limit  int
}

var states = []string{Draft, Published, Active, Ended, Cancelled}

// List returns the promotions the actor's organization may see, newest first
// (or oldest first): its own and those it was invited to, whole, and the
// summaries of the rest of the network's published, active and ended ones.
// Errors: Invalid.
func (s *Service) List(ctx context.Context, a partners.Actor, f Filter) ([]Promotion, error) {
	if f.State != "" {
		if err := oneOf("state", f.State, states); err != nil {
			return nil, err
		}
	}
	if f.Limit <= 0 || f.Limit > 201 {
		f.Limit = 50
	}
	asc := f.After > 0 || f.Asc && f.Before == 0
	q, cursor := `p.id < $4 ORDER BY p.id DESC`, f.Before
	if asc {
		q, cursor = `p.id > $4 ORDER BY p.id`, f.After
	} else if cursor <= 0 {
		cursor = 1 << 62
	}
	out := []Promotion{}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `SELECT `+selectColumns+` FROM promotions p
			WHERE p.network_id = $1 AND (`+inside+` OR `+listed+`) AND ($3 = '' OR p.state = $3) AND `+q+` LIMIT $5`,
			a.Network, a.Org, f.State, cursor, f.Limit)
	})
	for i := range out {
		out[i].Participants = []Participant{}
		out[i].render()
	}
	if asc != f.Asc {
		slices.Reverse(out)
	}
	return out, err
}

// Count is how many promotions the actor's organization may see under the
// filter's state (the cursor ignored). Errors: Invalid.
func (s *Service) Count(ctx context.Context, a partners.Actor, f Filter) (int, error) {
	if f.State != "" {
		if err := oneOf("state", f.State, states); err != nil {
			return 0, err
		}
	}
	var n int
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &n, `SELECT count(*) FROM promotions p
			WHERE p.network_id = $1 AND (`+inside+` OR `+listed+`) AND ($3 = '' OR p.state = $3)`, a.Network, a.Org, f.State)
	})
	return n, err
}

// own locks a promotion of the actor's organization for a change.
// Errors: NotFound (not visible), Forbidden (visible, another's).
func own(ctx context.Context, tx *sqlx.Tx, a partners.Actor, id int64) (*Promotion, error) {
	var p Promotion
	if err := tx.GetContext(ctx, &p, `SELECT `+selectColumns+` FROM promotions p
		WHERE p.network_id = $1 AND p.id = $3 AND (`+inside+` OR `+listed+`)`, a.Network, a.Org, id); err != nil {
		return nil, db.Absent(err, "Promotion %d not found.", id)
	}
	if p.OwnerOrg != a.Org {
		return nil, apperr.E(apperr.Forbidden, "Only the organization that owns this promotion may change it.")
	}
	if err := tx.GetContext(ctx, &p, `SELECT `+returning+` FROM promotions WHERE network_id = $1 AND id = $2 FOR UPDATE`, a.Network, id); err != nil {
		return nil, err
	}
	return &p, nil
}

// Update changes a draft or published promotion. The owner's managers.
// Errors: Conflict, Forbidden, Invalid, NotFound.
func (s *Service) Update(ctx context.Context, a partners.Actor, id int64, in Input) (*Promotion, error) {
	if err := a.Require(partners.Manager); err != nil {
		return nil, err
	}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		p, err := own(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if p.State != Draft && p.State != Published {
			return apperr.E(apperr.Conflict, "This promotion is %s: only a draft or published promotion can be changed.", p.State)
		}
		f, err := in.check(false, p)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE promotions SET title = $3, description = $4, offer = $5, products = $6, starts_on = $7, ends_on = $8,
			regions = $9, tiers = $10, kinds = $11, updated_at = now() WHERE network_id = $1 AND id = $2`,
			a.Network, id, f.title, f.description, f.offer, pq.StringArray(f.products), f.starts, f.ends,
			pq.StringArray(f.regions), pq.StringArray(f.tiers), pq.StringArray(f.kinds)); err != nil {
			return err
		}
		return audit(ctx, tx, a, "promotion.update", "promotion", id, map[string]any{"title": f.title})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

// transitions are the promotion's steps: the states each leaves.
var transitions = map[string][]string{
	Published: {Draft},
	Active:    {Published},
	Ended:     {Active},
	Cancelled: {Draft, Published, Active},
}

// Move takes a promotion to state to (published, active, ended or cancelled).
// The owner's managers. Errors: Conflict (naming both states), Forbidden,
// Invalid (an unknown state), NotFound.
func (s *Service) Move(ctx context.Context, a partners.Actor, id int64, to string) (*Promotion, error) {
	if err := a.Require(partners.Manager); err != nil {
		return nil, err
	}
	from, ok := transitions[to]
	if !ok {
		return nil, apperr.Field("state", "%q is not one of published, active, ended, cancelled", to)
	}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		p, err := own(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if !contains(from, p.State) {
			return apperr.E(apperr.Conflict, "This promotion is %s: it cannot become %s.", p.State, to)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE promotions SET state = $3, updated_at = now() WHERE network_id = $1 AND id = $2`, a.Network, id, to); err != nil {
			return err
		}
		return audit(ctx, tx, a, "promotion."+to, "promotion", id, map[string]any{"from": p.State, "to": to})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

// Invitation names organizations to invite: by id, and every active partner
// of one of the tiers or kinds.
type Invitation struct {
	Orgs  []int64  `json:"org_ids"`
	Tiers []string `json:"tiers"`
	Kinds []string `json:"kinds"`
}

// Invite invites organizations to a published or active promotion; those
// invited before keep their answer. Their admins are notified. The owner's
// managers. Errors: Conflict, Forbidden, Invalid, NotFound.
func (s *Service) Invite(ctx context.Context, a partners.Actor, id int64, in Invitation) (*Promotion, error) {
	if err := a.Require(partners.Manager); err != nil {
		return nil, err
	}
	if len(in.Orgs) == 0 && len(in.Tiers) == 0 && len(in.Kinds) == 0 {
		return nil, apperr.Field("org_ids", "name organizations, tiers or kinds to invite")
	}
	if len(in.Orgs) > 500 {
		return nil, apperr.Field("org_ids", "at most 500 organizations at once")
	}
	tiers, err := names("tiers", in.Tiers, partners.ValidTier)
	if err != nil {
		return nil, err
	}
	kinds, err := names("kinds", in.Kinds, partners.ValidKind)
	if err != nil {
		return nil, err
	}
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		p, err := own(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if p.State != Published && p.State != Active {
			return apperr.E(apperr.Conflict, "This promotion is %s: publish it before inviting organizations.", p.State)
		}
		seen := map[int64]bool{a.Org: true}
		var orgs []int64
		for i, o := range in.Orgs {
			if _, err := partners.OrgName(ctx, tx, a.Network, o); err != nil || o == a.Org {
				return apperr.Field(fmt.Sprintf("org_ids[%d]", i), "no other active organization %d in this network", o)
			}
			if !seen[o] {
				seen[o] = true
				orgs = append(orgs, o)
			}
		}
		if len(tiers) > 0 || len(kinds) > 0 {
			more, err := partners.ActivePartnersWith(ctx, tx, a.Network, tiers, kinds)
			if err != nil {
				return err
			}
			for _, o := range more {
				if !seen[o] {
					seen[o] = true
					orgs = append(orgs, o)
				}
			}
		}
		if len(orgs) == 0 {
			return apperr.Field("tiers", "no active partner organization has these tiers or kinds")
		}
		var fresh []int64
		if err := tx.SelectContext(ctx, &fresh, `SELECT o FROM unnest($3::bigint[]) o WHERE NOT EXISTS
			(SELECT 1 FROM promotion_participants pp WHERE pp.network_id = $1 AND pp.promotion_id = $2 AND pp.org_id = o) ORDER BY o`,
			a.Network, id, pq.Int64Array(orgs)); err != nil {
			return err
		}
		if len(fresh) == 0 {
			return nil
		}
		vals, args := []string{}, []any{a.Network, id, a.Org}
		for _, o := range fresh {
			args = append(args, o)
			vals = append(vals, fmt.Sprintf("($1, $2, $%d, $3)", len(args)))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO promotion_participants (network_id, promotion_id, org_id, owner_org_id) VALUES `+strings.Join(vals, ", "), args...); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE promotions SET participant_orgs = participant_orgs || $3::bigint[], updated_at = now()
			WHERE network_id = $1 AND id = $2`, a.Network, id, pq.Int64Array(fresh)); err != nil {
			return err
		}
		if s.Partners != nil {
			title := p.Title
			for _, o := range fresh {
				if err := s.Partners.NotifyOrgAdmins(ctx, tx, a, o, "promotion.invited", fmt.Sprintf("/api/v1/promotions/%d", id),
					l10n.M("Invitation to a joint promotion"), func(from string) l10n.Msg {
						return l10n.M("%s invites your organization to the joint promotion %q.", from, title)
					}); err != nil {
					return err
				}
			}
		}
		return audit(ctx, tx, a, "promotion.invite", "promotion", id, map[string]any{"orgs": fresh})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

// answers are the participation steps: the states each leaves.
var answers = map[string][]string{
	Enrolled:  {Invited, Declined, Withdrawn},
	Declined:  {Invited},
	Withdrawn: {Enrolled},
}

// Respond answers an invitation for the actor's organization: enrolled,
// declined or withdrawn. Enrolling needs a published or active promotion.
// Managers of the invited organization. Errors: Conflict (naming both
// states), Forbidden, Invalid, NotFound.
func (s *Service) Respond(ctx context.Context, a partners.Actor, id int64, to string) (*Promotion, error) {
	if err := a.Require(partners.Manager); err != nil {
		return nil, err
	}
	from, ok := answers[to]
	if !ok {
		return nil, apperr.Field("state", "%q is not one of enrolled, declined, withdrawn", to)
	}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var p Promotion
		if err := tx.GetContext(ctx, &p, `SELECT `+selectColumns+` FROM promotions p
			WHERE p.network_id = $1 AND p.id = $3 AND (`+inside+` OR `+listed+`)`, a.Network, a.Org, id); err != nil {
			return db.Absent(err, "Promotion %d not found.", id)
		}
		if p.Participation == "" {
			return apperr.E(apperr.Forbidden, "Your organization was not invited to this promotion.")
		}
		var was string
		if err := tx.GetContext(ctx, &was, `SELECT state FROM promotion_participants WHERE network_id = $1 AND promotion_id = $2 AND org_id = $3 FOR UPDATE`,
			a.Network, id, a.Org); err != nil {
			return err
		}
		if !contains(from, was) {
			return apperr.E(apperr.Conflict, "Your participation is %s: it cannot become %s.", was, to)
		}
		if to == Enrolled && p.State != Published && p.State != Active {
			return apperr.E(apperr.Conflict, "This promotion is %s: it cannot be joined.", p.State)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE promotion_participants SET state = $4, responded_at = now()
			WHERE network_id = $1 AND promotion_id = $2 AND org_id = $3`, a.Network, id, a.Org, to); err != nil {
			return err
		}
		return audit(ctx, tx, a, "promotion.participant_"+to, "promotion", id, map[string]any{"from": was, "to": to})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

func oneOf(field, v string, allowed []string) error {
	if contains(allowed, v) {
		return nil
	}
	return apperr.Field(field, "%q is not one of %s", v, strings.Join(allowed, ", "))
}

func contains(xs []string, x string) bool {
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
