package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestRejectedFormComesBackWithWhatWasTyped: a refused account form answers 303
// to its page (never a page at the POST's URL), which shows every typed value,
// the message beside its field with the field's label, tied to it with
// aria-invalid and aria-describedby, and a summary linking to the field; the
// message is shown once, and nothing was stored.
func TestRejectedFormComesBackWithWhatWasTyped(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.login("partner-sales@acme.example", pw)
	_, page := b.req("GET", "/accounts", nil)
	resp, _ := b.req("POST", "/accounts", url.Values{"_csrf": {csrfOf(t, page)}, "name": {"Padaria São João"}, "domains": {"padaria.example"},
		"region": {"LATAM"}, "cnpj": {"11.222.333/0001-82"}, "tags": {"food, retail"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/accounts#error-summary" {
		t.Fatalf("rejected form: status %d to %q, want 303 to the form's page", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, out := b.req("GET", "/accounts", nil)
	for _, want := range []string{
		`id="account-new-name" type="text" name="name" value="Padaria São João"`,
		`value="padaria.example"`, `value="LATAM"`, `value="food, retail"`,
		`id="account-new-cnpj" type="text" name="cnpj" value="11.222.333/0001-82" aria-invalid="true" aria-describedby="account-new-cnpj-error"`,
		`<p class="field-error" id="account-new-cnpj-error">CNPJ: `,
		`<a href="#account-new-cnpj">CNPJ: `,
		`id="error-summary"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the page after the rejected form lacks %s", want)
		}
	}
	if strings.Contains(out, "cnpj: ") {
		t.Error("the message names the field by its key")
	}
	_, again := b.req("GET", "/accounts", nil)
	if strings.Contains(again, "Padaria") || strings.Contains(again, "field-error") {
		t.Error("a reload shows the rejected form again")
	}
	var n int
	if err := f.d.Owner.GetContext(context.Background(), &n, `SELECT count(*) FROM accounts WHERE name = 'Padaria São João'`); err != nil || n != 0 {
		t.Fatalf("a rejected form stored %d accounts (%v)", n, err)
	}
}

var secretRE = regexp.MustCompile(`id="api-key-secret">(phk_[^<]+)<`)

// TestAPIKeySecretShownOnce: creating a key answers 303; the next page shows the
// secret and says what happened; a reload shows neither the secret nor a second
// key, and the secret is stored nowhere readable (the session keeps it sealed).
func TestAPIKeySecretShownOnce(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.login("partner-admin@acme.example", pw)
	_, page := b.req("GET", "/api-keys", nil)
	resp, _ := b.req("POST", "/api-keys", url.Values{"_csrf": {csrfOf(t, page)}, "name": {"CRM sync"}, "role": {"viewer"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/api-keys" {
		t.Fatalf("create: status %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "" && !strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control %q", cc)
	}
	var sealed []byte
	if err := f.d.Owner.GetContext(context.Background(), &sealed, `SELECT flash FROM sessions WHERE flash IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	resp, out := b.req("GET", "/api-keys", nil)
	m := secretRE.FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "API key “CRM sync” created.") {
		t.Fatalf("the page after creating shows no secret or no notice: %.3000s", out)
	}
	if !strings.Contains(resp.Header.Get("Cache-Control"), "no-store") {
		t.Errorf("the secret's page may be stored: Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
	if strings.Contains(string(sealed), m[1]) || strings.Contains(string(sealed), "CRM sync") {
		t.Error("the session's one-time message holds the secret in clear")
	}
	_, again := b.req("GET", "/api-keys", nil)
	if strings.Contains(again, m[1]) || strings.Contains(again, "api-key-secret") {
		t.Error("a reload shows the secret again")
	}
	var n int
	if err := f.d.Owner.GetContext(context.Background(), &n, `SELECT count(*) FROM api_keys WHERE name = 'CRM sync'`); err != nil || n != 1 {
		t.Fatalf("%d keys named CRM sync (%v), want 1", n, err)
	}
	// The key works.
	if r, _ := f.api("GET", "/api/v1/me", m[1], ""); r.StatusCode != http.StatusOK {
		t.Fatalf("the shown key: status %d", r.StatusCode)
	}
}

// TestDestructiveActionsAskFirst: the revoke button of a key leads to a page
// that names the key and the consequence, changes nothing, and whose form
// revokes it.
func TestDestructiveActionsAskFirst(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.login("partner-admin@acme.example", pw)
	_, page := b.req("GET", "/api-keys", nil)
	href := regexp.MustCompile(`href="(/api-keys/\d+/revoke)">Revoke<span class="visually-hidden"> partner key</span>`).FindStringSubmatch(page)
	if href == nil {
		t.Fatalf("no revoke link with the key's name: %.3000s", page)
	}
	resp, confirm := b.req("GET", href[1], nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(confirm, "Revoke API key “partner key”?") || !strings.Contains(confirm, "cannot be undone") {
		t.Fatalf("confirmation page: status %d: %.2000s", resp.StatusCode, confirm)
	}
	if r, _ := f.api("GET", "/api/v1/me", f.keys["partner"], ""); r.StatusCode != http.StatusOK {
		t.Fatal("the confirmation page revoked the key")
	}
	resp, _ = b.req("POST", href[1], url.Values{"_csrf": {csrfOf(t, confirm)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: status %d", resp.StatusCode)
	}
	if _, out := b.req("GET", "/api-keys", nil); !strings.Contains(out, "API key “partner key” revoked.") {
		t.Error("no notice naming the revoked key")
	}
	if r, _ := f.api("GET", "/api/v1/me", f.keys["partner"], ""); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("revoked key: status %d", r.StatusCode)
	}
}

// TestMergePicksByNameAndRedirects: merging starts from a search by name (no
// ids to type), asks naming both accounts, and the merged-away account's
// address then leads to the survivor.
func TestMergePicksByNameAndRedirects(t *testing.T) {
	f := newFixture(t)
	_, a := f.api("POST", "/api/v1/accounts", f.keys["partner"], `{"name":"Padaria Central"}`)
	_, b := f.api("POST", "/api/v1/accounts", f.keys["partner"], `{"name":"Padaria Central Ltda"}`)
	survivor, merged := "/accounts/"+strconvF(a["id"].(float64)), "/accounts/"+strconvF(b["id"].(float64))
	br := f.browser()
	br.login("partner-manager@acme.example", pw)
	_, pick := br.req("GET", survivor+"/merge?q=Ltda", nil)
	if !strings.Contains(pick, `<option value="`+strconvF(b["id"].(float64))+`">Padaria Central Ltda</option>`) {
		t.Fatalf("the merge page does not offer the other account by name: %.3000s", pick)
	}
	resp, confirm := br.req("GET", survivor+"/merge?merged_id="+strconvF(b["id"].(float64)), nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(confirm, "Merge “Padaria Central Ltda” into “Padaria Central”?") {
		t.Fatalf("merge confirmation: status %d: %.2000s", resp.StatusCode, confirm)
	}
	if r, _ := br.req("GET", merged, nil); r.StatusCode != http.StatusOK {
		t.Fatalf("the confirmation page merged already: %d", r.StatusCode)
	}
	resp, _ = br.req("POST", survivor+"/merge", url.Values{"_csrf": {csrfOf(t, confirm)}, "merged_id": {strconvF(b["id"].(float64))}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != survivor {
		t.Fatalf("merge: status %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, out := br.req("GET", survivor, nil); !strings.Contains(out, "Account “Padaria Central Ltda” merged into “Padaria Central”.") {
		t.Error("no notice naming both accounts")
	}
	resp, _ = br.req("GET", merged, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != survivor {
		t.Fatalf("the merged-away account: status %d to %q, want 303 to the survivor", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Another organization learns nothing from the old address.
	other := f.browser()
	other.login("vendor-manager@acme.example", pw)
	if r, _ := other.req("GET", merged, nil); r.StatusCode != http.StatusNotFound {
		t.Fatalf("another organization: status %d for the merged-away address, want 404", r.StatusCode)
	}
}

// TestRowEditorErrorStaysOnItsRow: a rejected organization row keeps what was
// typed in that row only, the message beside the field.
func TestRowEditorErrorStaysOnItsRow(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.login("vendor-admin@acme.example", pw)
	_, page := b.req("GET", "/organizations", nil)
	id := strconvF(float64(f.partner))
	resp, _ := b.req("POST", "/organizations/"+id, url.Values{"_csrf": {csrfOf(t, page)}, "region": {"LATAM"}, "email_domains": {"not a domain!"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("rejected row: status %d", resp.StatusCode)
	}
	_, out := b.req("GET", "/organizations", nil)
	for _, want := range []string{
		`id="org-edit-` + id + `-email_domains" type="text" name="email_domains" value="not a domain!" size="12" aria-invalid="true" aria-describedby="org-edit-` + id + `-email_domains-error"`,
		`id="org-edit-` + id + `-region" type="text" name="region" value="LATAM"`,
		`<a href="#org-edit-` + id + `-email_domains">Email domains: `,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the organizations page lacks %s", want)
		}
	}
	if strings.Count(out, `aria-invalid="true"`) != 1 {
		t.Error("the error shows on more than its row's field")
	}
}

// TestPasswordFormNeverEchoesPasswords: a rejected password change comes back
// with its message beside the field, and no password in the page.
func TestPasswordFormNeverEchoesPasswords(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.login("partner-viewer@acme.example", pw)
	_, page := b.req("GET", "/settings", nil)
	b.req("POST", "/settings/password", url.Values{"_csrf": {csrfOf(t, page)}, "current_password": {"wrong-wrong-wrong"}, "new_password": {"brand new password 1"}})
	_, out := b.req("GET", "/settings", nil)
	if !strings.Contains(out, `id="password-current_password-error">Current password: `) || strings.Contains(out, "wrong-wrong-wrong") || strings.Contains(out, "brand new password 1") {
		t.Fatalf("password form after a rejection: %.3000s", out)
	}
}
