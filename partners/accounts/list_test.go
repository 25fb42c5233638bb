package accounts_test

import (
	"strings"
	"testing"

	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

// The accounts shared with an organization are read in order from the shares
// index, through copies of each account's sort keys on its share rows; a
// rename by the owner, by a writer partner, a CSV import and an archive must
// keep those copies, and so the order, right.
func TestSharedListFollowsRenamesInOrder(t *testing.T) {
	w := newWorld(t)
	zeta, alpha, mid := w.account(w.a, "Zeta Corp", "zeta.example"), w.account(w.a, "Alpha Corp", "alpha.example"), w.account(w.a, "Mid Corp", "mid.example")
	for _, acc := range []*accounts.Account{zeta, alpha, mid} {
		access := "read"
		if acc == alpha {
			access = "write"
		}
		if _, err := w.p.ShareRecord(w.ctx, w.a, "account", acc.ID, w.b.Org, access); err != nil {
			t.Fatal(err)
		}
	}
	names := func(f accounts.Filter) string {
		t.Helper()
		f.Owner, f.Limit = "shared", 2
		var out []string
		for {
			page, next, err := w.acc.List(w.ctx, w.b, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range page {
				out = append(out, a.Name)
			}
			if next == "" {
				return strings.Join(out, ", ")
			}
			f.Cursor = next
		}
	}
	if got := names(accounts.Filter{}); got != "Alpha Corp, Mid Corp, Zeta Corp" {
		t.Fatalf("shared, by name: %s", got)
	}
	// The owner renames one; the partner with write access renames another.
	if _, err := w.acc.Update(w.ctx, w.a, zeta.ID, accounts.Input{Name: str("Aaron Corp")}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.acc.Update(w.ctx, w.b, alpha.ID, accounts.Input{Name: str("Zulu Corp")}); err != nil {
		t.Fatal(err)
	}
	if got := names(accounts.Filter{}); got != "Aaron Corp, Mid Corp, Zulu Corp" {
		t.Fatalf("shared, by name, after renames: %s", got)
	}
	if got := names(accounts.Filter{Sort: "updated"}); got != "Zulu Corp, Aaron Corp, Mid Corp" {
		t.Fatalf("shared, last changed first: %s", got)
	}
	// A CSV import that updates an account moves it too.
	res, err := w.imp.Import(w.ctx, w.a, []byte("name,domains\nMiddle Corp,mid.example\n"), imports.Options{Kind: "accounts"}, nil)
	if err != nil || res.Updated != 1 {
		t.Fatalf("import: %+v %v", res, err)
	}
	if got := names(accounts.Filter{Sort: "updated"}); got != "Middle Corp, Zulu Corp, Aaron Corp" {
		t.Fatalf("shared, last changed first, after an import: %s", got)
	}
	// Archived accounts leave the list of live ones and join the archived.
	if _, err := w.acc.SetArchived(w.ctx, w.a, zeta.ID, true); err != nil {
		t.Fatal(err)
	}
	if got := names(accounts.Filter{}); got != "Middle Corp, Zulu Corp" {
		t.Fatalf("shared, live, after archiving: %s", got)
	}
	if got := names(accounts.Filter{Archived: true}); got != "Aaron Corp" {
		t.Fatalf("shared, archived: %s", got)
	}
}

// The industry filter reads the shared path by the share rows' copy of each
// account's industry (migration 00038): a change of industry by the owner, by
// a writer partner or by an import must move the account between the filtered
// lists and counts of the organization it is shared with, and a filtered page
// must still page.
func TestSharedIndustryFilterFollowsChanges(t *testing.T) {
	w := newWorld(t)
	var ids []int64
	for _, name := range []string{"Delta Corp", "Echo Corp", "Fox Corp"} {
		acc := w.account(w.a, name, strings.ToLower(strings.Fields(name)[0])+".example") // industry Retail
		if _, err := w.p.ShareRecord(w.ctx, w.a, "account", acc.ID, w.b.Org, "write"); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, acc.ID)
	}
	names := func(industry string) string {
		t.Helper()
		f := accounts.Filter{Owner: "shared", Industry: industry, Limit: 1}
		var out []string
		for {
			page, next, err := w.acc.List(w.ctx, w.b, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range page {
				out = append(out, a.Name)
			}
			if next == "" {
				break
			}
			f.Cursor = next
		}
		n, _, err := w.acc.Count(w.ctx, w.b, accounts.Filter{Owner: "shared", Industry: industry})
		if err != nil {
			t.Fatal(err)
		}
		if n != len(out) {
			t.Fatalf("industry %s: count %d, list %v", industry, n, out)
		}
		return strings.Join(out, ", ")
	}
	if got := names("Retail"); got != "Delta Corp, Echo Corp, Fox Corp" {
		t.Fatalf("Retail at first: %s", got)
	}
	// The owner moves one, the writer partner another.
	if _, err := w.acc.Update(w.ctx, w.a, ids[0], accounts.Input{Industry: str("Energy")}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.acc.Update(w.ctx, w.b, ids[2], accounts.Input{Industry: str("Energy")}); err != nil {
		t.Fatal(err)
	}
	if got := names("Retail"); got != "Echo Corp" {
		t.Fatalf("Retail after the changes: %s", got)
	}
	if got := names("Energy"); got != "Delta Corp, Fox Corp" {
		t.Fatalf("Energy after the changes: %s", got)
	}
	// An import that changes the industry moves it too.
	res, err := w.imp.Import(w.ctx, w.a, []byte("name,domains,industry\nEcho Corp,echo.example,Energy\n"), imports.Options{Kind: "accounts"}, nil)
	if err != nil || res.Updated != 1 {
		t.Fatalf("import: %+v %v", res, err)
	}
	if got := names("Energy"); got != "Delta Corp, Echo Corp, Fox Corp" {
		t.Fatalf("Energy after the import: %s", got)
	}
	if got := names("Retail"); got != "" {
		t.Fatalf("Retail after the import: %s", got)
	}
	// The filter's choices read the copies too, and offer only what a live
	// account shared holds.
	ch, err := w.acc.Choices(w.ctx, w.b)
	if err != nil || strings.Join(ch.Industries, ",") != "Energy" {
		t.Fatalf("industry choices after the changes: %v %v", ch.Industries, err)
	}
	if _, err := w.acc.Update(w.ctx, w.a, ids[1], accounts.Input{Industry: str("Pharma")}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.acc.SetArchived(w.ctx, w.a, ids[0], true); err != nil {
		t.Fatal(err)
	}
	if ch, err = w.acc.Choices(w.ctx, w.b); err != nil || strings.Join(ch.Industries, ",") != "Energy,Pharma" {
		t.Fatalf("industry choices with one archived: %v %v", ch.Industries, err)
	}
	if _, err := w.acc.SetArchived(w.ctx, w.a, ids[2], true); err != nil {
		t.Fatal(err)
	}
	if ch, err = w.acc.Choices(w.ctx, w.b); err != nil || strings.Join(ch.Industries, ",") != "Pharma" {
		t.Fatalf("industry choices with Energy's accounts archived: %v %v", ch.Industries, err)
	}
	if _, err := w.acc.Update(w.ctx, w.a, ids[1], accounts.Input{Industry: str("Energy")}); err != nil {
		t.Fatal(err)
	}
	// The share rows hold the copy the list reads.
	var keys []string
	if err := w.d.Owner.SelectContext(w.ctx, &keys, `SELECT filter_key FROM shares WHERE record_type = 'account' AND record_id = ANY ($1) ORDER BY record_id`, pq.Array(ids)); err != nil {
		t.Fatal(err)
	}
	if strings.Join(keys, ",") != "Energy,Energy,Energy" {
		t.Fatalf("the share rows' copies: %v", keys)
	}
}
