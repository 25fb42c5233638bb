package leads_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/partnerhub/partnerhub/internal/pgtest"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/leads"
	"github.com/partnerhub/partnerhub/partners/partnerstest"
)

// The leads list read backwards (a previous page) gives the pages read
// forwards, in both orders, for the vendor (its own) and a partner (offered
// to it); Count and Offered count what each sees.
func TestLeadPagesBothWaysAndCount(t *testing.T) {
	ctx := context.Background()
	d := pgtest.New(t)
	p := &partners.Service{DB: d.App}
	svc := &leads.Service{DB: d.App, Partners: p}
	vendor := partnerstest.Network(t, d.Owner, p, "leadpages", "Vendor", "admin@vendor.example")
	oa := partnerstest.Org(t, p, vendor, "Alpha", "reseller")
	a := partnerstest.User(t, p, vendor, oa, "sales@alpha.example", partners.Sales)
	for i := range 7 {
		l, err := svc.Create(ctx, vendor, leads.Input{Company: str(fmt.Sprint("Lead ", i))})
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if _, err := svc.Offer(ctx, vendor, l.ID, oa); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n, err := svc.Offered(ctx, a); err != nil || n != 4 {
		t.Errorf("offered to the partner: %d (%v), want 4", n, err)
	}
	for _, c := range []struct {
		who  partners.Actor
		want int
	}{{vendor, 7}, {a, 4}} {
		if n, err := svc.Count(ctx, c.who, leads.Filter{}); err != nil || n != c.want {
			t.Errorf("count as %s: %d (%v), want %d", c.who.Email, n, err, c.want)
		}
		for _, asc := range []bool{false, true} {
			var pages [][]int64
			f := leads.Filter{Asc: asc, Limit: 3}
			for {
				ls, err := svc.List(ctx, c.who, f)
				if err != nil {
					t.Fatal(err)
				}
				if len(ls) == 0 {
					break
				}
				var ids []int64
				for _, l := range ls {
					ids = append(ids, l.ID)
				}
				pages = append(pages, ids)
				if asc {
					f.After = ids[len(ids)-1]
				} else {
					f.Before = ids[len(ids)-1]
				}
			}
			total := 0
			for _, pg := range pages {
				total += len(pg)
			}
			if total != c.want || (pages[0][0] < pages[0][1]) != asc {
				t.Fatalf("as %s asc=%v: read %v, want %d rows in order", c.who.Email, asc, pages, c.want)
			}
			for i := len(pages) - 1; i > 0; i-- {
				b := leads.Filter{Asc: asc, Limit: 3, After: pages[i][0]}
				if asc {
					b = leads.Filter{Asc: asc, Limit: 3, Before: pages[i][0]}
				}
				ls, err := svc.List(ctx, c.who, b)
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				for _, l := range ls {
					got = append(got, l.ID)
				}
				if !slices.Equal(got, pages[i-1]) {
					t.Errorf("as %s asc=%v: the page before %v is %v, forwards %v", c.who.Email, asc, pages[i], got, pages[i-1])
				}
			}
		}
	}
}
