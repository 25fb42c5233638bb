// Package leads holds the vendor's leads (issue 17, item 4): the vendor
// records a lead and offers it to one partner at a time; the partner accepts
// it or declines it with a reason before the offer's deadline, else the lead
// clock returns it to the pool; every offer and its answer stay in the lead's
// routing history. A partner sees a lead only while it is offered to or
// accepted by it: the offer shares the lead with the partner by workflow, and
// the share ends when the lead leaves the partner.
package leads

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
	auditlog "github.com/partnerhub/partnerhub/internal/audit"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/partners"
)

// RecordType is the leads' name in shares and explain.
const RecordType = "lead"

func init() {
	partners.RegisterShareable(partners.Shareable{Type: RecordType, Table: "leads", OwnerUser: "owner_user_id", Noun: "lead", Nouns: "leads",
		// The activities on a lead follow it (activity.go).
		Dependents: []partners.Dependent{{Table: "activities", Column: "share_id", TypeColumn: "share_type"}},
		Event:      logEvent,
	})
}

// Statuses of a lead.
var Statuses = []string{"new", "working", "qualified", "disqualified", "converted"}

// Lead is a lead as its readers see it.
type Lead struct {
	Network      int64      `db:"network_id" json:"-"`
	ID           int64      `db:"id" json:"id"`
	OwnerOrg     int64      `db:"owner_org_id" json:"owner_org_id"`
	OwnerUser    *int64     `db:"owner_user_id" json:"owner_user_id"`
	Company      string     `db:"company" json:"company"`
	ContactName  string     `db:"contact_name" json:"contact_name"`
	Email        string     `db:"email" json:"email"`
	Region       string     `db:"region" json:"region"`
	Industry     string     `db:"industry" json:"industry"`
	Notes        string     `db:"notes" json:"notes"`
	Status       string     `db:"status" json:"status"`
	StatusReason *string    `db:"status_reason" json:"status_reason"`
	AssignedOrg  *int64     `db:"assigned_org_id" json:"assigned_org_id"`
	Assignment   string     `db:"assignment" json:"assignment"`
	OfferedAt    *time.Time `db:"offered_at" json:"offered_at"`
	RespondBy    *time.Time `db:"respond_by" json:"respond_by"`
	// Promotion is the joint promotion whose public form captured the lead
	// (issue 19, item 3); ConsentAt and ConsentText are the consent the person
	// gave there, in the words they ticked.
	Promotion   *int64     `db:"promotion_id" json:"promotion_id"`
	ConsentAt   *time.Time `db:"consent_at" json:"consent_at"`
	ConsentText *string    `db:"consent_text" json:"consent_text"`
	CreatedAt   time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt   time.Time  `db:"updated_at" json:"updated_at"`
}

const columns = `network_id, id, owner_org_id, owner_user_id, company, contact_name, email, region, industry, notes, status, status_reason,
	assigned_org_id, assignment, offered_at, respond_by, promotion_id, consent_at, consent_text, created_at, updated_at`

// Route is one offer of a lead and its answer.
type Route struct {
	ID          int64      `db:"id" json:"id"`
	Org         int64      `db:"org_id" json:"org_id"`
	OfferedAt   time.Time  `db:"offered_at" json:"offered_at"`
	RespondBy   time.Time  `db:"respond_by" json:"respond_by"`
	Response    string     `db:"response" json:"response"`
	Reason      *string    `db:"reason" json:"reason"`
	RespondedAt *time.Time `db:"responded_at" json:"responded_at"`
}

// Service runs leads.
type Service struct {
	DB       *db.DB
	Partners *partners.Service
	// AcceptWithin is how long a partner has to answer an offer (0: 48 hours).
	AcceptWithin time.Duration
	// Now is the clock (tests set it); time.Now when nil.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) within() time.Duration {
	if s.AcceptWithin > 0 {
		return s.AcceptWithin
	}
	return 48 * time.Hour
}

// Input is a lead's fields; on create, Company is required.
type Input struct {
	Company     *string `json:"company"`
	ContactName *string `json:"contact_name"`
	Email       *string `json:"email"`
	Region      *string `json:"region"`
	Industry    *string `json:"industry"`
	Notes       *string `json:"notes"`
}

func text(field string, p *string, min, max int) (string, error) {
	if p == nil {
		return "", nil
	}
	v := strings.TrimSpace(*p)
	if len(v) < min || len(v) > max {
		return "", apperr.Field(field, "must be %d to %d characters", min, max)
	}
	return v, nil
}

// Create records a lead of the vendor, then lets the network's routing rules
// (Rules) offer it to a partner; when none applies it stays in the pool.
// Vendor organization, sales and above. Errors: Forbidden, Invalid.
func (s *Service) Create(ctx context.Context, a partners.Actor, in Input) (*Lead, error) {
	if err := a.RequireVendor(partners.Sales); err != nil {
		return nil, err
	}
	if in.Company == nil {
		return nil, apperr.Field("company", "is required")
	}
	var vals [6]string
	for i, f := range []struct {
		name     string
		p        *string
		min, max int
	}{{"company", in.Company, 1, 200}, {"contact_name", in.ContactName, 0, 200}, {"email", in.Email, 0, 254},
		{"region", in.Region, 0, 60}, {"industry", in.Industry, 0, 80}, {"notes", in.Notes, 0, 5000}} {
		v, err := text(f.name, f.p, f.min, f.max)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	if vals[2] != "" && !strings.Contains(vals[2], "@") {
		return nil, apperr.Field("email", "%q is not an email address", vals[2])
	}
	var out Lead
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &out, `INSERT INTO leads (network_id, owner_org_id, owner_user_id, company, contact_name, email, region, industry, notes)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING `+columns,
			a.Network, a.Org, nullID(a.User), vals[0], vals[1], vals[2], vals[3], vals[4], vals[5]); err != nil {
			return err
		}
		if err := logEvent(ctx, tx, a, out.ID, "created", map[string]any{"company": out.Company}); err != nil {
			return err
		}
		return audit(ctx, tx, a, "lead.create", out.ID, map[string]any{"company": out.Company})
	})
	if err != nil {
		return nil, err
	}
	// The network's routing rules offer it to a partner, if one applies.
	return s.routeNew(ctx, a, &out), nil
}

// Get returns a lead the actor may see. Errors: NotFound.
func (s *Service) Get(ctx context.Context, a partners.Actor, id int64) (*Lead, error) {
	var out Lead
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &out, `SELECT `+columns+` FROM leads WHERE network_id = $1 AND id = $2`, a.Network, id)
	})
	if err != nil {
		return nil, db.Absent(err, "Lead %d not found.", id)
	}
	return &out, nil
}

// Routes returns a lead's routing history, oldest first, at most limit
// offers (1 to 201) with ids above after: all of it for the vendor, a
// partner's own offers for a partner. Errors: NotFound.
func (s *Service) Routes(ctx context.Context, a partners.Actor, id, after int64, limit int) ([]Route, error) {
	if limit <= 0 || limit > 201 {
		limit = 50
	}
	out := []Route{}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var seen bool
		if err := tx.GetContext(ctx, &seen, `SELECT EXISTS (SELECT 1 FROM leads WHERE network_id = $1 AND id = $2)`, a.Network, id); err != nil {
			return err
		}
		if !seen {
			return apperr.E(apperr.NotFound, "Lead %d not found.", id)
		}
		return tx.SelectContext(ctx, &out, `SELECT id, org_id, offered_at, respond_by, response, reason, responded_at
			FROM lead_routes WHERE network_id = $1 AND lead_id = $2 AND id > $3 ORDER BY id LIMIT $4`, a.Network, id, after, limit)
	})
	return out, err
}

// Filter narrows a list of leads: by status, and before or after a cursor
// (Before: ids below it; After: ids above it); Asc orders the list oldest
// first (newest first by default). The rows come in the list's order either
// way, so a previous page read backwards equals the page read forwards.
type Filter struct {
	Status string
	Before int64
	After  int64
	Asc    bool
	Limit  int
}

// ascending is whether the statement reads in ascending id order.
func (f Filter) ascending() bool { return f.After > 0 || (f.Asc && f.Before == 0) }

// conditions are the conditions of each branch of the list (own rows, shared
// rows) for the filter's status and cursor, appended to args.
func (f Filter) conditions(args *[]any) (own, shared string) {
	if f.Status != "" {
		*args = append(*args, f.Status)
		n := fmt.Sprintf("$%d", len(*args))
		own, shared = ` AND l.status = `+n, ` AND l.status = `+n
	}
	for _, c := range []struct {
		v  int64
		op string
	}{{f.Before, "<"}, {f.After, ">"}} {
		if c.v > 0 {
			*args = append(*args, c.v)
			n := fmt.Sprintf("$%d", len(*args))
			own += ` AND l.id ` + c.op + ` ` + n
			shared += ` AND s.record_id ` + c.op + ` ` + n
		}
	}
	return own, shared
}

// Count is how many leads the actor may see under the filter's status (the
// cursor ignored). Errors: Invalid.
func (s *Service) Count(ctx context.Context, a partners.Actor, f Filter) (int, error) {
	if f.Status != "" {
		if err := oneOf("status", f.Status, Statuses); err != nil {
			return 0, err
		}
	}
	q, args := countStatement(a, f)
	var n int
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		st, err := s.DB.Prepared(ctx, tx, q)
		if err != nil {
			return err
		}
		return st.GetContext(ctx, &n, args...)
	})
	return n, err
}

// countStatement is Count's statement for the filter's shape (its status;
// the cursor ignored), with its arguments.
func countStatement(a partners.Actor, f Filter) (string, []any) {
	args := []any{a.Network, a.Org}
	own, shared := Filter{Status: f.Status}.conditions(&args)
	return `SELECT
			(SELECT count(*) FROM leads l WHERE l.network_id = $1 AND l.owner_org_id = $2` + own + `)
			+ (SELECT count(*) FROM ` + partners.SharedFrom(RecordType, "l") + `
			    WHERE s.network_id = $1 AND s.grantee_org_id = $2 AND s.record_type = '` + RecordType + `'` + shared + `)`, args
}

// CountSQL is Count's statement for a filter's shape, for benchmarks.
func CountSQL(a partners.Actor, f Filter) (string, []any) { return countStatement(a, f) }

// Offered is how many leads are offered to the actor's organization and wait
// for its answer.
func (s *Service) Offered(ctx context.Context, a partners.Actor) (int, error) {
	var n int
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &n, `SELECT count(*) FROM `+partners.SharedFrom(RecordType, "l")+`
			WHERE s.network_id = $1 AND s.grantee_org_id = $2 AND s.record_type = '`+RecordType+`' AND l.assignment = 'offered' AND l.assigned_org_id = $2`, a.Network, a.Org)
	})
	return n, err
}

// List returns the leads the actor may see, newest first: the vendor's own,
// a partner's those offered to or accepted by it. The visibility path is in
// the SQL (docs/LISTS.md), one statement text per filter shape.
// Errors: Invalid (an unknown status).
func (s *Service) List(ctx context.Context, a partners.Actor, f Filter) ([]Lead, error) {
	if f.Status != "" {
		if err := oneOf("status", f.Status, Statuses); err != nil {
			return nil, err
		}
	}
	if f.Limit <= 0 || f.Limit > 201 {
		f.Limit = 50
	}
	q, args := listStatement(a, f)
	out := make([]Lead, 0, f.Limit)
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		st, err := s.DB.Prepared(ctx, tx, q)
		if err != nil {
			return err
		}
		rows, err := st.QueryxContext(ctx, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			out = append(out, Lead{})
			if err := scanLead(rows, &out[len(out)-1]); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	if f.ascending() != f.Asc {
		slices.Reverse(out)
	}
	return out, nil
}

// branchColumns are columns, of the lead aliased l.
var branchColumns = "l." + strings.Join(strings.Fields(strings.ReplaceAll(columns, ",", " ")), ", l.")

// listStatement is the list's statement for the filter's shape (its status,
// its cursor's side, its order), with its arguments: the organization's own
// leads from the (network, owner[, status], id) index, UNION ALL those shared
// with it from the shares index, each branch stopping after Limit rows.
func listStatement(a partners.Actor, f Filter) (string, []any) {
	args := []any{a.Network, a.Org, f.Limit}
	own, shared := f.conditions(&args)
	dir := " DESC"
	if f.ascending() {
		dir = ""
	}
	return `SELECT ` + columns + ` FROM (
		(SELECT ` + branchColumns + ` FROM leads l WHERE l.network_id = $1 AND l.owner_org_id = $2` + own + ` ORDER BY l.id` + dir + ` LIMIT $3)
		UNION ALL
		(SELECT ` + branchColumns + ` FROM ` + partners.SharedFrom(RecordType, "l") + `
		  WHERE s.network_id = $1 AND s.grantee_org_id = $2 AND s.record_type = '` + RecordType + `'` + shared + ` ORDER BY s.record_id` + dir + ` LIMIT $3)) x
		ORDER BY id` + dir + ` LIMIT $3`, args
}

// ListSQL is the list's statement for a filter's shape, for benchmarks
// (bench/api runs it beside the service).
func ListSQL(a partners.Actor, f Filter) (string, []any) {
	if f.Limit <= 0 || f.Limit > 201 {
		f.Limit = 50
	}
	return listStatement(a, f)
}

// scanLead reads one row of columns by position (docs/LISTS.md): no
// reflection.
func scanLead(rows *sqlx.Rows, l *Lead) error {
	return rows.Scan(&l.Network, &l.ID, &l.OwnerOrg, &l.OwnerUser, &l.Company, &l.ContactName, &l.Email, &l.Region, &l.Industry, &l.Notes,
		&l.Status, &l.StatusReason, &l.AssignedOrg, &l.Assignment, &l.OfferedAt, &l.RespondBy, &l.Promotion, &l.ConsentAt, &l.ConsentText,
		&l.CreatedAt, &l.UpdatedAt)
}

// Offer offers a lead in the pool to a partner organization, which has until
// the deadline (AcceptWithin) to answer; its admins are notified. Vendor
// managers. Errors: Conflict (the lead is offered or accepted already),
// Forbidden, Invalid (org_id), NotFound.
func (s *Service) Offer(ctx context.Context, a partners.Actor, id, org int64) (*Lead, error) {
	if err := a.RequireVendor(partners.Manager); err != nil {
		return nil, err
	}
	if org <= 0 || org == a.Org {
		return nil, apperr.Field("org_id", "name a partner organization of this network")
	}
	if _, err := s.Partners.Organization(ctx, a, org); err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return nil, apperr.Field("org_id", "no partner organization %d in this network", org)
		}
		return nil, err
	}
	var out Lead
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		l, err := lock(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if l.Assignment != "pool" {
			return apperr.E(apperr.Conflict, "Lead %d is %s by organization %d: it cannot be offered again until it returns to the pool.", id, l.Assignment, *l.AssignedOrg)
		}
		if l.Status == "disqualified" || l.Status == "converted" {
			return apperr.E(apperr.Conflict, "Lead %d is %s: it is not offered to partners.", id, l.Status)
		}
		now := s.now()
		by := now.Add(s.within())
		if err := partners.ShareByWorkflow(ctx, tx, a, RecordType, id, org, "write"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO lead_routes (network_id, lead_id, org_id, offered_at, respond_by) VALUES ($1, $2, $3, $4, $5)`,
			a.Network, id, org, now, by); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &out, `UPDATE leads SET assignment = 'offered', assigned_org_id = $3, offered_at = $4, respond_by = $5, updated_at = now()
			WHERE network_id = $1 AND id = $2 RETURNING `+columns, a.Network, id, org, now, by); err != nil {
			return err
		}
		company := l.Company
		if err := s.Partners.NotifyOrgAdmins(ctx, tx, a, org, "lead.offered", fmt.Sprintf("/leads/%d", id), l10n.M("Lead offered"), func(from string) l10n.Msg {
			return l10n.M("%s offers you the lead %q: accept or decline it by %s.", from, company, by.UTC().Format("2006-01-02 15:04 UTC"))
		}); err != nil {
			return err
		}
		if err := s.ensureClock(ctx, tx, a.Network, a.Org); err != nil {
			return err
		}
		if err := logEvent(ctx, tx, a, id, "offered", map[string]any{"org_id": org, "respond_by": by}); err != nil {
			return err
		}
		return audit(ctx, tx, a, "lead.offer", id, map[string]any{"org": org, "respond_by": by})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Accept takes an offered lead. The partner it is offered to, sales and
// above, before the deadline. Errors: Conflict, Forbidden, NotFound.
func (s *Service) Accept(ctx context.Context, a partners.Actor, id int64) (*Lead, error) {
	return s.answer(ctx, a, id, true, "")
}

// Decline gives an offered lead back to the vendor's pool, saying why. The
// partner it is offered to. Errors: Conflict, Forbidden, Invalid, NotFound.
func (s *Service) Decline(ctx context.Context, a partners.Actor, id int64, reason string) (*Lead, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 1000 {
		return nil, apperr.Field("reason", "say why, in 1 to 1000 characters")
	}
	return s.answer(ctx, a, id, false, reason)
}

func (s *Service) answer(ctx context.Context, a partners.Actor, id int64, accept bool, reason string) (*Lead, error) {
	if err := a.Require(partners.Sales); err != nil {
		return nil, err
	}
	var out Lead
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		l, err := lock(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if l.AssignedOrg == nil || *l.AssignedOrg != a.Org {
			return apperr.E(apperr.Forbidden, "Only the partner this lead is offered to may answer the offer.")
		}
		if l.Assignment != "offered" {
			return apperr.E(apperr.Conflict, "Lead %d is already %s.", id, l.Assignment)
		}
		now := s.now()
		if !l.RespondBy.After(now) {
			return apperr.E(apperr.Conflict, "The offer of lead %d ended at %s.", id, l.RespondBy.UTC().Format("2006-01-02 15:04 UTC"))
		}
		response, q := "accepted", `UPDATE leads SET assignment = 'accepted', updated_at = now()`
		if !accept {
			response, q = "declined", `UPDATE leads SET assignment = 'pool', assigned_org_id = NULL, offered_at = NULL, respond_by = NULL, updated_at = now()`
		}
		if _, err := tx.ExecContext(ctx, `UPDATE lead_routes SET response = $4, reason = $5, responded_at = $6
			WHERE network_id = $1 AND lead_id = $2 AND org_id = $3 AND response = ''`, a.Network, id, a.Org, response, nullText(reason), now); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &out, q+` WHERE network_id = $1 AND id = $2 RETURNING `+columns, a.Network, id); err != nil {
			return err
		}
		company := l.Company
		if err := s.Partners.NotifyOrgAdmins(ctx, tx, a, l.OwnerOrg, "lead."+response, fmt.Sprintf("/leads/%d", id), l10n.M("Lead answered"), func(from string) l10n.Msg {
			if accept {
				return l10n.M("%s accepted the lead %q.", from, company)
			}
			return l10n.M("%s declined the lead %q: %s", from, company, reason)
		}); err != nil {
			return err
		}
		if err := logEvent(ctx, tx, a, id, response, map[string]any{"org_id": a.Org, "reason": reason}); err != nil {
			return err
		}
		return audit(ctx, tx, a, "lead."+response, id, map[string]any{"reason": reason})
	})
	if err != nil {
		return nil, err
	}
	if !accept {
		// The partner's access ends with the offer, as the vendor (the owner
		// of the share) ends it, in a transaction of its own.
		if err := s.Partners.UnshareRecord(ctx, vendorActor(a.Network, out.OwnerOrg), RecordType, id, a.Org); err != nil {
			return nil, fmt.Errorf("end the offer of lead %d: %w", id, err)
		}
	}
	return &out, nil
}

// SetStatus moves a lead's status: the vendor on its leads, or the partner
// that accepted it. Disqualified needs a reason. Sales and above.
// Errors: Conflict, Forbidden, Invalid, NotFound.
func (s *Service) SetStatus(ctx context.Context, a partners.Actor, id int64, status, reason string) (*Lead, error) {
	if err := a.Require(partners.Sales); err != nil {
		return nil, err
	}
	if err := oneOf("status", status, Statuses[1:]); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if status == "disqualified" && (reason == "" || len(reason) > 1000) {
		return nil, apperr.Field("reason", "say why the lead is disqualified, in 1 to 1000 characters")
	}
	var out Lead
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		l, err := lock(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if l.OwnerOrg != a.Org {
			if l.AssignedOrg == nil || *l.AssignedOrg != a.Org || l.Assignment != "accepted" {
				return apperr.E(apperr.Conflict, "Accept lead %d before working it.", id)
			}
		}
		if l.Status == "converted" || l.Status == "disqualified" {
			return apperr.E(apperr.Conflict, "Lead %d is %s: its status no longer changes.", id, l.Status)
		}
		if err := tx.GetContext(ctx, &out, `UPDATE leads SET status = $3, status_reason = $4, updated_at = now()
			WHERE network_id = $1 AND id = $2 RETURNING `+columns, a.Network, id, status, nullText(reason)); err != nil {
			return err
		}
		if err := logEvent(ctx, tx, a, id, "status", map[string]any{"from": l.Status, "to": status, "reason": reason}); err != nil {
			return err
		}
		return audit(ctx, tx, a, "lead.status", id, map[string]any{"from": l.Status, "to": status, "reason": reason})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ClockJob is the job kind of a network's lead clock: offers past their
// deadline return to the pool (the history says "expired"), the vendor's
// admins are told; then it queues itself again ClockEvery later.
const ClockJob = "leads.clock"

// ClockEvery is how often a network's lead clock runs.
const ClockEvery = 15 * time.Minute

type clockPayload struct {
	Vendor int64 `json:"vendor"`
}

func (s *Service) ensureClock(ctx context.Context, tx *sqlx.Tx, network, vendor int64) error {
	waiting, err := jobs.Waiting(ctx, tx, network, ClockJob)
	if err != nil || waiting {
		return err
	}
	_, err = jobs.EnqueueAt(ctx, tx, network, vendor, ClockJob, clockPayload{vendor}, s.now().Add(ClockEvery))
	return err
}

// ExpireOffers returns the leads whose offer was not answered in time to the
// pool and ends the partners' access to them; it returns how many. Vendor
// managers (the clock acts as one). Errors: Forbidden.
func (s *Service) ExpireOffers(ctx context.Context, a partners.Actor) (int, error) {
	if err := a.RequireVendor(partners.Manager); err != nil {
		return 0, err
	}
	var due []Lead
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		now := s.now()
		if err := tx.SelectContext(ctx, &due, `SELECT `+columns+` FROM leads
			WHERE network_id = $1 AND assignment = 'offered' AND respond_by <= $2 ORDER BY id FOR UPDATE`, a.Network, now); err != nil {
			return err
		}
		for _, l := range due {
			if _, err := tx.ExecContext(ctx, `UPDATE lead_routes SET response = 'expired', responded_at = $4
				WHERE network_id = $1 AND lead_id = $2 AND org_id = $3 AND response = ''`, a.Network, l.ID, *l.AssignedOrg, now); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE leads SET assignment = 'pool', assigned_org_id = NULL, offered_at = NULL, respond_by = NULL, updated_at = now()
				WHERE network_id = $1 AND id = $2`, a.Network, l.ID); err != nil {
				return err
			}
			company := l.Company
			if err := s.Partners.NotifyOrgAdmins(ctx, tx, a, l.OwnerOrg, "lead.expired", fmt.Sprintf("/leads/%d", l.ID), l10n.M("Lead back in the pool"), func(string) l10n.Msg {
				return l10n.M("The offer of the lead %q was not answered in time: it is back in the pool.", company)
			}); err != nil {
				return err
			}
			if err := audit(ctx, tx, a, "lead.offer_expired", l.ID, map[string]any{"org": *l.AssignedOrg}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, l := range due {
		if err := s.Partners.UnshareRecord(ctx, a, RecordType, l.ID, *l.AssignedOrg); err != nil && !apperr.Is(err, apperr.NotFound) {
			return 0, fmt.Errorf("end the expired offer of lead %d: %w", l.ID, err)
		}
	}
	return len(due), nil
}

// ClockHandler is the job handler of ClockJob.
func (s *Service) ClockHandler() jobs.Handler {
	return func(ctx context.Context, j jobs.Job) error {
		var p clockPayload
		if err := json.Unmarshal(j.Payload, &p); err != nil || p.Vendor == 0 {
			return fmt.Errorf("lead clock job %d: payload %s names no vendor", j.ID, j.Payload)
		}
		a := vendorActor(j.Network, p.Vendor)
		if _, err := s.ExpireOffers(ctx, a); err != nil {
			return err
		}
		return s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
			var offered int
			if err := tx.GetContext(ctx, &offered, `SELECT count(*) FROM leads WHERE network_id = $1 AND assignment = 'offered'`, j.Network); err != nil {
				return err
			}
			if offered == 0 {
				return nil // the next offer queues the clock again
			}
			return s.ensureClock(ctx, tx, j.Network, p.Vendor)
		})
	}
}

// vendorActor is the vendor as the hub acts for it on leads (ending an
// offer's share, the lead clock), named so in the audit log.
func vendorActor(network, vendor int64) partners.Actor {
	return partners.Actor{Network: network, Org: vendor, Role: partners.Manager, VendorOrg: true, Name: "leads", Email: "system:leads"}
}

func lock(ctx context.Context, tx *sqlx.Tx, a partners.Actor, id int64) (*Lead, error) {
	var l Lead
	if err := tx.GetContext(ctx, &l, `SELECT `+columns+` FROM leads WHERE network_id = $1 AND id = $2 FOR UPDATE`, a.Network, id); err != nil {
		return nil, db.Absent(err, "Lead %d not found.", id)
	}
	return &l, nil
}

func oneOf(field, v string, allowed []string) error {
	for _, x := range allowed {
		if v == x {
			return nil
		}
	}
	return apperr.Field(field, "%q is not one of %s", v, strings.Join(allowed, ", "))
}

func nullID(v int64) any {
	if v <= 0 {
		return nil
	}
	return v
}

func nullText(v string) any {
	if v == "" {
		return nil
	}
	return v
}

func audit(ctx context.Context, tx *sqlx.Tx, a partners.Actor, action string, id int64, detail map[string]any) error {
	return auditlog.Append(ctx, tx, auditlog.Entry{Network: a.Network, Org: a.Org, User: a.User, Actor: a.Label(), Action: action,
		TargetType: RecordType, TargetID: fmt.Sprint(id), Detail: detail})
}
