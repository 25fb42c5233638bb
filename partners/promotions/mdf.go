package promotions

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/deals"
)

// Fund is a market-development fund of the vendor for a period.
type Fund struct {
	Network        int64     `db:"network_id" json:"-"`
	ID             int64     `db:"id" json:"id"`
	Name           string    `db:"name" json:"name"`
	PeriodStart    time.Time `db:"period_start" json:"period_start"`
	PeriodEnd      time.Time `db:"period_end" json:"period_end"`
	Currency       string    `db:"currency" json:"currency"`
	TotalMinor     int64     `db:"total_minor" json:"total_minor"`
	AllocatedMinor int64     `db:"allocated_minor" json:"allocated_minor"`
	Total          string    `db:"-" json:"total"`
	Allocated      string    `db:"-" json:"allocated"`
	Available      string    `db:"-" json:"available"`
	CreatedAt      time.Time `db:"created_at" json:"created_at"`
}

const fundColumns = `network_id, id, name, period_start, period_end, currency, total_minor, allocated_minor, created_at`

func (f *Fund) money() {
	f.Total, f.Allocated = deals.Decimal(f.TotalMinor, f.Currency), deals.Decimal(f.AllocatedMinor, f.Currency)
	f.Available = deals.Decimal(f.TotalMinor-f.AllocatedMinor, f.Currency)
}

// Allocation is the part of a fund a partner may request.
type Allocation struct {
	Network        int64     `db:"network_id" json:"-"`
	ID             int64     `db:"id" json:"id"`
	Fund           int64     `db:"fund_id" json:"fund_id"`
	Org            int64     `db:"org_id" json:"org_id"`
	FundName       string    `db:"fund_name" json:"fund_name"`
	PeriodStart    time.Time `db:"period_start" json:"period_start"`
	PeriodEnd      time.Time `db:"period_end" json:"period_end"`
	Currency       string    `db:"currency" json:"currency"`
	AmountMinor    int64     `db:"amount_minor" json:"amount_minor"`
	CommittedMinor int64     `db:"committed_minor" json:"committed_minor"`
	Amount         string    `db:"-" json:"amount"`
	Committed      string    `db:"-" json:"committed"`
	Balance        string    `db:"-" json:"balance"`
	UpdatedAt      time.Time `db:"updated_at" json:"updated_at"`
}

const allocationColumns = `network_id, id, fund_id, org_id, fund_name, period_start, period_end, currency, amount_minor, committed_minor, updated_at`

func (al *Allocation) money() {
	al.Amount, al.Committed = deals.Decimal(al.AmountMinor, al.Currency), deals.Decimal(al.CommittedMinor, al.Currency)
	al.Balance = deals.Decimal(al.AmountMinor-al.CommittedMinor, al.Currency)
}

// States of a fund request.
const (
	Pending  = "pending"
	Approved = "approved"
	Rejected = "rejected"
)

// Request is a partner's request for funds from its allocation.
type Request struct {
	Network       int64      `db:"network_id" json:"-"`
	ID            int64      `db:"id" json:"id"`
	Allocation    int64      `db:"allocation_id" json:"allocation_id"`
	Fund          int64      `db:"fund_id" json:"fund_id"`
	Org           int64      `db:"org_id" json:"org_id"`
	User          *int64     `db:"user_id" json:"user_id"`
	Promotion     *int64     `db:"promotion_id" json:"promotion_id"`
	Activity      string     `db:"activity" json:"activity"`
	AmountMinor   int64      `db:"amount_minor" json:"amount_minor"`
	Currency      string     `db:"currency" json:"currency"`
	Amount        string     `db:"-" json:"amount"`
	PlannedStart  time.Time  `db:"planned_start" json:"planned_start"`
	PlannedEnd    time.Time  `db:"planned_end" json:"planned_end"`
	State         string     `db:"state" json:"state"`
	ApprovedMinor *int64     `db:"approved_minor" json:"approved_minor"`
	Approved      *string    `db:"-" json:"approved"`
	ClaimedMinor  int64      `db:"claimed_minor" json:"claimed_minor"`
	DecisionNote  string     `db:"decision_note" json:"decision_note"`
	DecidedAt     *time.Time `db:"decided_at" json:"decided_at"`
	DecidedBy     *int64     `db:"decided_by" json:"decided_by"`
	CreatedAt     time.Time  `db:"created_at" json:"created_at"`
}

const requestColumns = `network_id, id, allocation_id, fund_id, org_id, user_id, promotion_id, activity, amount_minor, currency, planned_start, planned_end,
	state, approved_minor, claimed_minor, decision_note, decided_at, decided_by, created_at`

func (r *Request) money() {
	r.Amount = deals.Decimal(r.AmountMinor, r.Currency)
	if r.ApprovedMinor != nil {
		v := deals.Decimal(*r.ApprovedMinor, r.Currency)
		r.Approved = &v
	}
}

// FundInput makes a fund.
type FundInput struct {
	Name        string `json:"name"`
	PeriodStart string `json:"period_start"`
	PeriodEnd   string `json:"period_end"`
	Currency    string `json:"currency"`
	Total       string `json:"total"`
}

// CreateFund makes a fund for a period. Vendor managers.
// Errors: Forbidden, Invalid.
func (s *Service) CreateFund(ctx context.Context, a partners.Actor, in FundInput) (*Fund, error) {
	if err := a.RequireVendor(partners.Manager); err != nil {
		return nil, err
	}
	name := strings.TrimSpace(in.Name)
	if name == "" || len(name) > 200 {
		return nil, apperr.Field("name", "must be 1 to 200 characters")
	}
	start, err := day("period_start", in.PeriodStart)
	if err != nil {
		return nil, err
	}
	end, err := day("period_end", in.PeriodEnd)
	if err != nil {
		return nil, err
	}
	if end.Before(start) {
		return nil, apperr.Field("period_end", "%s is before period_start %s", end.Format(time.DateOnly), start.Format(time.DateOnly))
	}
	total, cur, err := money("total", in.Total, in.Currency)
	if err != nil {
		return nil, err
	}
	var out Fund
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &out, `INSERT INTO mdf_funds (network_id, name, period_start, period_end, currency, total_minor)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+fundColumns, a.Network, name, start, end, cur, total); err != nil {
			return err
		}
		return audit(ctx, tx, a, "mdf_fund.create", "mdf_fund", out.ID, map[string]any{"name": name, "total": total, "currency": cur})
	})
	if err != nil {
		return nil, err
	}
	out.money()
	return &out, nil
}

// money parses an amount in a currency, naming field for a bad amount.
func money(field, amount, currency string) (int64, string, error) {
	v, cur, err := deals.MinorUnits(amount, currency)
	if e, ok := apperr.As(err); ok && e.Field == "amount" {
		return 0, "", e.On(field)
	}
	return v, cur, err
}

// Funds lists the network's funds, newest first. Vendor managers.
func (s *Service) Funds(ctx context.Context, a partners.Actor) ([]Fund, error) {
	if err := a.RequireVendor(partners.Manager); err != nil {
		return nil, err
	}
	out := []Fund{}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `SELECT `+fundColumns+` FROM mdf_funds WHERE network_id = $1 ORDER BY id DESC LIMIT 200`, a.Network)
	})
	for i := range out {
		out[i].money()
	}
	return out, err
}

// AllocationInput sets a partner's allocation of a fund.
type AllocationInput struct {
	Org    int64  `json:"org_id"`
	Amount string `json:"amount"`
}

// Allocate sets a partner's allocation of a fund to an amount (in the fund's
// currency): never more than the fund has left, never less than the partner's
// requests already hold. The fund row is locked, so concurrent allocations add
// up. Vendor managers. Errors: Forbidden, Invalid, NotFound.
func (s *Service) Allocate(ctx context.Context, a partners.Actor, fund int64, in AllocationInput) (*Allocation, error) {
	if err := a.RequireVendor(partners.Manager); err != nil {
		return nil, err
	}
	var out Allocation
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var f Fund
		if err := tx.GetContext(ctx, &f, `SELECT `+fundColumns+` FROM mdf_funds WHERE network_id = $1 AND id = $2 FOR UPDATE`, a.Network, fund); err != nil {
			return db.Absent(err, "Fund %d not found.", fund)
		}
		amount, _, err := deals.MinorUnits(in.Amount, f.Currency)
		if err != nil {
			return err
		}
		if in.Org == a.Org {
			return apperr.Field("org_id", "the vendor allocates funds to partners, not to itself")
		}
		if _, err := partners.OrgName(ctx, tx, a.Network, in.Org); err != nil {
			return apperr.Field("org_id", "no active organization %d in this network", in.Org)
		}
		var was Allocation
		err = tx.GetContext(ctx, &was, `SELECT `+allocationColumns+` FROM mdf_allocations WHERE network_id = $1 AND fund_id = $2 AND org_id = $3 FOR UPDATE`,
			a.Network, fund, in.Org)
		exists := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if amount < was.CommittedMinor {
			return apperr.Field("amount", "%s is less than the %s the partner's requests already hold", deals.Decimal(amount, f.Currency), deals.Decimal(was.CommittedMinor, f.Currency))
		}
		delta := amount - was.AmountMinor
		if f.AllocatedMinor+delta > f.TotalMinor {
			return apperr.Field("amount", "the fund has %s left to allocate", deals.Decimal(f.TotalMinor-f.AllocatedMinor+was.AmountMinor, f.Currency))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE mdf_funds SET allocated_minor = allocated_minor + $3, updated_at = now() WHERE network_id = $1 AND id = $2`,
			a.Network, fund, delta); err != nil {
			return err
		}
		if exists {
			err = tx.GetContext(ctx, &out, `UPDATE mdf_allocations SET amount_minor = $3, updated_at = now() WHERE network_id = $1 AND id = $2 RETURNING `+allocationColumns,
				a.Network, was.ID, amount)
		} else {
			err = tx.GetContext(ctx, &out, `INSERT INTO mdf_allocations (network_id, fund_id, org_id, fund_name, period_start, period_end, currency, amount_minor)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING `+allocationColumns, a.Network, fund, in.Org, f.Name, f.PeriodStart, f.PeriodEnd, f.Currency, amount)
		}
		if err != nil {
			return err
		}
		return audit(ctx, tx, a, "mdf_fund.allocate", "mdf_fund", fund, map[string]any{"org": in.Org, "amount": amount, "currency": f.Currency})
	})
	if err != nil {
		return nil, err
	}
	out.money()
	return &out, nil
}

// Allocations lists the allocations the actor may see: the vendor's managers
// every one, a partner its own. Newest first.
func (s *Service) Allocations(ctx context.Context, a partners.Actor) ([]Allocation, error) {
	out := []Allocation{}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if a.Scope().Vendor {
			return tx.SelectContext(ctx, &out, `SELECT `+allocationColumns+` FROM mdf_allocations WHERE network_id = $1 ORDER BY id DESC LIMIT 500`, a.Network)
		}
		return tx.SelectContext(ctx, &out, `SELECT `+allocationColumns+` FROM mdf_allocations WHERE network_id = $1 AND org_id = $2 ORDER BY id DESC LIMIT 500`, a.Network, a.Org)
	})
	for i := range out {
		out[i].money()
	}
	return out, err
}

// RequestInput asks for funds from an allocation.
type RequestInput struct {
	Allocation   int64  `json:"allocation_id"`
	Amount       string `json:"amount"`
	Currency     string `json:"currency"`
	Activity     string `json:"activity"`
	Promotion    *int64 `json:"promotion_id"`
	PlannedStart string `json:"planned_start"`
	PlannedEnd   string `json:"planned_end"`
}

// RequestFunds asks for funds from the actor's organization's allocation, for
// an activity (of a promotion it owns or enrolled in, when one is named). The
// amount is held from the allocation at once, under a lock of the allocation
// row, so concurrent requests never take its balance below zero. Partner
// managers. Errors: Forbidden, Invalid, NotFound.
func (s *Service) RequestFunds(ctx context.Context, a partners.Actor, in RequestInput) (*Request, error) {
	if err := a.Require(partners.Manager); err != nil {
		return nil, err
	}
	if a.VendorOrg {
		return nil, apperr.E(apperr.Forbidden, "Fund requests are made by partner organizations.")
	}
	activity := strings.TrimSpace(in.Activity)
	if activity == "" || len(activity) > 1000 {
		return nil, apperr.Field("activity", "must be 1 to 1000 characters")
	}
	start, err := day("planned_start", in.PlannedStart)
	if err != nil {
		return nil, err
	}
	end, err := day("planned_end", in.PlannedEnd)
	if err != nil {
		return nil, err
	}
	if end.Before(start) {
		return nil, apperr.Field("planned_end", "%s is before planned_start %s", end.Format(time.DateOnly), start.Format(time.DateOnly))
	}
	var out Request
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var al Allocation
		if err := tx.GetContext(ctx, &al, `SELECT `+allocationColumns+` FROM mdf_allocations WHERE network_id = $1 AND id = $2 AND org_id = $3 FOR UPDATE`,
			a.Network, in.Allocation, a.Org); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return apperr.Field("allocation_id", "no allocation %d of your organization", in.Allocation)
			}
			return err
		}
		amount, cur, err := deals.MinorUnits(in.Amount, in.Currency)
		if err != nil {
			return err
		}
		if cur != al.Currency {
			return apperr.Field("currency", "%s is not the allocation's currency %s", cur, al.Currency)
		}
		if amount <= 0 {
			return apperr.Field("amount", "must be more than zero")
		}
		if amount > al.AmountMinor-al.CommittedMinor {
			return apperr.Field("amount", "%s is more than the allocation's balance %s", deals.Decimal(amount, cur), deals.Decimal(al.AmountMinor-al.CommittedMinor, cur))
		}
		if in.Promotion != nil {
			var joined bool
			err := tx.GetContext(ctx, &joined, `SELECT p.owner_org_id = $2 OR EXISTS (SELECT 1 FROM promotion_participants pp
				WHERE pp.network_id = p.network_id AND pp.promotion_id = p.id AND pp.org_id = $2 AND pp.state = 'enrolled')
				FROM promotions p WHERE p.network_id = $1 AND p.id = $3 AND `+inside, a.Network, a.Org, *in.Promotion)
			if err != nil || !joined {
				return apperr.Field("promotion_id", "no promotion %d that your organization owns or enrolled in", *in.Promotion)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE mdf_allocations SET committed_minor = committed_minor + $3, updated_at = now() WHERE network_id = $1 AND id = $2`,
			a.Network, al.ID, amount); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &out, `INSERT INTO mdf_requests (network_id, allocation_id, fund_id, org_id, user_id, promotion_id, activity, amount_minor, currency, planned_start, planned_end)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING `+requestColumns,
			a.Network, al.ID, al.Fund, a.Org, nullID(a.User), in.Promotion, activity, amount, cur, start, end); err != nil {
			return err
		}
		if s.Partners != nil {
			vendor, err := partners.VendorOrgOf(ctx, tx, a.Network)
			if err != nil {
				return err
			}
			if err := s.Partners.NotifyOrgAdmins(ctx, tx, a, vendor, "mdf_request.submitted", "/api/v1/fund-requests", l10n.M("Fund request"), func(from string) l10n.Msg {
				return l10n.M("%s requests %s %s of market-development funds.", from, deals.Decimal(amount, cur), cur)
			}); err != nil {
				return err
			}
		}
		return audit(ctx, tx, a, "mdf_request.create", "mdf_request", out.ID, map[string]any{"allocation": al.ID, "amount": amount, "currency": cur})
	})
	if err != nil {
		return nil, err
	}
	out.money()
	return &out, nil
}

// GetRequest returns a fund request: the requesting partner's, or any for the
// vendor's managers. Errors: NotFound.
func (s *Service) GetRequest(ctx context.Context, a partners.Actor, id int64) (*Request, error) {
	var out Request
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &out, `SELECT `+requestColumns+` FROM mdf_requests WHERE network_id = $1 AND id = $2`, a.Network, id)
	})
	if err != nil {
		return nil, db.Absent(err, "Fund request %d not found.", id)
	}
	out.money()
	return &out, nil
}

// Requests lists the fund requests the actor may see, newest first, before a
// cursor: the vendor's managers every one, a partner its own.
func (s *Service) Requests(ctx context.Context, a partners.Actor, before int64, limit int) ([]Request, error) {
	if limit <= 0 || limit > 201 {
		limit = 50
	}
	if before <= 0 {
		before = 1 << 62
	}
	out := []Request{}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if a.Scope().Vendor {
			return tx.SelectContext(ctx, &out, `SELECT `+requestColumns+` FROM mdf_requests WHERE network_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`,
				a.Network, before, limit)
		}
		return tx.SelectContext(ctx, &out, `SELECT `+requestColumns+` FROM mdf_requests WHERE network_id = $1 AND org_id = $2 AND id < $3 ORDER BY id DESC LIMIT $4`,
			a.Network, a.Org, before, limit)
	})
	for i := range out {
		out[i].money()
	}
	return out, err
}

// Decision decides a fund request: Approve with an Amount (the whole request
// when empty, or part of it), or reject with a Note saying why.
type Decision struct {
	Approve bool   `json:"approve"`
	Amount  string `json:"amount"`
	Note    string `json:"note"`
}

// Decide approves a pending request in full or in part, or rejects it; what
// is not approved goes back to the allocation's balance. Vendor managers.
// Errors: Conflict (decided already), Forbidden, Invalid, NotFound.
func (s *Service) Decide(ctx context.Context, a partners.Actor, id int64, d Decision) (*Request, error) {
	if err := a.RequireVendor(partners.Manager); err != nil {
		return nil, err
	}
	note := strings.TrimSpace(d.Note)
	if len(note) > 1000 {
		return nil, apperr.Field("note", "must be at most 1000 characters")
	}
	if !d.Approve && note == "" {
		return nil, apperr.Field("note", "say why the request is rejected")
	}
	var out Request
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var r Request
		if err := tx.GetContext(ctx, &r, `SELECT `+requestColumns+` FROM mdf_requests WHERE network_id = $1 AND id = $2 FOR UPDATE`, a.Network, id); err != nil {
			return db.Absent(err, "Fund request %d not found.", id)
		}
		to := Rejected
		if d.Approve {
			to = Approved
		}
		if r.State != Pending {
			return apperr.E(apperr.Conflict, "This fund request is %s: it cannot become %s.", r.State, to)
		}
		var approved *int64
		release := r.AmountMinor
		if d.Approve {
			v := r.AmountMinor
			if strings.TrimSpace(d.Amount) != "" {
				var err error
				if v, _, err = deals.MinorUnits(d.Amount, r.Currency); err != nil {
					return err
				}
			}
			if v <= 0 || v > r.AmountMinor {
				return apperr.Field("amount", "approve more than zero and at most the %s requested", deals.Decimal(r.AmountMinor, r.Currency))
			}
			approved, release = &v, r.AmountMinor-v
		}
		if _, err := tx.ExecContext(ctx, `SELECT id FROM mdf_allocations WHERE network_id = $1 AND id = $2 FOR UPDATE`, a.Network, r.Allocation); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE mdf_allocations SET committed_minor = committed_minor - $3, updated_at = now() WHERE network_id = $1 AND id = $2`,
			a.Network, r.Allocation, release); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &out, `UPDATE mdf_requests SET state = $3, approved_minor = $4, decision_note = $5, decided_at = now(), decided_by = $6, updated_at = now()
			WHERE network_id = $1 AND id = $2 RETURNING `+requestColumns, a.Network, id, to, approved, note, nullID(a.User)); err != nil {
			return err
		}
		if s.Partners != nil {
			amount := deals.Decimal(r.AmountMinor, r.Currency)
			if err := s.Partners.NotifyOrgAdmins(ctx, tx, a, r.Org, "mdf_request."+to, "/api/v1/fund-requests", l10n.M("Fund request decided"), func(from string) l10n.Msg {
				if approved != nil {
					return l10n.M("%s approved %s %s of your fund request for %s.", from, deals.Decimal(*approved, r.Currency), r.Currency, amount)
				}
				return l10n.M("%s rejected your fund request for %s: %s", from, amount, note)
			}); err != nil {
				return err
			}
		}
		return audit(ctx, tx, a, "mdf_request."+to, "mdf_request", id, map[string]any{"requested": r.AmountMinor, "approved": approved, "currency": r.Currency})
	})
	if err != nil {
		return nil, err
	}
	out.money()
	return &out, nil
}
