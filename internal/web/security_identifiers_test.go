package web_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/internal/notify"
)

// A partner with a write share edits the shared account with identifiers the
// owner holds on another, unshared account, and with identifiers no one holds:
// every answer must be the same (status and shape), so that the edit cannot test
// which customers the owner has. The owner's identifier is kept on the edited
// account but is no matching key, and the owner's admins (not the partner's) are
// told; the owner settles it by a merge.
func TestWriterLearnsNothingOfTheOwnersIdentifiers(t *testing.T) {
	f := newFixture(t)
	shared := f.writeShared(t, "Shared Target", "shared-target.example")
	resp, secret := f.api("POST", "/api/v1/accounts", f.keys["vendor"],
		`{"name":"Secret Customer","domains":["secret-customer.example"],"duns":"123456789","cnpj":"11.222.333/0001-81","vat":"DE123456789"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("owner's account: %d %v", resp.StatusCode, secret)
	}
	secretID := int64(secret["id"].(float64))

	patch := func(body string) (int, string) {
		status, b := f.send("PATCH", fmt.Sprintf("/api/v1/accounts/%d", shared), f.keys["partner"], "application/json", body)
		return status, string(b)
	}
	// The reply with the values and the times taken out: what is left must not
	// depend on what the owner holds.
	shape := regexp.MustCompile(`"(domains|duns|cnpj|vat)":("[^"]*"|\[[^\]]*\])|"(updated_at|created_at)":"[^"]*"`)
	for _, tc := range []struct{ field, held, free string }{
		{"domains", `["shared-target.example","secret-customer.example"]`, `["shared-target.example","nobody-has.example"]`},
		{"duns", `"123456789"`, `"987654321"`},
		{"cnpj", `"11222333000181"`, `"11444777000161"`},
		{"vat", `"DE123456789"`, `"FR987654321"`},
	} {
		t.Run(tc.field, func(t *testing.T) {
			heldStatus, heldBody := patch(fmt.Sprintf(`{%q:%s}`, tc.field, tc.held))
			freeStatus, freeBody := patch(fmt.Sprintf(`{%q:%s}`, tc.field, tc.free))
			if heldStatus != 200 || freeStatus != 200 {
				t.Fatalf("held: %d %s\nfree: %d %s\nwant 200 for both", heldStatus, heldBody, freeStatus, freeBody)
			}
			if a, b := shape.ReplaceAllString(heldBody, ""), shape.ReplaceAllString(freeBody, ""); a != b {
				t.Fatalf("the replies differ beyond the values:\nheld: %s\nfree: %s", a, b)
			}
			for _, leak := range []string{"pkey", "constraint", "already", "existing", "Secret Customer", fmt.Sprintf("accounts/%d", secretID)} {
				if strings.Contains(heldBody, leak) {
					t.Fatalf("the reply says %q: %s", leak, heldBody)
				}
			}
			// The edit is stored as the partner typed it.
			heldStatus, heldBody = patch(fmt.Sprintf(`{%q:%s}`, tc.field, tc.held))
			if heldStatus != 200 || !strings.Contains(heldBody, strings.Trim(strings.Split(tc.held, ",")[len(strings.Split(tc.held, ","))-1], `"[]`)) {
				t.Fatalf("held value not in the account: %d %s", heldStatus, heldBody)
			}
		})
	}

	// The owner's keys still name its own account, not the edited one.
	var holders []int64
	if err := f.d.Owner.Select(&holders, `SELECT DISTINCT account_id FROM account_keys WHERE kind || ':' || value IN
		('domain:secret-customer.example', 'duns:123456789', 'cnpj:11222333000181', 'vat:DE123456789')`); err != nil {
		t.Fatal(err)
	}
	if len(holders) != 1 || holders[0] != secretID {
		t.Fatalf("the identifiers' keys are on accounts %v, want only %d", holders, secretID)
	}
	// The owner's admin is told, once per identifier the edits brought (the held
	// domain was typed twice, the last time while the account still had it: told
	// once); the partner's admin is told nothing.
	ctx := context.Background()
	count := func(who string) (n int, text string) {
		list, err := notify.List(ctx, f.d.App, f.users[who].Scope(), "", 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range list {
			if x.Kind == "account.key_clash" {
				n++
				text += x.Body + "\n"
			}
		}
		return n, text
	}
	if n, text := count("vendor-admin"); n != 8 || !strings.Contains(text, fmt.Sprintf("your account %d to hold secret-customer.example, which another of your accounts already holds", shared)) {
		t.Fatalf("owner's admin has %d clash notifications, want 8 (each held identifier typed twice, the edits between dropping it):\n%s", n, text)
	}
	if n, _ := count("partner-admin"); n != 0 {
		t.Fatalf("the partner's admin has %d clash notifications", n)
	}

	// The owner settles it: merging its account into the edited one gives the
	// survivor every key.
	f.api("PATCH", fmt.Sprintf("/api/v1/accounts/%d", shared), f.keys["partner"], `{"domains":["shared-target.example","secret-customer.example"]}`)
	if resp, body := f.api("POST", fmt.Sprintf("/api/v1/accounts/%d/merge", shared), f.keys["vendor"], fmt.Sprintf(`{"merged_id":%d}`, secretID)); resp.StatusCode != 200 {
		t.Fatalf("owner's merge: %d %v", resp.StatusCode, body)
	}
	var holder int64
	if err := f.d.Owner.Get(&holder, `SELECT account_id FROM account_keys WHERE kind = 'domain' AND value = 'secret-customer.example'`); err != nil || holder != shared {
		t.Fatalf("after the merge the domain's key is on %d (%v), want %d", holder, err, shared)
	}
}
