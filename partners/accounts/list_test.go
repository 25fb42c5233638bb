package accounts_test

import (
	"strings"
	"testing"

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
