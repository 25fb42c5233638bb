package accounts_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

// Every import row goes through the rule the API applies to the same change
// (canWrite): a sales user changes only the records of accounts it owns, a sales
// API key changes nothing, and a refused row is reported with its line and the
// record it names, leaving everything stored as it was.
func TestImportRowsFollowTheAPIWriteRules(t *testing.T) {
	w := newWorld(t)
	// An account of the organization's admin, with a contact; and one of the sales
	// user, with a contact.
	adminAcc := w.account(w.a, "Admin Owned", "admin-owned.example")
	adminContact, err := w.acc.CreateContact(w.ctx, w.a, accounts.ContactInput{Account: &adminAcc.ID, Name: str("Jane Admin"), Emails: strs("jane@admin-owned.example")})
	if err != nil {
		t.Fatal(err)
	}
	salesAcc := w.account(w.aSales, "Sales Owned", "sales-owned.example")
	salesContact, err := w.acc.CreateContact(w.ctx, w.aSales, accounts.ContactInput{Account: &salesAcc.ID, Name: str("Sam Sales"), Emails: strs("sam@sales-owned.example")})
	if err != nil {
		t.Fatal(err)
	}
	_, secret, err := w.p.CreateAPIKey(w.ctx, w.a, "sales key", "sales")
	if err != nil {
		t.Fatal(err)
	}
	key, err := w.p.KeyActor(w.ctx, secret)
	if err != nil {
		t.Fatal(err)
	}

	// What the API says about the same changes, so the import is held to it.
	_, apiSalesContact := w.acc.UpdateContact(w.ctx, w.aSales, adminContact.ID, accounts.ContactInput{Name: str("Changed")})
	_, apiKeyContact := w.acc.UpdateContact(w.ctx, *key, salesContact.ID, accounts.ContactInput{Name: str("Changed")})
	if apiSalesContact == nil || apiKeyContact == nil {
		t.Fatalf("the API let a sales user (%v) or a sales key (%v) change a contact it may not", apiSalesContact, apiKeyContact)
	}

	for _, tc := range []struct {
		name string
		who  partners.Actor
		kind string
		file string
		want string // in the row error of line 2
	}{
		{"sales updates the admin's contact (matched by email)", w.aSales, "contacts",
			"account,name,email\nadmin-owned.example,Jane Changed,jane@admin-owned.example\n", fmt.Sprintf("contact %d", adminContact.ID)},
		{"sales updates the admin's contact, the row naming its own account", w.aSales, "contacts",
			"account,name,email\nsales-owned.example,Jane Changed,jane@admin-owned.example\n", fmt.Sprintf("contact %d (account %d)", adminContact.ID, adminAcc.ID)},
		{"sales adds a contact to the admin's account", w.aSales, "contacts",
			"account,name,email\nadmin-owned.example,New Person,new@admin-owned.example\n", fmt.Sprintf("account %d", adminAcc.ID)},
		{"sales updates the admin's account", w.aSales, "accounts",
			"name,domains,industry\nAdmin Owned,admin-owned.example,Changed\n", fmt.Sprintf("account %d", adminAcc.ID)},
		{"a sales key updates a contact", *key, "contacts",
			"account,name,email\nsales-owned.example,Sam Changed,sam@sales-owned.example\n", fmt.Sprintf("contact %d", salesContact.ID)},
		{"a sales key adds a contact", *key, "contacts",
			"account,name,email\nsales-owned.example,Other,other@sales-owned.example\n", fmt.Sprintf("account %d", salesAcc.ID)},
		{"a sales key updates an account", *key, "accounts",
			"name,domains,industry\nSales Owned,sales-owned.example,Changed\n", fmt.Sprintf("account %d", salesAcc.ID)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, dry := range []bool{true, false} {
				res, err := w.imp.Import(w.ctx, tc.who, []byte(tc.file), imports.Options{Kind: tc.kind, DryRun: dry}, nil)
				if err != nil {
					t.Fatal(err)
				}
				if res.Applied || len(res.Errors) != 1 || res.Errors[0].Line != 2 || !strings.HasPrefix(res.Errors[0].Message, "you may not ") ||
					!strings.Contains(res.Errors[0].Message, tc.want) {
					t.Fatalf("dry run %v: result %+v, want line 2 refused naming %q", dry, res, tc.want)
				}
			}
		})
	}

	// Nothing stored changed.
	for _, c := range []struct {
		id   int64
		name string
	}{{adminContact.ID, "Jane Admin"}, {salesContact.ID, "Sam Sales"}} {
		got, err := w.acc.Contact(w.ctx, w.a, c.id)
		if err != nil || got.Name != c.name {
			t.Fatalf("contact %d after refused imports = %+v, %v; want %q", c.id, got, err, c.name)
		}
	}
	for _, id := range []int64{adminAcc.ID, salesAcc.ID} {
		if list, _ := w.acc.Contacts(w.ctx, w.a, id, false); len(list) != 1 {
			t.Fatalf("account %d has %d contacts after refused imports, want 1", id, len(list))
		}
		if got, _ := w.acc.Get(w.ctx, w.a, id); got.Industry != "Retail" {
			t.Fatalf("account %d industry = %q after refused imports", id, got.Industry)
		}
	}

	// What the rule allows still imports: the sales user's own contact and account,
	// and the admin's change to anyone's.
	res, err := w.imp.Import(w.ctx, w.aSales, []byte("account,name,email\nsales-owned.example,Sam Renamed,sam@sales-owned.example\n"), imports.Options{Kind: "contacts"}, nil)
	if err != nil || !res.Applied || res.Updated != 1 {
		t.Fatalf("sales imports its own contact: %+v, %v", res, err)
	}
	res, err = w.imp.Import(w.ctx, w.a, []byte("account,name,email\nadmin-owned.example,Jane Renamed,jane@admin-owned.example\n"), imports.Options{Kind: "contacts"}, nil)
	if err != nil || !res.Applied || res.Updated != 1 {
		t.Fatalf("admin imports a contact: %+v, %v", res, err)
	}
	if got, _ := w.acc.Contact(w.ctx, w.a, adminContact.ID); got.Name != "Jane Renamed" {
		t.Fatalf("admin's import did not change the contact: %+v", got)
	}
}
