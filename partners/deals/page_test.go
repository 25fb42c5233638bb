package deals_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/deals"
)

// The registrations list read backwards (After, a previous page) gives the
// same pages as read forwards, newest first and oldest first, for the
// partner (its own rows) and the vendor (rows shared with it); Count counts
// what the list holds under the state filter.
func TestListPagesBothWaysAndCount(t *testing.T) {
	w := newWorld(t)
	acc := w.account(w.aSale, "initech")
	for i := range 7 {
		r, err := w.deals.Create(w.ctx, w.aSale, deals.Input{Account: &acc, Title: str(fmt.Sprint("deal ", i)), Amount: str("10.00"), Currency: str("USD"), ExpectedClose: str("2027-06-30")})
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if _, err := w.deals.Submit(w.ctx, w.aSale, r.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	idsOf := func(rs []deals.Registration) []int64 {
		out := []int64{}
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	for _, c := range []struct {
		who   partners.Actor
		state string
		want  int
	}{{w.a, "", 7}, {w.a, deals.Submitted, 4}, {w.vendor, "", 4}, {w.vendor, deals.Draft, 0}, {w.b, "", 0}} {
		n, err := w.deals.Count(w.ctx, c.who, deals.Filter{State: c.state})
		if err != nil || n != c.want {
			t.Errorf("count as %s state %q: %d (%v), want %d", c.who.Email, c.state, n, err, c.want)
		}
		for _, asc := range []bool{false, true} {
			// Forwards, three at a time.
			var pages [][]int64
			f := deals.Filter{State: c.state, Asc: asc, Limit: 3}
			for {
				rs, err := w.deals.List(w.ctx, c.who, f)
				if err != nil {
					t.Fatal(err)
				}
				if len(rs) == 0 {
					break
				}
				pages = append(pages, idsOf(rs))
				f.Before, f.After = rs[len(rs)-1].ID, 0
				if asc {
					f.Before, f.After = 0, rs[len(rs)-1].ID
				}
			}
			var all []int64
			for _, p := range pages {
				all = append(all, p...)
			}
			if len(all) != c.want || (len(all) > 1 && (all[0] < all[1]) != asc) {
				t.Fatalf("as %s asc=%v: read %v, want %d rows in order", c.who.Email, asc, all, c.want)
			}
			// Backwards from the last page: each previous page equals the one read forwards.
			for i := len(pages) - 1; i > 0; i-- {
				first := pages[i][0]
				b := deals.Filter{State: c.state, Asc: asc, Limit: 3, After: first}
				if asc {
					b = deals.Filter{State: c.state, Asc: asc, Limit: 3, Before: first}
				}
				rs, err := w.deals.List(w.ctx, c.who, b)
				if err != nil {
					t.Fatal(err)
				}
				if got := idsOf(rs); !slices.Equal(got, pages[i-1]) {
					t.Errorf("as %s asc=%v: the page before %v is %v, forwards it was %v", c.who.Email, asc, pages[i], got, pages[i-1])
				}
			}
		}
	}
}
