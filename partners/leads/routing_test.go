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

// Routing rules offer a new lead: the first rule it matches decides (region
// to a named partner), then round robin among a tier's partners under their
// capacity; a lead no rule can place stays in the pool. Bad rules name their
// field and change nothing; only the vendor's managers set or read them.
func TestLeadRoutingRules(t *testing.T) {
	ctx := context.Background()
	d := pgtest.New(t)
	p := &partners.Service{DB: d.App}
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	svc := &leads.Service{DB: d.App, Partners: p, Now: func() time.Time { return now }}
	vendor := partnerstest.Network(t, d.Owner, p, "routing", "Vendor", "admin@vendor.example")
	org := func(name, tier string) int64 {
		id := partnerstest.Org(t, p, vendor, name, "reseller")
		if _, err := p.UpdateOrganization(ctx, vendor, id, partners.OrganizationInput{Tier: &tier}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	alpha, bravo, charlie := org("Alpha", "gold"), org("Bravo", "gold"), org("Charlie", "silver")
	a := partnerstest.User(t, p, vendor, alpha, "admin@alpha.example", partners.Admin)
	vendorSales := partnerstest.User(t, p, vendor, vendor.Org, "sales@vendor.example", partners.Sales)

	rules := []leads.Rule{{Region: "LATAM", Partners: []int64{charlie}}, {Tier: "gold", Capacity: 1}}
	if _, err := svc.SetRules(ctx, a, rules); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("a partner set the rules: %v", err)
	}
	if _, err := svc.SetRules(ctx, vendorSales, rules); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("vendor sales set the rules: %v", err)
	}
	for _, bad := range []struct {
		rule  leads.Rule
		field string
	}{{leads.Rule{Tier: "diamond"}, "rules[1].tier"}, {leads.Rule{Partners: []int64{vendor.Org}}, "rules[1].partners"}, {leads.Rule{Capacity: -1}, "rules[1].capacity"}} {
		_, err := svc.SetRules(ctx, vendor, []leads.Rule{{Region: "EMEA"}, bad.rule})
		if ae, ok := apperr.As(err); !ok || ae.Kind != apperr.Invalid || ae.Field != bad.field {
			t.Fatalf("bad rule %+v: %v", bad.rule, err)
		}
	}
	if got, err := svc.Rules(ctx, vendor); err != nil || len(got) != 0 {
		t.Fatalf("refused rules were stored: %v, %v", got, err)
	}
	if _, err := svc.SetRules(ctx, vendor, rules); err != nil {
		t.Fatal(err)
	}
	if got, err := svc.Rules(ctx, vendor); err != nil || len(got) != 2 || got[0].Region != "LATAM" || got[1].Capacity != 1 || len(got[0].Partners) != 1 {
		t.Fatalf("rules = %+v, %v", got, err)
	}

	lead := func(company, region string) *leads.Lead {
		t.Helper()
		l, err := svc.Create(ctx, vendorSales, leads.Input{Company: &company, Region: &region})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	if l := lead("Vale do Sol", "latam"); l.Assignment != "offered" || l.AssignedOrg == nil || *l.AssignedOrg != charlie {
		t.Fatalf("the region rule: %+v", l)
	}
	first := lead("Nordic One", "EMEA")
	second := lead("Nordic Two", "EMEA")
	if first.AssignedOrg == nil || second.AssignedOrg == nil || *first.AssignedOrg == *second.AssignedOrg ||
		(*first.AssignedOrg != alpha && *first.AssignedOrg != bravo) || (*second.AssignedOrg != alpha && *second.AssignedOrg != bravo) {
		t.Fatalf("round robin among the gold partners: %+v then %+v", first.AssignedOrg, second.AssignedOrg)
	}
	if third := lead("Nordic Three", "EMEA"); third.Assignment != "pool" || third.AssignedOrg != nil {
		t.Fatalf("both gold partners are at capacity, yet: %+v", third)
	}
	if _, err := svc.Rules(ctx, a); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("a partner read the rules: %v", err)
	}
}
