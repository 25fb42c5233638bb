package deals_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/pgtest"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
	"github.com/partnerhub/partnerhub/partners/deals"
	"github.com/partnerhub/partnerhub/partners/partnerstest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func str(s string) *string { return &s }

type world struct {
	t                   *testing.T
	ctx                 context.Context
	p                   *partners.Service
	acc                 *accounts.Service
	deals               *deals.Service
	now                 time.Time
	vendor, a, b, aSale partners.Actor
	aSale2, c           partners.Actor
	d                   *pgtest.Database
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	d := pgtest.New(t)
	w := &world{t: t, ctx: ctx, d: d, p: &partners.Service{DB: d.App}, now: time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)}
	w.acc = &accounts.Service{DB: d.App, Partners: w.p}
	w.deals = &deals.Service{DB: d.App, Partners: w.p, Now: func() time.Time { return w.now }}
	w.vendor = partnerstest.Network(t, d.Owner, w.p, "net", "Vendor", "admin@vendor.example")
	oa := partnerstest.Org(t, w.p, w.vendor, "Alpha", "reseller")
	ob := partnerstest.Org(t, w.p, w.vendor, "Bravo", "reseller")
	oc := partnerstest.Org(t, w.p, w.vendor, "Charlie", "distributor")
	user := func(org int64, email string, role partners.Role) partners.Actor {
		return partnerstest.User(t, w.p, w.vendor, org, email, role)
	}
	w.a, w.b = user(oa, "admin@alpha.example", partners.Admin), user(ob, "admin@bravo.example", partners.Admin)
	w.aSale, w.aSale2 = user(oa, "sales@alpha.example", partners.Sales), user(oa, "sales2@alpha.example", partners.Sales)
	w.c = user(oc, "admin@charlie.example", partners.Admin)
	return w
}

func (w *world) account(a partners.Actor, name string) int64 {
	w.t.Helper()
	domains := []string{name + ".example"}
	acc, err := w.acc.Create(w.ctx, a, accounts.Input{Name: str(name), Domains: &domains})
	if err != nil {
		w.t.Fatal(err)
	}
	return acc.ID
}

func is(t *testing.T, err error, kind apperr.Kind, field string) {
	t.Helper()
	ae, ok := apperr.As(err)
	if !ok || ae.Kind != kind || ae.Field != field {
		t.Fatalf("err = %v (%+v), want kind %v on %q", err, ae, kind, field)
	}
}

// The registration lifecycle end to end: draft, submit (shared with the vendor
// by workflow), review, approve with the network's protection period, an
// extension asked and granted, expiry by the clock; every refused step changes
// nothing, and another partner never sees any of it.
func TestRegistrationLifecycle(t *testing.T) {
	w := newWorld(t)
	ctx := w.ctx
	acc := w.account(w.aSale, "globex")
	in := deals.Input{Account: &acc, Title: str("Globex rollout"), Amount: str("12500.50"), Currency: str("brl"), ExpectedClose: str("2027-03-31"),
		Products: &[]string{"Suite", " Support "}}

	// Bad input, each named.
	bad := func(mut func(*deals.Input), field string) {
		t.Helper()
		x := in
		mut(&x)
		_, err := w.deals.Create(ctx, w.aSale, x)
		is(t, err, apperr.Invalid, field)
	}
	bad(func(x *deals.Input) { x.Amount = str("1.234") }, "amount")
	bad(func(x *deals.Input) { x.Amount = str("-5") }, "amount")
	bad(func(x *deals.Input) { x.Amount = str("10.5"); x.Currency = str("JPY") }, "amount")
	bad(func(x *deals.Input) { x.Currency = str("XYZW") }, "currency")
	bad(func(x *deals.Input) { x.ExpectedClose = str("2026-12-01") }, "expected_close")
	bad(func(x *deals.Input) { x.ExpectedClose = str("31/03/2027") }, "expected_close")
	bad(func(x *deals.Input) { x.Title = str("  ") }, "title")
	bad(func(x *deals.Input) { x.Title = nil }, "title")
	bOnly := w.account(w.b, "initech")
	bad(func(x *deals.Input) { x.Account = &bOnly }, "account_id")
	if _, err := w.deals.Create(ctx, w.vendor, in); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("the vendor registered a deal: %v", err)
	}

	r, err := w.deals.Create(ctx, w.aSale, in)
	if err != nil {
		t.Fatal(err)
	}
	if r.State != deals.Draft || r.AmountMinor != 1250050 || r.Amount != "12500.50" || r.Currency != "BRL" || r.AccountName != "globex" ||
		len(r.Products) != 2 || r.Products[1] != "Support" {
		t.Fatalf("draft = %+v", r)
	}
	// A draft is the partner's alone.
	if _, err := w.deals.Get(ctx, w.vendor, r.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("vendor reads a draft: %v", err)
	}
	// Another sales user of the same partner may not act on it; a manager may.
	if _, err := w.deals.Withdraw(ctx, w.aSale2, r.ID); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("another sales user withdrew: %v", err)
	}
	if r, err = w.deals.Update(ctx, w.a, r.ID, deals.Input{Amount: str("13000")}); err != nil || r.AmountMinor != 1300000 || r.Currency != "BRL" {
		t.Fatalf("update = %+v, %v", r, err)
	}
	// The vendor cannot decide what was not submitted.
	if _, err := w.deals.Approve(ctx, w.vendor, r.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("vendor approved a draft it cannot see: %v", err)
	}

	if r, err = w.deals.Submit(ctx, w.aSale, r.ID); err != nil || r.State != deals.Submitted || r.SubmittedAt == nil {
		t.Fatalf("submit = %+v, %v", r, err)
	}
	if _, err := w.deals.Submit(ctx, w.aSale, r.ID); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("double submit: %v", err)
	}
	if _, err := w.deals.Update(ctx, w.aSale, r.ID, deals.Input{Title: str("changed after submit")}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("edit after submit: %v", err)
	}
	shares, err := w.p.Shares(ctx, w.aSale, deals.RecordType, r.ID)
	if err != nil || len(shares) != 1 || shares[0].Grantee != w.vendor.Org || shares[0].Reason != "workflow" || shares[0].Access != "write" {
		t.Fatalf("shares after submit = %+v, %v", shares, err)
	}
	seen, err := w.deals.Get(ctx, w.vendor, r.ID)
	if err != nil || seen.Title != "Globex rollout" {
		t.Fatalf("vendor reads the submitted registration: %+v, %v", seen, err)
	}
	if _, err := w.deals.Get(ctx, w.b, r.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("another partner reads it: %v", err)
	}
	// Explain names the workflow share to the vendor, and nothing to another partner.
	ex, err := w.p.Explain(ctx, w.vendor, deals.RecordType, r.ID, 0)
	if err != nil || !ex.CanRead || !ex.CanWrite {
		t.Fatalf("vendor's explanation = %+v, %v", ex, err)
	}
	named := false
	for _, rule := range ex.Rules {
		named = named || rule.Rule == "share" && rule.Grants && strings.Contains(rule.Detail, "workflow")
	}
	if !named {
		t.Errorf("explain does not name the workflow share: %+v", ex.Rules)
	}
	if ex, err := w.p.Explain(ctx, w.b, deals.RecordType, r.ID, 0); err == nil && ex.CanRead || err != nil && !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("another partner's explanation = %+v, %v", ex, err)
	}
	if list, err := w.deals.List(ctx, w.b, deals.Filter{}); err != nil || len(list) != 0 {
		t.Fatalf("another partner lists %d registrations, %v", len(list), err)
	}

	// The partner does not decide; the vendor does, by the network's period.
	if _, err := w.deals.Approve(ctx, w.a, r.ID); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("partner approved its own registration: %v", err)
	}
	if _, err := w.deals.SetSettings(ctx, w.vendor, deals.Settings{ProtectionDays: 0, ReviewSLAHours: 48, ConflictRule: deals.ManualReview}); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("zero protection days: %v", err)
	}
	if _, err := w.deals.SetSettings(ctx, w.vendor, deals.Settings{ProtectionDays: 30, ReviewSLAHours: 24, ConflictRule: deals.ManualReview}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.deals.SetSettings(ctx, w.a, deals.Settings{ProtectionDays: 365, ReviewSLAHours: 24, ConflictRule: deals.ManualReview}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("a partner set the network's rules: %v", err)
	}
	if r, err = w.deals.StartReview(ctx, w.vendor, r.ID); err != nil || r.State != deals.UnderReview {
		t.Fatalf("review = %+v, %v", r, err)
	}
	if _, err := w.deals.Reject(ctx, w.vendor, r.ID, " "); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("reject without a reason: %v", err)
	}
	if r, err = w.deals.Approve(ctx, w.vendor, r.ID); err != nil || r.State != deals.Approved || !r.ExpiresAt.Equal(w.now.AddDate(0, 0, 30)) {
		t.Fatalf("approve = %+v, %v", r, err)
	}
	if _, err := w.deals.Reject(ctx, w.vendor, r.ID, "too late"); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("reject after approval: %v", err)
	}

	// An extension: asked once, granted once.
	if _, err := w.deals.RequestExtension(ctx, w.aSale, r.ID, 0, "slow procurement"); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("zero-day extension: %v", err)
	}
	if r, err = w.deals.RequestExtension(ctx, w.aSale, r.ID, 10, "slow procurement"); err != nil || r.ExtensionDays == nil || *r.ExtensionDays != 10 {
		t.Fatalf("extension asked = %+v, %v", r, err)
	}
	if _, err := w.deals.RequestExtension(ctx, w.aSale, r.ID, 5, "again"); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("second extension request: %v", err)
	}
	if r, err = w.deals.DecideExtension(ctx, w.vendor, r.ID, true); err != nil || r.ExtensionDays != nil || !r.ExpiresAt.Equal(w.now.AddDate(0, 0, 40)) {
		t.Fatalf("extension granted = %+v, %v", r, err)
	}

	// The clock: nothing expires early; at the end, it expires and cannot be converted.
	if n, err := w.deals.ExpireDue(ctx, w.vendor); err != nil || n != 0 {
		t.Fatalf("expired early: %d, %v", n, err)
	}
	w.now = w.now.AddDate(0, 0, 41)
	if n, err := w.deals.ExpireDue(ctx, w.vendor); err != nil || n != 1 {
		t.Fatalf("expired %d, %v; want 1", n, err)
	}
	if _, err := w.deals.Convert(ctx, w.vendor, r.ID); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("convert an expired registration: %v", err)
	}
	if got, _ := w.deals.Get(ctx, w.aSale, r.ID); got.State != deals.Expired {
		t.Fatalf("state = %s, want expired", got.State)
	}
}

// Rejection carries its reason to the partner; withdrawal and conversion end a
// registration; an archived account takes no new registration.
func TestRejectWithdrawConvertAndArchivedAccount(t *testing.T) {
	w := newWorld(t)
	ctx := w.ctx
	acc := w.account(w.a, "umbrella")
	mk := func() *deals.Registration {
		r, err := w.deals.Create(ctx, w.a, deals.Input{Account: &acc, Title: str("Umbrella"), Amount: str("100"), Currency: str("USD"), ExpectedClose: str("2027-01-15")})
		if err != nil {
			t.Fatal(err)
		}
		if r, err = w.deals.Submit(ctx, w.a, r.ID); err != nil {
			t.Fatal(err)
		}
		return r
	}
	r1 := mk()
	if r, err := w.deals.Reject(ctx, w.vendor, r1.ID, "The vendor already works this account directly."); err != nil || r.State != deals.Rejected {
		t.Fatalf("reject = %+v, %v", r, err)
	}
	if got, _ := w.deals.Get(ctx, w.a, r1.ID); got.RejectReason == nil || *got.RejectReason != "The vendor already works this account directly." {
		t.Fatalf("partner reads %+v", got)
	}
	r2 := mk()
	if r, err := w.deals.Withdraw(ctx, w.a, r2.ID); err != nil || r.State != deals.Withdrawn {
		t.Fatalf("withdraw = %+v, %v", r, err)
	}
	r3 := mk()
	if _, err := w.deals.Approve(ctx, w.vendor, r3.ID); err != nil {
		t.Fatal(err)
	}
	if r, err := w.deals.Convert(ctx, w.vendor, r3.ID); err != nil || r.State != deals.Converted {
		t.Fatalf("convert = %+v, %v", r, err)
	}
	if _, err := w.deals.Withdraw(ctx, w.a, r3.ID); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("withdraw a converted registration: %v", err)
	}
	if _, err := w.acc.SetArchived(ctx, w.a, acc, true); err != nil {
		t.Fatal(err)
	}
	_, err := w.deals.Create(ctx, w.a, deals.Input{Account: &acc, Title: str("Again"), Amount: str("1"), Currency: str("USD"), ExpectedClose: str("2027-01-15")})
	is(t, err, apperr.Invalid, "account_id")
	list, err := w.deals.List(ctx, w.vendor, deals.Filter{State: deals.Rejected})
	if err != nil || len(list) != 1 || list[0].ID != r1.ID {
		t.Fatalf("vendor's rejected list = %+v, %v", list, err)
	}
	if _, err := w.deals.List(ctx, w.vendor, deals.Filter{State: "lost"}); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("unknown state filter: %v", err)
	}
}
