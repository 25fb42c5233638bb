// Package deals holds deal registrations (issue 17): a partner registers a deal
// on an account it can see, submits it to the vendor, and the vendor reviews,
// approves it with a protection period, or rejects it with a reason; approved
// registrations are converted, withdrawn, extended or expire.
//
// Registrations are a shareable record type of the partners core: submitting
// shares one with the vendor for writing, by workflow, so the vendor reads and
// decides it under row-level security like any shared record, and explain names
// why. Who may make which transition is decided here; which rows a caller can
// touch at all, by the database's policies.
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
	auditlog "github.com/partnerhub/partnerhub/internal/audit"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

// RecordType is the registrations' name in shares and explain.
const RecordType = "deal_registration"

func init() {
	partners.RegisterShareable(partners.Shareable{
		Type: RecordType, Table: "deal_registrations", OwnerUser: "owner_user_id",
		Noun: "deal registration", Nouns: "deal registrations",
		// The activities on a registration follow it (activity.go).
		Dependents: []partners.Dependent{{Table: "activities", Column: "share_id", TypeColumn: "share_type"}},
		Event:      logEvent,
	})
}

// States of a registration.
const (
	Draft       = "draft"
	Submitted   = "submitted"
	UnderReview = "under_review"
	Approved    = "approved"
	Rejected    = "rejected"
	Converted   = "converted"
	Expired     = "expired"
	Withdrawn   = "withdrawn"
)

// branchColumns are columns, of the registration aliased r.
var branchColumns = "r." + strings.Join(strings.Fields(strings.ReplaceAll(columns, ",", " ")), ", r.")

// Registration is a deal registration as its readers see it.
type Registration struct {
	Network       int64          `db:"network_id" json:"-"`
	ID            int64          `db:"id" json:"id"`
	OwnerOrg      int64          `db:"owner_org_id" json:"owner_org_id"`
	OwnerUser     *int64         `db:"owner_user_id" json:"owner_user_id"`
	AccountID     int64          `db:"account_id" json:"account_id"`
	AccountName   string         `db:"account_name" json:"account_name"`
	Title         string         `db:"title" json:"title"`
	Products      pq.StringArray `db:"products" json:"products"`
	AmountMinor   int64          `db:"amount_minor" json:"amount_minor"`
	Amount        string         `db:"-" json:"amount"`
	Currency      string         `db:"currency" json:"currency"`
	ExpectedClose time.Time      `db:"expected_close" json:"expected_close"`
	Notes         string         `db:"notes" json:"notes"`
	State         string         `db:"state" json:"state"`
	RejectReason  *string        `db:"reject_reason" json:"reject_reason"`
	SubmittedAt   *time.Time     `db:"submitted_at" json:"submitted_at"`
	DecidedAt     *time.Time     `db:"decided_at" json:"decided_at"`
	DecidedBy     *int64         `db:"decided_by" json:"decided_by"`
	ExpiresAt     *time.Time     `db:"expires_at" json:"expires_at"`
	ExtensionDays *int           `db:"extension_days" json:"extension_days"`
	ExtensionNote *string        `db:"extension_note" json:"extension_note"`
	// MatchKeys are the account's matching keys when the deal was submitted.
	MatchKeys pq.StringArray `db:"match_keys" json:"match_keys"`
	// Conflict is what the registering partner may learn of the conflict
	// check: "" (not checked yet), "none" or "found"; ConflictOutcome, when
	// found: "review" (the vendor decides), "first" (registered first, it
	// stands) or "later" (another partner was first: rejected). Who else
	// registered is in the evidence, which only the vendor reads.
	Conflict        string     `db:"conflict" json:"conflict"`
	ConflictOutcome string     `db:"conflict_outcome" json:"conflict_outcome"`
	CheckedAt       *time.Time `db:"checked_at" json:"checked_at"`
	CreatedAt       time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt       time.Time  `db:"updated_at" json:"updated_at"`
}

const columns = `network_id, id, owner_org_id, owner_user_id, account_id, account_name, title, products, amount_minor, currency,
	expected_close, notes, state, reject_reason, submitted_at, decided_at, decided_by, expires_at, extension_days, extension_note, match_keys, conflict, conflict_outcome, checked_at, created_at, updated_at`

// Service runs the registration workflow.
type Service struct {
	DB *db.DB
	// Partners notifies organizations' admins of hand-offs (nil: no such
	// notifications; those to a registration's owner are sent regardless).
	Partners *partners.Service
	// Now is the clock (tests set it); time.Now when nil.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Input is a registration's editable fields; nil leaves a field as it is (on
// create, Account, Title, Amount, Currency and ExpectedClose are required).
type Input struct {
	Account       *int64    `json:"account_id"`
	Title         *string   `json:"title"`
	Products      *[]string `json:"products"`
	Amount        *string   `json:"amount"`
	Currency      *string   `json:"currency"`
	ExpectedClose *string   `json:"expected_close"`
	Notes         *string   `json:"notes"`
}

// fields are an input checked and normalized.
type fields struct {
	title, notes, currency string
	products               []string
	amount                 int64
	close                  time.Time
}

func (in Input) check(create bool, was *Registration) (fields, error) {
	var f fields
	if was != nil {
		f = fields{was.Title, was.Notes, was.Currency, was.Products, was.AmountMinor, was.ExpectedClose}
	}
	if create {
		for name, missing := range map[string]bool{"account_id": in.Account == nil, "title": in.Title == nil, "amount": in.Amount == nil,
			"currency": in.Currency == nil, "expected_close": in.ExpectedClose == nil} {
			if missing {
				return f, apperr.Field(name, "is required")
			}
		}
	} else if in.Account != nil {
		return f, apperr.Field("account_id", "cannot change: withdraw this registration and register the deal on the other account")
	}
	if in.Title != nil {
		f.title = strings.TrimSpace(*in.Title)
		if f.title == "" || len(f.title) > 200 {
			return f, apperr.Field("title", "must be 1 to 200 characters")
		}
	}
	if in.Notes != nil {
		if f.notes = strings.TrimSpace(*in.Notes); len(f.notes) > 5000 {
			return f, apperr.Field("notes", "must be at most 5000 characters")
		}
	}
	if f.products == nil {
		f.products = []string{}
	}
	if in.Products != nil {
		f.products = []string{}
		for i, p := range *in.Products {
			p = strings.TrimSpace(p)
			if p == "" || len(p) > 100 {
				return f, apperr.Field(fmt.Sprintf("products[%d]", i), "must be 1 to 100 characters")
			}
			f.products = append(f.products, p)
		}
		if len(f.products) > 50 {
			return f, apperr.Field("products", "at most 50 products")
		}
	}
	if in.Amount != nil || in.Currency != nil {
		amount, code := decimal(f.amount, f.currency), f.currency
		if in.Amount != nil {
			amount = *in.Amount
		}
		if in.Currency != nil {
			code = *in.Currency
		}
		var err error
		if f.amount, f.currency, err = minorUnits(amount, code); err != nil {
			return f, err
		}
	}
	if in.ExpectedClose != nil {
		t, err := time.Parse("2006-01-02", strings.TrimSpace(*in.ExpectedClose))
		if err != nil {
			return f, apperr.Field("expected_close", "%q is not a date (YYYY-MM-DD)", *in.ExpectedClose)
		}
		f.close = t
	}
	return f, nil
}

// Create registers a deal on an account the actor's organization can see, as
// a draft. Partner organizations only, sales role and above.
// Errors: Forbidden, Invalid, NotFound (the account).
func (s *Service) Create(ctx context.Context, a partners.Actor, in Input) (*Registration, error) {
	if err := a.Require(partners.Sales); err != nil {
		return nil, err
	}
	if a.VendorOrg {
		return nil, apperr.E(apperr.Forbidden, "Deal registrations are made by partner organizations; the vendor's own deals are joint deals.")
	}
	f, err := in.check(true, nil)
	if err != nil {
		return nil, err
	}
	if !f.close.After(s.now().AddDate(0, 0, -1)) {
		return nil, apperr.Field("expected_close", "must not be in the past")
	}
	var out Registration
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		name, archived, err := accounts.Visible(ctx, tx, a.Network, *in.Account)
		if err != nil {
			if apperr.Is(err, apperr.NotFound) {
				return apperr.Field("account_id", "no account %d that your organization can see", *in.Account)
			}
			return err
		}
		if archived {
			return apperr.Field("account_id", "account %d is archived: restore it before registering a deal on it", *in.Account)
		}
		if err := tx.GetContext(ctx, &out, `
			INSERT INTO deal_registrations (network_id, owner_org_id, owner_user_id, account_id, account_name, title, products, amount_minor, currency, expected_close, notes)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING `+columns,
			a.Network, a.Org, nullID(a.User), *in.Account, name, f.title, pq.StringArray(f.products), f.amount, f.currency, f.close, f.notes); err != nil {
			return err
		}
		if err := logEvent(ctx, tx, a, out.ID, "created", map[string]any{"title": out.Title}); err != nil {
			return err
		}
		return audit(ctx, tx, a, "deal_registration.create", RecordType, out.ID, map[string]any{"account": out.AccountID, "title": out.Title})
	})
	if err != nil {
		return nil, err
	}
	out.Amount = decimal(out.AmountMinor, out.Currency)
	return &out, nil
}

// Get returns a registration the actor may see. Errors: NotFound.
func (s *Service) Get(ctx context.Context, a partners.Actor, id int64) (*Registration, error) {
	var out Registration
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &out, `SELECT `+columns+` FROM deal_registrations WHERE network_id = $1 AND id = $2`, a.Network, id)
	})
	if err != nil {
		return nil, db.Absent(err, "Deal registration %d not found.", id)
	}
	out.Amount = decimal(out.AmountMinor, out.Currency)
	return &out, nil
}

// Filter narrows a list of registrations: by state, and before or after a
// cursor. Before asks for the rows with ids below it, After for those above
// it; Asc orders the list oldest first (newest first by default). The rows
// come in the list's order either way, so a page read backwards (a previous
// page) equals the same page read forwards.
type Filter struct {
	State  string
	Before int64
	After  int64
	Asc    bool
	Limit  int
}

// List returns the registrations the actor may see, newest first, at most
// f.Limit of them (1 to 201, default 50) with ids below f.Before: its own
// organization's, and those shared with it (for the vendor, every registration
// submitted to it). The visibility path is in the SQL (docs/LISTS.md): the
// organization's own registrations from the (network, owner[, state], id)
// index, UNION ALL those shared with it from the shares index, each branch
// reading at most Limit rows; one statement text per filter shape, prepared.
// Errors: Invalid (an unknown state).
func (s *Service) List(ctx context.Context, a partners.Actor, f Filter) ([]Registration, error) {
	if f.State != "" {
		if err := oneOf("state", f.State, []string{Draft, Submitted, UnderReview, Approved, Rejected, Converted, Expired, Withdrawn}); err != nil {
			return nil, err
		}
	}
	if f.Limit <= 0 || f.Limit > 201 {
		f.Limit = 50
	}
	q, args := listStatement(a, f)
	out := make([]Registration, 0, f.Limit)
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
			out = append(out, Registration{})
			if err := scanRegistration(rows, &out[len(out)-1]); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	if f.reversed() {
		slices.Reverse(out)
	}
	for i := range out {
		out[i].Amount = decimal(out[i].AmountMinor, out[i].Currency)
	}
	return out, nil
}

// scanRegistration reads one row of columns by position (docs/LISTS.md):
// no reflection, the arrays straight into the registration's fields.
func scanRegistration(rows *sqlx.Rows, r *Registration) error {
	return rows.Scan(&r.Network, &r.ID, &r.OwnerOrg, &r.OwnerUser, &r.AccountID, &r.AccountName, &r.Title, &r.Products, &r.AmountMinor, &r.Currency,
		&r.ExpectedClose, &r.Notes, &r.State, &r.RejectReason, &r.SubmittedAt, &r.DecidedAt, &r.DecidedBy, &r.ExpiresAt, &r.ExtensionDays, &r.ExtensionNote,
		&r.MatchKeys, &r.Conflict, &r.ConflictOutcome, &r.CheckedAt, &r.CreatedAt, &r.UpdatedAt)
}

// ListSQL is the list's statement for a filter's shape, for benchmarks.
func ListSQL(a partners.Actor, f Filter) (string, []any) { return listStatement(a, f) }

// ascending is whether the statement reads in ascending id order: forwards
// through an oldest-first list, or backwards (After) through a newest-first one.
func (f Filter) ascending() bool { return f.After > 0 || (f.Asc && f.Before == 0) }

// reversed is whether the rows read must be turned around into the list's order.
func (f Filter) reversed() bool { return f.ascending() != f.Asc }

func listStatement(a partners.Actor, f Filter) (string, []any) {
	args := []any{a.Network, a.Org, f.Limit}
	own, shared := stateAndCursor(f, &args)
	dir := " DESC"
	if f.ascending() {
		dir = ""
	}
	return `SELECT ` + columns + ` FROM (
		(SELECT ` + branchColumns + ` FROM deal_registrations r
		  WHERE r.network_id = $1 AND r.owner_org_id = $2` + own + ` ORDER BY r.id` + dir + ` LIMIT $3)
		UNION ALL
		(SELECT ` + branchColumns + ` FROM ` + partners.SharedFrom(RecordType, "r") + `
		  WHERE s.network_id = $1 AND s.grantee_org_id = $2 AND s.record_type = '` + RecordType + `'` + shared + `
		  ORDER BY s.record_id` + dir + ` LIMIT $3)) x
		ORDER BY id` + dir + ` LIMIT $3`, args
}

// stateAndCursor are the conditions of each branch of the list (own rows,
// shared rows) for the filter's state and cursor, appended to args.
func stateAndCursor(f Filter, args *[]any) (own, shared string) {
	if f.State != "" {
		*args = append(*args, f.State)
		n := fmt.Sprintf("$%d", len(*args))
		own += ` AND r.state = ` + n
		shared += ` AND r.state = ` + n
	}
	for _, c := range []struct {
		v  int64
		op string
	}{{f.Before, "<"}, {f.After, ">"}} {
		if c.v > 0 {
			*args = append(*args, c.v)
			n := fmt.Sprintf("$%d", len(*args))
			own += ` AND r.id ` + c.op + ` ` + n
			shared += ` AND s.record_id ` + c.op + ` ` + n
		}
	}
	return own, shared
}

// Count is how many registrations the actor may see under the filter's state
// (the cursor ignored): its organization's, plus those shared with it, each
// counted from its index as the list reads them. Errors: Invalid.
func (s *Service) Count(ctx context.Context, a partners.Actor, f Filter) (int, error) {
	if f.State != "" {
		if err := oneOf("state", f.State, []string{Draft, Submitted, UnderReview, Approved, Rejected, Converted, Expired, Withdrawn}); err != nil {
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

// countStatement is Count's statement for the filter's shape (its state; the
// cursor ignored), with its arguments.
func countStatement(a partners.Actor, f Filter) (string, []any) {
	args := []any{a.Network, a.Org}
	own, shared := stateAndCursor(Filter{State: f.State}, &args)
	return `SELECT
			(SELECT count(*) FROM deal_registrations r WHERE r.network_id = $1 AND r.owner_org_id = $2` + own + `)
			+ (SELECT count(*) FROM ` + partners.SharedFrom(RecordType, "r") + `
			    WHERE s.network_id = $1 AND s.grantee_org_id = $2 AND s.record_type = '` + RecordType + `'` + shared + `)`, args
}

// CountSQL is Count's statement for a filter's shape, for benchmarks.
func CountSQL(a partners.Actor, f Filter) (string, []any) { return countStatement(a, f) }

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

func audit(ctx context.Context, tx *sqlx.Tx, a partners.Actor, action, targetType string, id int64, detail map[string]any) error {
	return auditlog.Append(ctx, tx, auditlog.Entry{Network: a.Network, Org: a.Org, User: a.User, Actor: a.Label(), Action: action,
		TargetType: targetType, TargetID: fmt.Sprint(id), Detail: detail})
}
