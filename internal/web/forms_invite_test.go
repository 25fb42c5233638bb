package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestInviteFormRejectedKeepsWhatWasTyped: a refused invitation answers 303 to
// the users page, which shows the typed name, address and role, the message
// beside the address with its label, and stores no one; a reload shows the form
// empty again.
func TestInviteFormRejectedKeepsWhatWasTyped(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.login("partner-admin@acme.example", pw)
	_, page := b.req("GET", "/users", nil)
	resp, _ := b.req("POST", "/users", url.Values{"_csrf": {csrfOf(t, page)}, "name": {"Zé Carioca"}, "email": {"ze@elsewhere.example"}, "role": {"manager"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/users#error-summary" {
		t.Fatalf("rejected invitation: %d → %q, want 303 back to the form", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, out := b.req("GET", "/users", nil)
	for _, want := range []string{
		`id="user-invite-name" type="text" name="name" value="Zé Carioca"`,
		`id="user-invite-email" type="email" name="email" value="ze@elsewhere.example" aria-invalid="true" aria-describedby="user-invite-email-error"`,
		`<option value="manager" selected>`,
		`<p class="field-error" id="user-invite-email-error">Email: `,
		`<a href="#user-invite-email">Email: `,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the users page after the rejected invitation lacks %s", want)
		}
	}
	if strings.Contains(out, "email: ") {
		t.Error("the message names the field by its key")
	}
	var n int
	if err := f.d.Owner.GetContext(context.Background(), &n, `SELECT count(*) FROM users WHERE email = 'ze@elsewhere.example'`); err != nil || n != 0 {
		t.Fatalf("a rejected invitation stored %d users (%v)", n, err)
	}
	if _, again := b.req("GET", "/users", nil); strings.Contains(again, "Zé Carioca") || strings.Contains(again, "field-error") {
		t.Error("a reload shows the rejected form again")
	}
}

// TestInviteLinkShownOnce: inviting answers 303; the next page shows the link
// once, with a notice naming the address; a reload shows neither and invites no
// one again, and the link is not in the session's stored message in clear.
func TestInviteLinkShownOnce(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.login("partner-admin@acme.example", pw)
	_, page := b.req("GET", "/users", nil)
	resp, _ := b.req("POST", "/users", url.Values{"_csrf": {csrfOf(t, page)}, "name": {"Rita"}, "email": {"rita@acme.example"}, "role": {"sales"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/users" {
		t.Fatalf("invite: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var sealed []byte
	if err := f.d.Owner.GetContext(context.Background(), &sealed, `SELECT flash FROM sessions WHERE flash IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	resp, out := b.req("GET", "/users", nil)
	m := inviteLinkRE.FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "Invitation for rita@acme.example created.") {
		t.Fatalf("the page after inviting shows no link or no notice: %.3000s", out)
	}
	if !strings.Contains(resp.Header.Get("Cache-Control"), "no-store") {
		t.Errorf("the link's page may be stored: Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
	if strings.Contains(string(sealed), m[1]) || strings.Contains(string(sealed), "phi_") {
		t.Error("the session's one-time message holds the link in clear")
	}
	_, again := b.req("GET", "/users", nil)
	if strings.Contains(again, m[1]) || strings.Contains(again, `id="invite-link"`) {
		t.Error("a reload shows the invite link again")
	}
	var n int
	if err := f.d.Owner.GetContext(context.Background(), &n, `SELECT count(*) FROM users WHERE email = 'rita@acme.example'`); err != nil || n != 1 {
		t.Fatalf("%d users rita@acme.example (%v), want 1", n, err)
	}
	if r, _ := f.browser().req("GET", m[1], nil); r.StatusCode != http.StatusOK {
		t.Fatalf("the shown link: %d", r.StatusCode)
	}
}

// TestPartnershipInviteAndDecline: inviting a partner answers 303 with a notice
// naming it (a reload repeats nothing); the invited organization's decline
// button opens a confirmation naming the inviter and the consequence, which
// changes nothing until its form is sent; revoke asks the same way.
func TestPartnershipInviteAndDecline(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.browser()
	p.login("partner-manager@acme.example", pw)
	_, page := p.req("GET", "/partners", nil)
	if !strings.Contains(page, fmt.Sprintf(`<option value="%d">Acme`, f.vendor)) {
		t.Fatalf("the vendor is not offered: %.3000s", page)
	}
	resp, _ := p.req("POST", "/partners", url.Values{"_csrf": {csrfOf(t, page)}, "org_id": {fmt.Sprint(f.vendor)}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/partners" {
		t.Fatalf("partner invite: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, out := p.req("GET", "/partners", nil); !strings.Contains(out, "Partnership invitation sent to Acme.") {
		t.Fatalf("no notice naming the invited organization: %.3000s", out)
	}
	if _, out := p.req("GET", "/partners", nil); strings.Contains(out, "Partnership invitation sent") {
		t.Error("a reload shows the notice again")
	}
	count := func() (n int) {
		t.Helper()
		if err := f.d.Owner.GetContext(ctx, &n, `SELECT count(*) FROM partnerships WHERE state = 'invited'`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 1 {
		t.Fatalf("%d invited partnerships, want 1", n)
	}
	// Inviting the same organization again is refused beside the field.
	resp, _ = p.req("POST", "/partners", url.Values{"_csrf": {csrfOf(t, page)}, "org_id": {fmt.Sprint(f.vendor)}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/partners#error-summary" {
		t.Fatalf("a second invitation: %d → %q, want 303 back with the message", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, out := p.req("GET", "/partners", nil); !strings.Contains(out, `id="error-summary"`) {
		t.Fatalf("the refusal says nothing: %.3000s", out)
	}

	v := f.browser()
	v.login("vendor-manager@acme.example", pw)
	_, page = v.req("GET", "/partners", nil)
	m := regexp.MustCompile(`href="(/partners/(\d+)/decline)">Decline<span class="visually-hidden"> Rio Revenda</span>`).FindStringSubmatch(page)
	if m == nil || strings.Contains(page, `/decline"><input`) {
		t.Fatalf("no decline link naming the partner (or a decline button without confirmation): %.3000s", page)
	}
	resp, confirm := v.req("GET", m[1], nil)
	if resp.StatusCode != 200 || !strings.Contains(confirm, "Decline the partnership with Rio Revenda?") || !strings.Contains(confirm, "nothing is shared") {
		t.Fatalf("decline confirmation: %d %.2000s", resp.StatusCode, confirm)
	}
	if n := count(); n != 1 {
		t.Fatal("the confirmation page answered the invitation")
	}
	resp, _ = v.req("POST", m[1], url.Values{"_csrf": {csrfOf(t, confirm)}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/partners" {
		t.Fatalf("decline: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, out := v.req("GET", "/partners", nil); !strings.Contains(out, "Partnership with Rio Revenda declined.") {
		t.Error("no notice naming the declined partner")
	}
	var state string
	if err := f.d.Owner.GetContext(ctx, &state, `SELECT state FROM partnerships WHERE id = $1`, m[2]); err != nil || state != "declined" {
		t.Fatalf("the partnership is %q (%v), want declined", state, err)
	}
	// Declining again (a reload of the form, say) is refused on the list, not on an error page.
	resp, _ = v.req("POST", m[1], url.Values{"_csrf": {csrfOf(t, confirm)}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/partners#error-summary" {
		t.Fatalf("declining twice: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestPolicyFormRejectedKeepsWhatWasTyped: a refused sharing policy goes back
// to the partner's page with the boxes and segments as sent, the message
// beside its field, and the stored policy unchanged.
func TestPolicyFormRejectedKeepsWhatWasTyped(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	pship, err := f.svc.InvitePartner(ctx, f.users["partner-manager"], f.vendor)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RespondPartnership(ctx, f.users["vendor-manager"], pship.ID, true); err != nil {
		t.Fatal(err)
	}
	b := f.browser()
	b.login("partner-admin@acme.example", pw)
	path := fmt.Sprintf("/partners/%d", pship.ID)
	_, page := b.req("GET", path, nil)
	// Greenfield needs a level of counts or records.
	resp, _ := b.req("POST", path+"/policy", url.Values{"_csrf": {csrfOf(t, page)}, "level": {"hidden"}, "fields": {"name", "vat"},
		"segment_region": {"LATAM, EMEA"}, "greenfield": {"true"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != path+"#error-summary" {
		t.Fatalf("rejected policy: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, out := b.req("GET", path, nil)
	for _, want := range []string{
		`value="LATAM, EMEA"`, `name="fields" value="name" checked`, `name="fields" value="vat" checked`, `VAT number`,
		`name="greenfield" value="true" checked aria-invalid="true" aria-describedby="policy-greenfield-error"`,
		`<a href="#policy-greenfield">`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the partner page after the rejected policy lacks %s", want)
		}
	}
	if strings.Contains(out, `name="fields" value="domains" checked`) {
		t.Error("a box that was not ticked shows ticked")
	}
	var n int
	if err := f.d.Owner.GetContext(ctx, &n, `SELECT count(*) FROM sharing_policies WHERE 'vat' = ANY(fields)`); err != nil || n != 0 {
		t.Fatalf("the rejected policy was stored (%d, %v)", n, err)
	}
	resp, _ = b.req("POST", path+"/policy", url.Values{"_csrf": {csrfOf(t, page)}, "level": {"records"}, "fields": {"name"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != path {
		t.Fatalf("policy: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, out := b.req("GET", path, nil); !strings.Contains(out, "What Acme may see of your accounts was saved.") {
		t.Error("no notice naming the partner")
	}
}

// TestListFieldsShowAsText: an account's domains and tags (lists in the
// database) show in its edit form as the text one types, comma separated.
func TestListFieldsShowAsText(t *testing.T) {
	f := newFixture(t)
	_, acc := f.api("POST", "/api/v1/accounts", f.keys["partner"], `{"name":"Lista Ltda","domains":["lista.example","lista2.example"],"tags":["food","retail"]}`)
	b := f.browser()
	b.login("partner-admin@acme.example", pw)
	_, page := b.req("GET", "/accounts/"+strconvF(acc["id"].(float64)), nil)
	for _, want := range []string{
		`id="account-edit-domains" type="text" name="domains" value="lista.example, lista2.example"`,
		`id="account-edit-tags" type="text" name="tags" value="food, retail"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the account's edit form lacks %s", want)
		}
	}
}
