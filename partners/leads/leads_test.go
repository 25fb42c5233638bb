package leads_test

import (
	"context"
	"testing"
	"time"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/pgtest"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/leads"
	"github.com/partnerhub/partnerhub/partners/partnerstest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func str(s string) *string { return &s }

// A lead's offers: the partner offered it sees it and accepts or declines it
// with a reason; another partner never sees it; an unanswered offer returns
// to the pool by the clock and the partner's access ends; the routing history
// keeps every offer; refused steps change nothing.
func TestLeadOffers(t *testing.T) {
	ctx := context.Background()
	d := pgtest.New(t)
	p := &partners.Service{DB: d.App}
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	svc := &leads.Service{DB: d.App, Partners: p, Now: func() time.Time { return now }}
	vendor := partnerstest.Network(t, d.Owner, p, "leads", "Vendor", "admin@vendor.example")
	oa, ob := partnerstest.Org(t, p, vendor, "Alpha", "reseller"), partnerstest.Org(t, p, vendor, "Bravo", "reseller")
	a := partnerstest.User(t, p, vendor, oa, "sales@alpha.example", partners.Sales)
	b := partnerstest.User(t, p, vendor, ob, "admin@bravo.example", partners.Admin)

	if _, err := svc.Create(ctx, a, leads.Input{Company: str("Nope")}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("a partner created a vendor lead: %v", err)
	}
	if _, err := svc.Create(ctx, vendor, leads.Input{Company: str(" ")}); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("empty company: %v", err)
	}
	l, err := svc.Create(ctx, vendor, leads.Input{Company: str("Soylent"), Email: str("buyer@soylent.example"), Region: str("LATAM")})
	if err != nil || l.Assignment != "pool" || l.Status != "new" {
		t.Fatalf("create = %+v, %v", l, err)
	}
	if _, err := svc.Get(ctx, a, l.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("a partner sees a lead in the pool: %v", err)
	}
	if _, err := svc.Offer(ctx, vendor, l.ID, 987654); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("offer to no organization: %v", err)
	}
	if l, err = svc.Offer(ctx, vendor, l.ID, oa); err != nil || l.Assignment != "offered" || !l.RespondBy.Equal(now.Add(48*time.Hour)) {
		t.Fatalf("offer = %+v, %v", l, err)
	}
	if _, err := svc.Offer(ctx, vendor, l.ID, ob); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("offered twice: %v", err)
	}
	if _, err := svc.Get(ctx, a, l.ID); err != nil {
		t.Fatalf("the partner offered the lead cannot read it: %v", err)
	}
	if _, err := svc.Get(ctx, b, l.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("another partner reads the lead: %v", err)
	}
	if list, err := svc.List(ctx, b, leads.Filter{}); err != nil || len(list) != 0 {
		t.Fatalf("another partner lists %d leads, %v", len(list), err)
	}
	if _, err := svc.SetStatus(ctx, a, l.ID, "working", ""); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("worked before accepting: %v", err)
	}
	if _, err := svc.Decline(ctx, a, l.ID, ""); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("decline without a reason: %v", err)
	}
	if l, err = svc.Decline(ctx, a, l.ID, "Outside our region"); err != nil || l.Assignment != "pool" || l.AssignedOrg != nil {
		t.Fatalf("decline = %+v, %v", l, err)
	}
	if _, err := svc.Get(ctx, a, l.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("the partner still reads a declined lead: %v", err)
	}

	// Offered to Bravo, unanswered: the clock returns it to the pool.
	if _, err := svc.Offer(ctx, vendor, l.ID, ob); err != nil {
		t.Fatal(err)
	}
	now = now.Add(49 * time.Hour)
	if _, err := svc.Accept(ctx, b, l.ID); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("accepted after the deadline: %v", err)
	}
	if n, err := svc.ExpireOffers(ctx, vendor); err != nil || n != 1 {
		t.Fatalf("expired %d, %v", n, err)
	}
	if n, err := svc.ExpireOffers(ctx, vendor); err != nil || n != 0 {
		t.Fatalf("expired again %d, %v", n, err)
	}
	if _, err := svc.Get(ctx, b, l.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("the partner still reads an expired offer: %v", err)
	}

	// Offered again to Alpha, accepted and worked.
	if _, err := svc.Offer(ctx, vendor, l.ID, oa); err != nil {
		t.Fatal(err)
	}
	if l, err = svc.Accept(ctx, a, l.ID); err != nil || l.Assignment != "accepted" {
		t.Fatalf("accept = %+v, %v", l, err)
	}
	if _, err := svc.SetStatus(ctx, a, l.ID, "disqualified", ""); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("disqualified without a reason: %v", err)
	}
	if l, err = svc.SetStatus(ctx, a, l.ID, "qualified", ""); err != nil || l.Status != "qualified" {
		t.Fatalf("qualify = %+v, %v", l, err)
	}
	routes, err := svc.Routes(ctx, vendor, l.ID, 0, 0)
	if err != nil || len(routes) != 3 || routes[0].Response != "declined" || *routes[0].Reason != "Outside our region" ||
		routes[1].Response != "expired" || routes[1].Org != ob || routes[2].Response != "accepted" {
		t.Fatalf("routing history = %+v, %v", routes, err)
	}
	if mine, err := svc.Routes(ctx, a, l.ID, 0, 0); err != nil || len(mine) != 2 {
		t.Fatalf("Alpha's view of the history = %+v, %v", mine, err)
	}
}
