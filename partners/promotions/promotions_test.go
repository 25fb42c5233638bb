package promotions_test

import (
	"context"
	"encoding/base64"
	"strings"
	"sync"
	"testing"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/pgtest"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/partnerstest"
	"github.com/partnerhub/partnerhub/partners/promotions"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func str(s string) *string { return &s }

type world struct {
	t                *testing.T
	ctx              context.Context
	d                *pgtest.Database
	p                *partners.Service
	s                *promotions.Service
	vendor, a, b, c  partners.Actor
	aSales           partners.Actor
	orgA, orgB, orgC int64
	other            partners.Actor // another network's admin
}

func newWorld(t *testing.T) *world {
	t.Helper()
	d := pgtest.New(t)
	w := &world{t: t, ctx: context.Background(), d: d, p: &partners.Service{DB: d.App}}
	w.s = &promotions.Service{DB: d.App, Partners: w.p}
	w.vendor = partnerstest.Network(t, d.Owner, w.p, "net", "Vendor", "admin@vendor.example")
	w.orgA = partnerstest.Org(t, w.p, w.vendor, "Alpha", "reseller")
	w.orgB = partnerstest.Org(t, w.p, w.vendor, "Bravo", "reseller")
	w.orgC = partnerstest.Org(t, w.p, w.vendor, "Charlie", "distributor")
	w.a = partnerstest.User(t, w.p, w.vendor, w.orgA, "admin@alpha.example", partners.Admin)
	w.aSales = partnerstest.User(t, w.p, w.vendor, w.orgA, "sales@alpha.example", partners.Sales)
	w.b = partnerstest.User(t, w.p, w.vendor, w.orgB, "admin@bravo.example", partners.Admin)
	w.c = partnerstest.User(t, w.p, w.vendor, w.orgC, "admin@charlie.example", partners.Admin)
	w.other = partnerstest.Network(t, d.Owner, w.p, "other", "Other Vendor", "admin@other.example")
	return w
}

func is(t *testing.T, err error, kind apperr.Kind, field string) {
	t.Helper()
	ae, ok := apperr.As(err)
	if !ok || ae.Kind != kind || ae.Field != field {
		t.Fatalf("err = %v (%+v), want kind %v on %q", err, ae, kind, field)
	}
}

// result is a call's answer, checked by in.
type result[T any] struct {
	v   T
	err error
}

func must[T any](v T, err error) result[T] { return result[T]{v, err} }

// in fails the test on an error and returns the value.
func (r result[T]) in(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

func (w *world) promotion(a partners.Actor) *promotions.Promotion {
	w.t.Helper()
	return must(w.s.Create(w.ctx, a, promotions.Input{Title: str("Spring bundle"), Description: str("**Bold** <script>alert(1)</script> [x](javascript:alert(1))"),
		Offer: str("20% off"), Products: &[]string{"Suite"}, StartsOn: str("2027-03-01"), EndsOn: str("2027-05-31"),
		Regions: &[]string{"BR"}, Tiers: &[]string{"gold"}, Kinds: &[]string{"reseller"}})).in(w.t)
}

// The promotion's states and its visibility: a draft is the owner's alone; a
// published one is read whole by its owner and the invited, and only as a
// summary by the rest of the network; another network sees nothing. A bad
// step is a conflict naming both states and changes nothing.
func TestPromotionStatesAndVisibility(t *testing.T) {
	w := newWorld(t)
	ctx := w.ctx
	p := w.promotion(w.vendor)
	if p.State != promotions.Draft || p.Summary || !strings.Contains(p.DescriptionHTML, "<strong>Bold</strong>") ||
		strings.Contains(p.DescriptionHTML, "<script") || strings.Contains(p.DescriptionHTML, "javascript:") {
		t.Fatalf("created = %+v", p)
	}
	for _, a := range []partners.Actor{w.a, w.b, w.other} {
		if _, err := w.s.Get(ctx, a, p.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("a draft read by org %d: %v", a.Org, err)
		}
		list := must(w.s.List(ctx, a, promotions.Filter{})).in(t)
		if len(list) != 0 {
			t.Fatalf("org %d lists %+v", a.Org, list)
		}
	}
	// A bad step: 409 naming both states, nothing changed.
	_, err := w.s.Move(ctx, w.vendor, p.ID, promotions.Ended)
	if !apperr.Is(err, apperr.Conflict) || !strings.Contains(err.Error(), "draft") || !strings.Contains(err.Error(), "ended") {
		t.Fatalf("draft → ended: %v", err)
	}
	if _, err := w.s.Invite(ctx, w.vendor, p.ID, promotions.Invitation{Orgs: []int64{w.orgA}}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("invite on a draft: %v", err)
	}
	if _, err := w.s.Move(ctx, w.a, p.ID, promotions.Published); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("another org publishes a draft: %v", err)
	}
	must(w.s.Move(ctx, w.vendor, p.ID, promotions.Published)).in(t)
	// Invite Alpha by id and every distributor (Charlie) by kind.
	inv := must(w.s.Invite(ctx, w.vendor, p.ID, promotions.Invitation{Orgs: []int64{w.orgA}, Kinds: []string{"distributor"}})).in(t)
	if len(inv.Participants) != 2 || inv.Participants[0].Org != w.orgA || inv.Participants[1].Org != w.orgC {
		t.Fatalf("participants = %+v", inv.Participants)
	}
	// Bravo, not invited, reads the summary only.
	sum := must(w.s.Get(ctx, w.b, p.ID)).in(t)
	if !sum.Summary || sum.Description != "" || sum.DescriptionHTML != "" || len(sum.Products) != 0 || len(sum.Tiers) != 0 ||
		len(sum.Participants) != 0 || sum.OwnerUser != nil || sum.Title != "Spring bundle" || sum.Offer != "20% off" {
		t.Fatalf("summary = %+v", sum)
	}
	list := must(w.s.List(ctx, w.b, promotions.Filter{})).in(t)
	if len(list) != 1 || !list[0].Summary || list[0].Description != "" {
		t.Fatalf("Bravo's list = %+v", list)
	}
	if _, err := w.s.Respond(ctx, w.b, p.ID, promotions.Enrolled); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("Bravo enrolls uninvited: %v", err)
	}
	if _, err := w.s.Get(ctx, w.other, p.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("another network: %v", err)
	}
	// Alpha, invited, reads it whole and sees its own answer only.
	whole := must(w.s.Get(ctx, w.a, p.ID)).in(t)
	if whole.Summary || whole.Description == "" || len(whole.Participants) != 1 || whole.Participation != promotions.Invited {
		t.Fatalf("Alpha reads %+v", whole)
	}
	must(w.s.Respond(ctx, w.a, p.ID, promotions.Enrolled)).in(t)
	if _, err := w.s.Respond(ctx, w.a, p.ID, promotions.Declined); !apperr.Is(err, apperr.Conflict) || !strings.Contains(err.Error(), "enrolled") {
		t.Fatalf("enrolled → declined: %v", err)
	}
	if _, err := w.s.Respond(ctx, w.aSales, p.ID, promotions.Withdrawn); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("a sales user withdraws: %v", err)
	}
	must(w.s.Respond(ctx, w.a, p.ID, promotions.Withdrawn)).in(t)
	must(w.s.Respond(ctx, w.c, p.ID, promotions.Declined)).in(t)
	got := must(w.s.Get(ctx, w.vendor, p.ID)).in(t)
	if got.Participants[0].State != promotions.Withdrawn || got.Participants[1].State != promotions.Declined {
		t.Fatalf("answers = %+v", got.Participants)
	}
	// Bad input changes nothing.
	if _, err := w.s.Update(ctx, w.vendor, p.ID, promotions.Input{StartsOn: str("2027-06-01")}); err == nil {
		t.Fatal("starts after its end")
	} else {
		is(t, err, apperr.Invalid, "ends_on")
	}
	if _, err := w.s.Update(ctx, w.vendor, p.ID, promotions.Input{Tiers: &[]string{"gold", "diamond"}}); err == nil {
		t.Fatal("unknown tier")
	} else {
		is(t, err, apperr.Invalid, "tiers[1]")
	}
	if after := must(w.s.Get(ctx, w.vendor, p.ID)).in(t); after.StartsOn != p.StartsOn || len(after.Tiers) != 1 {
		t.Fatalf("changed by a refused update: %+v", after)
	}
	must(w.s.Move(ctx, w.vendor, p.ID, promotions.Active)).in(t)
	must(w.s.Move(ctx, w.vendor, p.ID, promotions.Ended)).in(t)
	if _, err := w.s.Move(ctx, w.vendor, p.ID, promotions.Cancelled); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("ended → cancelled: %v", err)
	}
	// A partner owns a promotion too; cancelled, it is gone from others.
	q := w.promotion(w.b)
	must(w.s.Move(ctx, w.b, q.ID, promotions.Published)).in(t)
	must(w.s.Move(ctx, w.b, q.ID, promotions.Cancelled)).in(t)
	if _, err := w.s.Get(ctx, w.a, q.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("a cancelled promotion read by another: %v", err)
	}
}

// Funds: allocations never exceed the fund, requests never exceed the
// allocation even when many arrive at once, partial approval returns the rest,
// and bad input changes nothing.
func TestFunds(t *testing.T) {
	w := newWorld(t)
	ctx := w.ctx
	if _, err := w.s.CreateFund(ctx, w.a, promotions.FundInput{Name: "Q1", PeriodStart: "2027-01-01", PeriodEnd: "2027-03-31", Currency: "BRL", Total: "1000.00"}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("a partner makes a fund: %v", err)
	}
	_, err := w.s.CreateFund(ctx, w.vendor, promotions.FundInput{Name: "Q1", PeriodStart: "2027-01-01", PeriodEnd: "2027-03-31", Currency: "BRL", Total: "1000.001"})
	is(t, err, apperr.Invalid, "total")
	_, err = w.s.CreateFund(ctx, w.vendor, promotions.FundInput{Name: "Q1", PeriodStart: "2027-04-01", PeriodEnd: "2027-03-31", Currency: "BRL", Total: "1000"})
	is(t, err, apperr.Invalid, "period_end")
	fund := must(w.s.CreateFund(ctx, w.vendor, promotions.FundInput{Name: "Q1", PeriodStart: "2027-01-01", PeriodEnd: "2027-03-31", Currency: "BRL", Total: "1000.00"})).in(t)
	al := must(w.s.Allocate(ctx, w.vendor, fund.ID, promotions.AllocationInput{Org: w.orgA, Amount: "600.00"})).in(t)
	_, err = w.s.Allocate(ctx, w.vendor, fund.ID, promotions.AllocationInput{Org: w.orgB, Amount: "400.01"})
	is(t, err, apperr.Invalid, "amount")
	must(w.s.Allocate(ctx, w.vendor, fund.ID, promotions.AllocationInput{Org: w.orgB, Amount: "400.00"})).in(t)
	if got := must(w.s.Allocations(ctx, w.b)).in(t); len(got) != 1 || got[0].Org != w.orgB {
		t.Fatalf("Bravo's allocations = %+v", got)
	}
	req := func(a partners.Actor, amount, currency string) (*promotions.Request, error) {
		return w.s.RequestFunds(ctx, a, promotions.RequestInput{Allocation: al.ID, Amount: amount, Currency: currency, Activity: "Webinar",
			PlannedStart: "2027-02-01", PlannedEnd: "2027-02-02"})
	}
	_, err = req(w.a, "10.00", "USD")
	is(t, err, apperr.Invalid, "currency")
	_, err = req(w.a, "10.001", "BRL")
	is(t, err, apperr.Invalid, "amount")
	_, err = req(w.b, "10.00", "BRL")
	is(t, err, apperr.Invalid, "allocation_id")
	_, err = req(w.a, "600.01", "BRL")
	is(t, err, apperr.Invalid, "amount")
	if got := must(w.s.Allocations(ctx, w.a)).in(t); got[0].CommittedMinor != 0 {
		t.Fatalf("refused requests committed %d", got[0].CommittedMinor)
	}
	// 20 requests of 50.00 at once from separate connections: 12 fit in 600.00.
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, refused := 0, 0
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := req(w.a, "50.00", "BRL")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case apperr.Is(err, apperr.Invalid):
				refused++
			default:
				t.Errorf("concurrent request: %v", err)
			}
		}()
	}
	wg.Wait()
	got := must(w.s.Allocations(ctx, w.a)).in(t)[0]
	if ok != 12 || refused != 8 || got.CommittedMinor != 60000 || got.Balance != "0.00" {
		t.Fatalf("%d granted, %d refused, allocation %+v", ok, refused, got)
	}
	reqs := must(w.s.Requests(ctx, w.a, 0, 50)).in(t)
	if len(reqs) != 12 {
		t.Fatalf("%d requests", len(reqs))
	}
	if got := must(w.s.Requests(ctx, w.b, 0, 50)).in(t); len(got) != 0 {
		t.Fatalf("Bravo reads Alpha's requests: %+v", got)
	}
	if _, err := w.s.GetRequest(ctx, w.b, reqs[0].ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("Bravo reads a request: %v", err)
	}
	// Approve part of one (30 of 50 back... 20 returned), reject another.
	_, err = w.s.Decide(ctx, w.vendor, reqs[0].ID, promotions.Decision{Approve: true, Amount: "50.01"})
	is(t, err, apperr.Invalid, "amount")
	_, err = w.s.Decide(ctx, w.vendor, reqs[0].ID, promotions.Decision{Approve: false})
	is(t, err, apperr.Invalid, "note")
	if _, err := w.s.Decide(ctx, w.a, reqs[0].ID, promotions.Decision{Approve: true}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("the partner decides: %v", err)
	}
	part := must(w.s.Decide(ctx, w.vendor, reqs[0].ID, promotions.Decision{Approve: true, Amount: "30.00"})).in(t)
	if part.State != promotions.Approved || *part.Approved != "30.00" {
		t.Fatalf("partial = %+v", part)
	}
	if _, err := w.s.Decide(ctx, w.vendor, reqs[0].ID, promotions.Decision{Approve: false, Note: "no"}); !apperr.Is(err, apperr.Conflict) ||
		!strings.Contains(err.Error(), "approved") || !strings.Contains(err.Error(), "rejected") {
		t.Fatalf("decided twice: %v", err)
	}
	must(w.s.Decide(ctx, w.vendor, reqs[1].ID, promotions.Decision{Approve: false, Note: "Out of scope"})).in(t)
	must(w.s.Decide(ctx, w.vendor, reqs[2].ID, promotions.Decision{Approve: true})).in(t)
	got = must(w.s.Allocations(ctx, w.a)).in(t)[0]
	if got.CommittedMinor != 60000-2000-5000 || got.Balance != "70.00" {
		t.Fatalf("after decisions: %+v", got)
	}
	// Claims against the partly approved request (30.00), with proof files.
	png := base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR proof"))
	claim := func(a partners.Actor, id int64, amount, file string) (*promotions.Claim, error) {
		return w.s.Claim(ctx, a, id, promotions.ClaimInput{Amount: amount, Currency: "BRL", ProofName: "invoice.pdf", ProofBase64: file})
	}
	_, err = claim(w.a, reqs[0].ID, "30.01", png)
	is(t, err, apperr.Invalid, "amount")
	_, err = claim(w.a, reqs[0].ID, "1.00", base64.StdEncoding.EncodeToString([]byte("MZ\x90\x00\x03\x00\x00\x00 an executable")))
	is(t, err, apperr.Invalid, "proof_base64")
	_, err = claim(w.a, reqs[0].ID, "1.00", base64.StdEncoding.EncodeToString(make([]byte, promotions.MaxProof+1)))
	is(t, err, apperr.Invalid, "proof_base64")
	if _, err := claim(w.a, reqs[3].ID, "1.00", png); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("a claim on a pending request: %v", err)
	}
	if _, err := claim(w.b, reqs[0].ID, "1.00", png); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("a claim on another's request: %v", err)
	}
	if got := must(w.s.Claims(ctx, w.a, 0, 50)).in(t); len(got) != 0 {
		t.Fatalf("refused claims stored: %+v", got)
	}
	// Ten claims of 5.00 at once: six fit in 30.00.
	ok, refused = 0, 0
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := claim(w.a, reqs[0].ID, "5.00", png)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case apperr.Is(err, apperr.Invalid):
				refused++
			default:
				t.Errorf("concurrent claim: %v", err)
			}
		}()
	}
	wg.Wait()
	claims := must(w.s.Claims(ctx, w.a, 0, 50)).in(t)
	if ok != 6 || refused != 4 || len(claims) != 6 || claims[0].ProofType != "image/png" {
		t.Fatalf("%d claimed, %d refused: %+v", ok, refused, claims)
	}
	if _, err := w.s.DecideClaim(ctx, w.vendor, claims[0].ID, promotions.Paid, ""); !apperr.Is(err, apperr.Conflict) ||
		!strings.Contains(err.Error(), "submitted") || !strings.Contains(err.Error(), "paid") {
		t.Fatalf("paying a submitted claim: %v", err)
	}
	must(w.s.DecideClaim(ctx, w.vendor, claims[0].ID, promotions.Approved, "")).in(t)
	if paid := must(w.s.DecideClaim(ctx, w.vendor, claims[0].ID, promotions.Paid, "")).in(t); paid.State != promotions.Paid || paid.PaidAt == nil {
		t.Fatalf("paid = %+v", paid)
	}
	must(w.s.DecideClaim(ctx, w.vendor, claims[1].ID, promotions.Rejected, "No invoice")).in(t)
	// The rejected 5.00 can be claimed again, and no more.
	must(claim(w.a, reqs[0].ID, "5.00", png)).in(t)
	_, err = claim(w.a, reqs[0].ID, "0.01", png)
	is(t, err, apperr.Invalid, "amount")
	// The allocation cannot drop below what its requests hold.
	_, err = w.s.Allocate(ctx, w.vendor, fund.ID, promotions.AllocationInput{Org: w.orgA, Amount: "529.99"})
	is(t, err, apperr.Invalid, "amount")
	// A request names a promotion its organization enrolled in, not another.
	p := w.promotion(w.vendor)
	_, err = w.s.RequestFunds(ctx, w.a, promotions.RequestInput{Allocation: al.ID, Amount: "1.00", Currency: "BRL", Activity: "Ads", Promotion: &p.ID,
		PlannedStart: "2027-02-01", PlannedEnd: "2027-02-02"})
	is(t, err, apperr.Invalid, "promotion_id")
	must(w.s.Move(ctx, w.vendor, p.ID, promotions.Published)).in(t)
	must(w.s.Invite(ctx, w.vendor, p.ID, promotions.Invitation{Orgs: []int64{w.orgA}})).in(t)
	must(w.s.Respond(ctx, w.a, p.ID, promotions.Enrolled)).in(t)
	r := must(w.s.RequestFunds(ctx, w.a, promotions.RequestInput{Allocation: al.ID, Amount: "1.00", Currency: "BRL", Activity: "Ads", Promotion: &p.ID,
		PlannedStart: "2027-02-01", PlannedEnd: "2027-02-02"})).in(t)
	if r.Promotion == nil || *r.Promotion != p.ID {
		t.Fatalf("request = %+v", r)
	}
}
