package accounts_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/partners/accounts"
)

// TestPagesBothWays: in every order, walking a list forward by Next and then
// back by Prev gives the same pages, over both visibility paths (the
// organization's accounts and those shared with it); the first page has no
// Prev and the last no Next; Count counts them, with or without a filter.
func TestPagesBothWays(t *testing.T) {
	w := newWorld(t)
	for i := 0; i < 7; i++ {
		w.account(w.a, fmt.Sprintf("Own %02d", i), fmt.Sprintf("own%02d.example", i))
	}
	for i := 0; i < 4; i++ {
		acc := w.account(w.b, fmt.Sprintf("Shared %02d", i), fmt.Sprintf("shared%02d.example", i))
		if _, err := w.p.ShareRecord(w.ctx, w.b, "account", acc.ID, w.a.Org, "read"); err != nil {
			t.Fatal(err)
		}
	}
	for _, sort := range []string{"name", "-name", "updated", "-updated"} {
		f := accounts.Filter{Sort: sort, Limit: 3}
		var forward [][]string
		var last accounts.Page
		for {
			p, err := w.acc.Page(w.ctx, w.a, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(forward) == 0 && p.Prev != "" {
				t.Errorf("%s: the first page has a previous page", sort)
			}
			forward = append(forward, names(p.Accounts))
			last = p
			if p.Next == "" {
				break
			}
			f.Cursor = p.Next
		}
		if len(forward) != 4 || len(slices.Concat(forward...)) != 11 {
			t.Fatalf("%s: forward pages %v", sort, forward)
		}
		var backward [][]string
		p := last
		for p.Prev != "" {
			f.Cursor = p.Prev
			var err error
			if p, err = w.acc.Page(w.ctx, w.a, f); err != nil {
				t.Fatal(err)
			}
			if p.Next == "" {
				t.Errorf("%s: a page read backwards has no next page", sort)
			}
			backward = append([][]string{names(p.Accounts)}, backward...)
		}
		if fmt.Sprint(backward) != fmt.Sprint(forward[:len(forward)-1]) {
			t.Errorf("%s: backwards %v, forwards %v", sort, backward, forward)
		}
	}
	for _, c := range []struct {
		f accounts.Filter
		n int
	}{{accounts.Filter{}, 11}, {accounts.Filter{Owner: "shared"}, 4}, {accounts.Filter{Query: "own"}, 7}, {accounts.Filter{Region: "nowhere"}, 0}, {accounts.Filter{Owner: "mine", Region: "EMEA"}, 7},
		{accounts.Filter{Archived: true}, 0}, {accounts.Filter{Tag: "none"}, 0}, {accounts.Filter{Owner: "mine", SharedBy: 1}, 0},
		{accounts.Filter{RegionIn: []string{"EMEA", "emea"}}, 11}} {
		if n, more, err := w.acc.Count(w.ctx, w.a, c.f); err != nil || n != c.n || more {
			t.Errorf("count %+v = %d, %v; want %d", c.f, n, err, c.n)
		}
	}
	// The choices present: one region and one industry, as the accounts hold them.
	ch, err := w.acc.Choices(w.ctx, w.a)
	if err != nil || strings.Join(ch.Regions, ",") != "EMEA" || strings.Join(ch.Industries, ",") != "Retail" {
		t.Fatalf("choices %+v, %v", ch, err)
	}
}

func names(list []accounts.Account) []string {
	out := []string{}
	for _, a := range list {
		out = append(out, a.Name)
	}
	return out
}
