package deals

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
	"github.com/partnerhub/partnerhub/partners/activity"
)

// JointRecordType is the joint deals' name in shares, explain and timelines.
const JointRecordType = "joint_deal"

// Stages of a joint deal, in the order a deal goes through them.
const (
	Qualify    = "qualify"
	Develop    = "develop"
	Propose    = "propose"
	Negotiate  = "negotiate"
	ClosedWon  = "closed_won"
	ClosedLost = "closed_lost"
)

// Stages lists every stage in order; OpenStages those of a deal still worked.
var (
	Stages     = []string{Qualify, Develop, Propose, Negotiate, ClosedWon, ClosedLost}
	OpenStages = []string{Qualify, Develop, Propose, Negotiate}
)

func init() {
	// The vendor owns every joint deal; the partner on it reads and changes it
	// through the workflow share made with the deal, and its timeline follows.
	partners.RegisterShareable(partners.Shareable{
		Type: JointRecordType, Table: "joint_deals", OwnerUser: "vendor_owner_user_id",
		Dependents: []partners.Dependent{{Table: "activities", Column: "share_id", TypeColumn: "share_type"}},
		Noun:       "joint deal", Nouns: "joint deals",
	})
	activity.RegisterRecord(JointRecordType, func(ctx context.Context, tx *sqlx.Tx, network, id int64) (activity.Anchor, error) {
		var d struct {
			Owner   int64         `db:"owner_org_id"`
			Readers pq.Int64Array `db:"reader_orgs"`
			Writers pq.Int64Array `db:"writer_orgs"`
			Title   string        `db:"title"`
		}
		if err := tx.GetContext(ctx, &d, `SELECT owner_org_id, reader_orgs, writer_orgs, title FROM joint_deals
			WHERE network_id = $1 AND id = $2 AND deleted_at IS NULL`, network, id); err != nil {
			return activity.Anchor{}, db.Absent(err, "Joint deal %d not found.", id)
		}
		return activity.Anchor{ShareType: JointRecordType, ShareID: id, Owner: d.Owner, Readers: d.Readers, Writers: d.Writers, Name: d.Title}, nil
	})
}

// JointDeal is a deal the vendor works with one partner.
type JointDeal struct {
	Network      int64   `db:"network_id" json:"-"`
	ID           int64   `db:"id" json:"id"`
	OwnerOrg     int64   `db:"owner_org_id" json:"owner_org_id"`
	VendorOwner  *int64  `db:"vendor_owner_user_id" json:"vendor_owner_user_id"`
	PartnerOrg   int64   `db:"partner_org_id" json:"partner_org_id"`
	PartnerName  string  `db:"-" json:"partner_name,omitempty"`
	PartnerOwner *int64  `db:"partner_owner_user_id" json:"partner_owner_user_id"`
	Registration *int64  `db:"registration_id" json:"registration_id"`
	AccountID    int64   `db:"account_id" json:"account_id"`
	AccountName  string  `db:"account_name" json:"account_name"`
	Title        string  `db:"title" json:"title"`
	Stage        string  `db:"stage" json:"stage"`
	LostReason   *string `db:"lost_reason" json:"lost_reason"`
	AmountMinor  int64   `db:"amount_minor" json:"amount_minor"`
	Amount       string  `db:"-" json:"amount"`
	Currency     string  `db:"currency" json:"currency"`
	// Probability is the stage's, from the network's deal rules (percent).
	Probability   int            `db:"-" json:"probability"`
	ExpectedClose time.Time      `db:"expected_close" json:"expected_close"`
	Products      pq.StringArray `db:"products" json:"products"`
	NextStep      string         `db:"next_step" json:"next_step"`
	// Version grows with every change; a change may name the version it read.
	Version    int           `db:"version" json:"version"`
	ClosedAt   *time.Time    `db:"closed_at" json:"closed_at"`
	ReaderOrgs pq.Int64Array `db:"reader_orgs" json:"-"`
	WriterOrgs pq.Int64Array `db:"writer_orgs" json:"-"`
	CreatedAt  time.Time     `db:"created_at" json:"created_at"`
	UpdatedAt  time.Time     `db:"updated_at" json:"updated_at"`
}

// Closed reports whether the deal is won or lost.
func (d *JointDeal) Closed() bool { return d.Stage == ClosedWon || d.Stage == ClosedLost }

const jointColumns = `network_id, id, owner_org_id, vendor_owner_user_id, partner_org_id, partner_owner_user_id, registration_id, account_id, account_name,
	title, stage, lost_reason, amount_minor, currency, expected_close, products, next_step, version, closed_at, reader_orgs, writer_orgs, created_at, updated_at`

// jointBranch are the columns of a joint deal aliased d.
var jointBranch = "d." + strings.Join(strings.Fields(strings.ReplaceAll(jointColumns, ",", " ")), ", d.")

// JointInput is a joint deal's editable fields; nil leaves a field as it is.
// On create, Account, Partner, Title, Amount, Currency and ExpectedClose are
// required. Version, when set, must be the deal's current version.
type JointInput struct {
	Account       *int64    `json:"account_id"`
	Partner       *int64    `json:"partner_org_id"`
	VendorOwner   *int64    `json:"vendor_owner_user_id"`
	PartnerOwner  *int64    `json:"partner_owner_user_id"`
	Title         *string   `json:"title"`
	Products      *[]string `json:"products"`
	Amount        *string   `json:"amount"`
	Currency      *string   `json:"currency"`
	ExpectedClose *string   `json:"expected_close"`
	NextStep      *string   `json:"next_step"`
	Version       *int      `json:"version"`
}

// StageInput moves a joint deal: to Stage, with Reason when it is closed
// lost; Version, when set, must be the deal's current version.
type StageInput struct {
	Stage   string `json:"stage"`
	Reason  string `json:"reason"`
	Version *int   `json:"version"`
}

func (in JointInput) fields(was *JointDeal) (fields, string, error) {
	base := Input{Title: in.Title, Products: in.Products, Amount: in.Amount, Currency: in.Currency, ExpectedClose: in.ExpectedClose}
	var reg *Registration
	next := ""
	if was != nil {
		reg = &Registration{Title: was.Title, Currency: was.Currency, Products: was.Products, AmountMinor: was.AmountMinor, ExpectedClose: was.ExpectedClose}
		next = was.NextStep
	} else {
		if in.Partner == nil {
			return fields{}, "", apperr.Field("partner_org_id", "is required")
		}
		base.Account = in.Account
	}
	f, err := base.check(was == nil, reg)
	if err != nil {
		return f, "", err
	}
	if in.NextStep != nil {
		if next = strings.TrimSpace(*in.NextStep); len(next) > 500 {
			return f, "", apperr.Field("next_step", "must be at most 500 characters")
		}
	}
	return f, next, nil
}

// CreateJoint makes a joint deal on one of the vendor's accounts with a partner
// organization, in the qualify stage, owned by the acting user unless another
// vendor user is named; the partner's owner is one of its users, or none. The
// partner reads and changes it through a workflow share. Vendor sales and
// above. Errors: Forbidden, Invalid, NotFound (the account).
func (s *Service) CreateJoint(ctx context.Context, a partners.Actor, in JointInput) (*JointDeal, error) {
	if err := a.RequireVendor(partners.Sales); err != nil {
		return nil, err
	}
	f, next, err := in.fields(nil)
	if err != nil {
		return nil, err
	}
	if !f.close.After(s.now().AddDate(0, 0, -1)) {
		return nil, apperr.Field("expected_close", "must not be in the past")
	}
	var out JointDeal
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		name, archived, err := accounts.Visible(ctx, tx, a.Network, *in.Account)
		if err != nil {
			if apperr.Is(err, apperr.NotFound) {
				return apperr.Field("account_id", "no account %d that your organization can see", *in.Account)
			}
			return err
		}
		if archived {
			return apperr.Field("account_id", "account %d is archived: restore it before making a deal on it", *in.Account)
		}
		if *in.Partner == a.Org {
			return apperr.Field("partner_org_id", "must be a partner organization, not the vendor")
		}
		if _, err := partners.OrgName(ctx, tx, a.Network, *in.Partner); err != nil {
			if apperr.Is(err, apperr.NotFound) {
				return apperr.Field("partner_org_id", "no active organization %d in this network", *in.Partner)
			}
			return err
		}
		vendorOwner := nullID(a.User)
		if in.VendorOwner != nil {
			if err := userOf(ctx, tx, a.Network, a.Org, *in.VendorOwner, "vendor_owner_user_id"); err != nil {
				return err
			}
			vendorOwner = *in.VendorOwner
		}
		var partnerOwner any
		if in.PartnerOwner != nil {
			if err := userOf(ctx, tx, a.Network, *in.Partner, *in.PartnerOwner, "partner_owner_user_id"); err != nil {
				return err
			}
			partnerOwner = *in.PartnerOwner
		}
		if err := tx.GetContext(ctx, &out, `
			INSERT INTO joint_deals (network_id, owner_org_id, vendor_owner_user_id, partner_org_id, partner_owner_user_id, account_id, account_name,
			  title, amount_minor, currency, expected_close, products, next_step)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING `+jointColumns,
			a.Network, a.Org, vendorOwner, *in.Partner, partnerOwner, *in.Account, name, f.title, f.amount, f.currency, f.close,
			pq.StringArray(f.products), next); err != nil {
			return err
		}
		return s.shareJoint(ctx, tx, a, &out, "joint_deal.create", nil)
	})
	if err != nil {
		return nil, err
	}
	return s.GetJoint(ctx, a, out.ID)
}

// userOf checks that user is an active user of org. Errors: Invalid naming field.
func userOf(ctx context.Context, tx *sqlx.Tx, network, org, user int64, field string) error {
	got, _, err := partners.NetworkUser(ctx, tx, network, user)
	if apperr.Is(err, apperr.NotFound) || err == nil && got != org {
		return apperr.Field(field, "no active user %d in organization %d", user, org)
	}
	return err
}

// shareJoint shares a new joint deal with its partner for writing, by
// workflow, and writes its first timeline entry and audit entry.
func (s *Service) shareJoint(ctx context.Context, tx *sqlx.Tx, a partners.Actor, d *JointDeal, action string, detail map[string]any) error {
	if err := partners.ShareByWorkflow(ctx, tx, a, JointRecordType, d.ID, d.PartnerOrg, "write"); err != nil {
		return err
	}
	if detail == nil {
		detail = map[string]any{}
	}
	detail["stage"], detail["partner"], detail["title"] = d.Stage, d.PartnerOrg, d.Title
	if err := activity.Log(ctx, tx, a, JointRecordType, d.ID, "joint_deal.created", detail); err != nil {
		return err
	}
	return audit(ctx, tx, a, action, JointRecordType, d.ID, detail)
}

// convertToJoint makes the joint deal of an approved registration, in the
// converting transaction, as the vendor: the registering partner and user are
// the deal's partner and partner owner, the converting user its vendor owner.
func (s *Service) convertToJoint(ctx context.Context, tx *sqlx.Tx, a partners.Actor, r *Registration) (int64, error) {
	var d JointDeal
	if err := tx.GetContext(ctx, &d, `
		INSERT INTO joint_deals (network_id, owner_org_id, vendor_owner_user_id, partner_org_id, partner_owner_user_id, registration_id, account_id, account_name,
		  title, amount_minor, currency, expected_close, products)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING `+jointColumns,
		a.Network, a.Org, nullID(a.User), r.OwnerOrg, r.OwnerUser, r.ID, r.AccountID, r.AccountName, r.Title, r.AmountMinor, r.Currency, r.ExpectedClose,
		pq.StringArray(r.Products)); err != nil {
		return 0, err
	}
	return d.ID, s.shareJoint(ctx, tx, a, &d, "joint_deal.convert", map[string]any{"registration": r.ID})
}

// JointOf is the joint deal made from a registration, if the actor may see
// one. Errors: NotFound.
func (s *Service) JointOf(ctx context.Context, a partners.Actor, registration int64) (*JointDeal, error) {
	var id int64
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &id, `SELECT id FROM joint_deals WHERE network_id = $1 AND registration_id = $2 AND deleted_at IS NULL`, a.Network, registration)
	})
	if err != nil {
		return nil, db.Absent(err, "No joint deal was made from registration %d.", registration)
	}
	return s.GetJoint(ctx, a, id)
}

// GetJoint returns a joint deal the actor may see. Errors: NotFound.
func (s *Service) GetJoint(ctx context.Context, a partners.Actor, id int64) (*JointDeal, error) {
	var out JointDeal
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &out, `SELECT `+jointColumns+` FROM joint_deals WHERE network_id = $1 AND id = $2 AND deleted_at IS NULL`, a.Network, id); err != nil {
			return db.Absent(err, "Joint deal %d not found.", id)
		}
		set, err := settingsIn(ctx, tx, a.Network)
		if err != nil {
			return err
		}
		out.fill(set)
		name, err := partners.OrgName(ctx, tx, a.Network, out.PartnerOrg)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return err
		}
		out.PartnerName = name
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (d *JointDeal) fill(set Settings) {
	d.Amount = decimal(d.AmountMinor, d.Currency)
	d.Probability = set.Probability(d.Stage)
}

// Probability is a stage's probability in percent: the network's for an open
// stage, 100 for closed won, 0 for closed lost.
func (s Settings) Probability(stage string) int {
	switch stage {
	case Qualify:
		return s.ProbabilityQualify
	case Develop:
		return s.ProbabilityDevelop
	case Propose:
		return s.ProbabilityPropose
	case Negotiate:
		return s.ProbabilityNegotiate
	case ClosedWon:
		return 100
	}
	return 0
}

// JointFilter narrows a list of joint deals: by stage and partner, and before
// or after an id cursor, as Filter does for registrations.
type JointFilter struct {
	Stage   string
	Partner int64
	Before  int64
	After   int64
	Asc     bool
	Limit   int
}

func (f JointFilter) ascending() bool { return f.After > 0 || (f.Asc && f.Before == 0) }
func (f JointFilter) reversed() bool  { return f.ascending() != f.Asc }

func (f JointFilter) check() error {
	if f.Stage != "" {
		return oneOf("stage", f.Stage, Stages)
	}
	return nil
}

// jointConditions are the conditions of the list's branches (own deals as d,
// shared ones through s) for the filter, appended to args.
func jointConditions(f JointFilter, cursor bool, args *[]any) (own, shared string) {
	own, shared = ` AND d.deleted_at IS NULL`, ` AND d.deleted_at IS NULL`
	if f.Stage != "" {
		*args = append(*args, f.Stage)
		n := fmt.Sprintf("$%d", len(*args))
		own += ` AND d.stage = ` + n
		shared += ` AND d.stage = ` + n
	}
	if f.Partner > 0 {
		*args = append(*args, f.Partner)
		n := fmt.Sprintf("$%d", len(*args))
		own += ` AND d.partner_org_id = ` + n
		shared += ` AND d.partner_org_id = ` + n
	}
	if !cursor {
		return own, shared
	}
	for _, c := range []struct {
		v  int64
		op string
	}{{f.Before, "<"}, {f.After, ">"}} {
		if c.v > 0 {
			*args = append(*args, c.v)
			n := fmt.Sprintf("$%d", len(*args))
			own += ` AND d.id ` + c.op + ` ` + n
			shared += ` AND s.record_id ` + c.op + ` ` + n
		}
	}
	return own, shared
}

// ListJoint returns the joint deals the actor may see, newest first (at most
// f.Limit, 1 to 201, default 50): for the vendor, its own (all of them); for a
// partner, those shared with it, which are the deals it is on. The visibility
// path is in the SQL (docs/LISTS.md), row-level security underneath.
// Errors: Invalid (an unknown stage).
func (s *Service) ListJoint(ctx context.Context, a partners.Actor, f JointFilter) ([]JointDeal, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 201 {
		f.Limit = 50
	}
	args := []any{a.Network, a.Org, f.Limit}
	own, shared := jointConditions(f, true, &args)
	dir := " DESC"
	if f.ascending() {
		dir = ""
	}
	q := `SELECT * FROM (
		(SELECT ` + jointBranch + ` FROM joint_deals d
		  WHERE d.network_id = $1 AND d.owner_org_id = $2` + own + ` ORDER BY d.id` + dir + ` LIMIT $3)
		UNION ALL
		(SELECT ` + jointBranch + ` FROM ` + partners.SharedFrom(JointRecordType, "d") + `
		  WHERE s.network_id = $1 AND s.grantee_org_id = $2 AND s.record_type = '` + JointRecordType + `'` + shared + `
		  ORDER BY s.record_id` + dir + ` LIMIT $3)) x
		ORDER BY id` + dir + ` LIMIT $3`
	var out []JointDeal
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		st, err := s.DB.Prepared(ctx, tx, q)
		if err != nil {
			return err
		}
		if err := st.SelectContext(ctx, &out, args...); err != nil {
			return err
		}
		set, err := settingsIn(ctx, tx, a.Network)
		if err != nil {
			return err
		}
		for i := range out {
			out[i].fill(set)
		}
		return nil
	})
	if f.reversed() {
		slices.Reverse(out)
	}
	return out, err
}

// CountJoint is how many joint deals the actor may see under the filter's
// stage and partner (the cursor ignored). Errors: Invalid.
func (s *Service) CountJoint(ctx context.Context, a partners.Actor, f JointFilter) (int, error) {
	if err := f.check(); err != nil {
		return 0, err
	}
	args := []any{a.Network, a.Org}
	own, shared := jointConditions(f, false, &args)
	var n int
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &n, `SELECT
			(SELECT count(*) FROM joint_deals d WHERE d.network_id = $1 AND d.owner_org_id = $2`+own+`)
			+ (SELECT count(*) FROM `+partners.SharedFrom(JointRecordType, "d")+`
			    WHERE s.network_id = $1 AND s.grantee_org_id = $2 AND s.record_type = '`+JointRecordType+`'`+shared+`)`, args...)
	})
	return n, err
}

// CanChange says whether a may change the joint deal: the vendor's managers
// and the vendor owner (sales), the partner's managers (the deal is shared
// with it for writing) and the partner owner (sales). A key owns nothing.
func CanChange(a partners.Actor, d *JointDeal) bool {
	if partners.CanWrite(a, d.OwnerOrg, d.VendorOwner, d.WriterOrgs) {
		return true
	}
	return a.Org == d.PartnerOrg && a.Role == partners.Sales && a.User != 0 && d.PartnerOwner != nil && *d.PartnerOwner == a.User
}

// changeJoint runs a change of joint deal id: the row locked (a single-table
// statement), who may change it and its version checked, then apply, which
// returns the SET clauses after "version = version + 1" and their arguments
// ($3 on), and the audit detail.
func (s *Service) changeJoint(ctx context.Context, a partners.Actor, id int64, version *int,
	apply func(tx *sqlx.Tx, d *JointDeal) (set string, args []any, action string, detail map[string]any, err error)) (*JointDeal, error) {
	if err := a.Require(partners.Sales); err != nil {
		return nil, err
	}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var d JointDeal
		if err := tx.GetContext(ctx, &d, `SELECT `+jointColumns+` FROM joint_deals WHERE network_id = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE`, a.Network, id); err != nil {
			return db.Absent(err, "Joint deal %d not found.", id)
		}
		if !CanChange(a, &d) {
			return apperr.E(apperr.Forbidden, "This joint deal is changed by the vendor's managers, the partner's managers and the deal's two owners.")
		}
		if version != nil && *version != d.Version {
			return apperr.E(apperr.Conflict, "Joint deal %d changed meanwhile (version %d, not %d): reload it and try again.", id, d.Version, *version)
		}
		set, args, action, detail, err := apply(tx, &d)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE joint_deals SET version = version + 1, updated_at = now()`+set+` WHERE network_id = $1 AND id = $2`,
			append([]any{a.Network, id}, args...)...); err != nil {
			return err
		}
		return audit(ctx, tx, a, action, JointRecordType, id, detail)
	})
	if err != nil {
		return nil, err
	}
	return s.GetJoint(ctx, a, id)
}

// UpdateJoint changes an open joint deal's fields (not its stage, account or
// partner). Errors: Conflict (closed, or changed meanwhile), Forbidden,
// Invalid, NotFound.
func (s *Service) UpdateJoint(ctx context.Context, a partners.Actor, id int64, in JointInput) (*JointDeal, error) {
	return s.changeJoint(ctx, a, id, in.Version, func(tx *sqlx.Tx, d *JointDeal) (string, []any, string, map[string]any, error) {
		if in.Account != nil {
			return "", nil, "", nil, apperr.Field("account_id", "cannot change: close this deal and make a new one on the other account")
		}
		if in.Partner != nil {
			return "", nil, "", nil, apperr.Field("partner_org_id", "cannot change: close this deal and make a new one with the other partner")
		}
		if d.Closed() {
			return "", nil, "", nil, apperr.E(apperr.Conflict, "This joint deal is closed: it cannot be changed.")
		}
		f, next, err := in.fields(d)
		if err != nil {
			return "", nil, "", nil, err
		}
		vendorOwner, partnerOwner := d.VendorOwner, d.PartnerOwner
		if in.VendorOwner != nil {
			if err := userOf(ctx, tx, a.Network, d.OwnerOrg, *in.VendorOwner, "vendor_owner_user_id"); err != nil {
				return "", nil, "", nil, err
			}
			vendorOwner = in.VendorOwner
		}
		if in.PartnerOwner != nil {
			if err := userOf(ctx, tx, a.Network, d.PartnerOrg, *in.PartnerOwner, "partner_owner_user_id"); err != nil {
				return "", nil, "", nil, err
			}
			partnerOwner = in.PartnerOwner
		}
		return `, title = $3, products = $4, amount_minor = $5, currency = $6, expected_close = $7, next_step = $8, vendor_owner_user_id = $9, partner_owner_user_id = $10`,
			[]any{f.title, pq.StringArray(f.products), f.amount, f.currency, f.close, next, vendorOwner, partnerOwner},
			"joint_deal.update", map[string]any{"title": f.title}, nil
	})
}

// MoveStage moves a joint deal to another stage: an open deal moves to any
// other open stage, or closes won, or lost with a reason; a closed deal stays
// closed. The change is audited and logged on the deal's timeline, its
// history. Errors: Conflict (closed, the same stage, or changed meanwhile),
// Forbidden, Invalid, NotFound.
func (s *Service) MoveStage(ctx context.Context, a partners.Actor, id int64, in StageInput) (*JointDeal, error) {
	if err := oneOf("stage", in.Stage, Stages); err != nil {
		return nil, err
	}
	reason := strings.TrimSpace(in.Reason)
	if in.Stage == ClosedLost && (reason == "" || len(reason) > 1000) {
		return nil, apperr.Field("reason", "say why the deal was lost, in 1 to 1000 characters")
	}
	if in.Stage != ClosedLost && reason != "" {
		return nil, apperr.Field("reason", "is only for a deal closed lost")
	}
	return s.changeJoint(ctx, a, id, in.Version, func(tx *sqlx.Tx, d *JointDeal) (string, []any, string, map[string]any, error) {
		if d.Closed() {
			return "", nil, "", nil, apperr.E(apperr.Conflict, "This joint deal is closed (%s): its stage cannot change.", strings.ReplaceAll(d.Stage, "_", " "))
		}
		if d.Stage == in.Stage {
			return "", nil, "", nil, apperr.E(apperr.Conflict, "This joint deal is already in the %s stage.", strings.ReplaceAll(d.Stage, "_", " "))
		}
		detail := map[string]any{"from": d.Stage, "to": in.Stage}
		var closed, why any
		if in.Stage == ClosedWon || in.Stage == ClosedLost {
			closed = s.now()
		}
		if in.Stage == ClosedLost {
			why, detail["reason"] = reason, reason
		}
		if err := activity.Log(ctx, tx, a, JointRecordType, d.ID, "joint_deal.stage", detail); err != nil {
			return "", nil, "", nil, err
		}
		return `, stage = $3, closed_at = $4, lost_reason = $5`, []any{in.Stage, closed, why}, "joint_deal.stage", detail, nil
	})
}

// DeleteJoint removes a joint deal from every view (its row, audit trail and
// timeline stay). Vendor managers. Errors: Forbidden, NotFound.
func (s *Service) DeleteJoint(ctx context.Context, a partners.Actor, id int64) error {
	if err := a.RequireVendor(partners.Manager); err != nil {
		return err
	}
	return s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var title string
		if err := tx.GetContext(ctx, &title, `SELECT title FROM joint_deals WHERE network_id = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE`, a.Network, id); err != nil {
			return db.Absent(err, "Joint deal %d not found.", id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE joint_deals SET deleted_at = $3, version = version + 1, updated_at = $3 WHERE network_id = $1 AND id = $2`,
			a.Network, id, s.now()); err != nil {
			return err
		}
		return audit(ctx, tx, a, "joint_deal.delete", JointRecordType, id, map[string]any{"title": title})
	})
}
