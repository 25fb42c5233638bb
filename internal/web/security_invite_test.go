package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// auditCount counts the audit entries of an action about a target.
func (f *fixture) auditCount(action, target string) int {
	f.t.Helper()
	var n int
	if err := f.d.Owner.Get(&n, `SELECT count(*) FROM audit_log WHERE action = $1 AND target_id = $2`, action, target); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *fixture) domains(org int64) string {
	f.t.Helper()
	var d string
	if err := f.d.Owner.Get(&d, `SELECT array_to_string(email_domains, ' ') FROM organizations WHERE id = $1`, org); err != nil {
		f.t.Fatal(err)
	}
	return d
}

func (f *fixture) userCount() int {
	f.t.Helper()
	var n int
	if err := f.d.Owner.Get(&n, `SELECT count(*) FROM users`); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// The vendor sets each organization's email domains; a partner's admins invite
// only addresses on them, so they cannot take the vendor's (or anyone's) people
// into the network.
func TestOrganizationEmailDomains(t *testing.T) {
	f := newFixture(t)
	org := fmt.Sprintf("/api/v1/organizations/%d", f.partner)
	vendorOrg := fmt.Sprintf("/api/v1/organizations/%d", f.vendor)
	if resp, body := f.api("PATCH", vendorOrg, f.keys["vendor"], `{"email_domains":["Acme-Corp.example"]}`); resp.StatusCode != 200 {
		t.Fatalf("vendor sets its own domains: %d %v", resp.StatusCode, body)
	}
	// No domains: a partner admin cannot invite at all.
	if resp, _ := f.api("PATCH", org, f.keys["vendor"], `{"email_domains":[]}`); resp.StatusCode != 200 || f.domains(f.partner) != "" {
		t.Fatalf("clear the partner's domains: %d, left %q", resp.StatusCode, f.domains(f.partner))
	}
	users := f.userCount()
	if resp, body := f.api("POST", "/api/v1/users", f.keys["partner"], `{"email":"new@riorevenda.example","name":"N","role":"viewer"}`); resp.StatusCode != 403 || !strings.Contains(body["detail"].(string), "no email domains") {
		t.Fatalf("invite without domains: %d %v, want 403", resp.StatusCode, body)
	}
	// Bad input is refused with its place, and changes nothing.
	for _, c := range []struct{ body, field, detail string }{
		{`{"email_domains":["riorevenda.example","not a domain"]}`, "email_domains", `"not a domain" is not a domain name`},
		{`{"email_domains":["http://riorevenda.example/"]}`, "email_domains", "is not a domain name"},
		{`{"email_domains":"riorevenda.example"}`, "email_domains", "must be a JSON slice"},
		{`{"email_domains":["acme-corp.example"]}`, "email_domains", "acme-corp.example is already an email domain of Acme"},
	} {
		resp, body := f.api("PATCH", org, f.keys["vendor"], c.body)
		if resp.StatusCode/100 != 4 || body["field"] != c.field || !strings.Contains(fmt.Sprint(body["detail"]), c.detail) {
			t.Errorf("PATCH %s: %d %v, want a 4xx on %s saying %q", c.body, resp.StatusCode, body, c.field, c.detail)
		}
	}
	if d := f.domains(f.partner); d != "" {
		t.Fatalf("refused changes stored domains %q", d)
	}
	// Only the vendor sets them.
	if resp, _ := f.api("PATCH", org, f.keys["partner"], `{"email_domains":["gmail.com"]}`); resp.StatusCode != 403 {
		t.Fatalf("the partner sets its own domains: %d, want 403", resp.StatusCode)
	}
	resp, body := f.api("PATCH", org, f.keys["vendor"], `{"email_domains":[" RioRevenda.example ","rio.example.","riorevenda.example"]}`)
	if got, _ := body["email_domains"].([]any); resp.StatusCode != 200 || fmt.Sprint(got) != "[riorevenda.example rio.example]" {
		t.Fatalf("set domains: %d %v", resp.StatusCode, body)
	}
	if f.auditCount("organization.update", fmt.Sprint(f.partner)) != 2 {
		t.Errorf("domain changes audited %d times, want 2", f.auditCount("organization.update", fmt.Sprint(f.partner)))
	}
	// The partner's admin invites on its domains only.
	for _, email := range []string{"ceo@acme-corp.example", "someone@gmail.example", "x@sub.riorevenda.example", "x@riorevenda.example.evil"} {
		resp, body := f.api("POST", "/api/v1/users", f.keys["partner"], `{"email":"`+email+`","name":"N","role":"admin"}`)
		if resp.StatusCode != 422 || body["field"] != "email" || !strings.Contains(body["detail"].(string), "riorevenda.example, rio.example") {
			t.Errorf("partner invites %s: %d %v, want 422 on email", email, resp.StatusCode, body)
		}
	}
	if f.userCount() != users {
		t.Fatal("a refused invitation stored a user")
	}
	if resp, _ := f.api("POST", "/api/v1/users", f.keys["partner"], `{"email":"Nina@RioRevenda.example","name":"Nina","role":"sales"}`); resp.StatusCode != 201 {
		t.Fatalf("partner invites on its domain: %d", resp.StatusCode)
	}
	// The vendor invites anyone, anywhere.
	if resp, _ := f.api("POST", "/api/v1/users", f.keys["vendor"], fmt.Sprintf(`{"email":"owner@gmail.example","name":"O","role":"admin","org_id":%d}`, f.partner)); resp.StatusCode != 201 {
		t.Fatalf("vendor invites into the partner: %d", resp.StatusCode)
	}

	// The organizations page sets them too.
	b := f.browser()
	b.login("vendor-admin@acme.example", pw)
	_, page := b.req("GET", "/organizations", nil)
	if resp, _ := b.req("POST", fmt.Sprintf("/organizations/%d", f.partner), url.Values{"_csrf": {csrfOf(t, page)}, "kind": {"reseller"}, "tier": {"gold"},
		"region": {""}, "email_domains": {"riorevenda.example, rio-revenda.example"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("organizations form: %d", resp.StatusCode)
	}
	if d := f.domains(f.partner); d != "riorevenda.example rio-revenda.example" {
		t.Fatalf("domains after the form: %q", d)
	}
	resp, _ = b.req("POST", fmt.Sprintf("/organizations/%d", f.partner), url.Values{"_csrf": {csrfOf(t, page)}, "email_domains": {"bad domain!"}})
	_, page = b.req("GET", "/organizations", nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(page, "is not a domain name") || f.domains(f.partner) != "riorevenda.example rio-revenda.example" {
		t.Fatalf("bad domains on the form: %d, stored %q", resp.StatusCode, f.domains(f.partner))
	}
	// The deactivate button (no domains field) leaves them.
	_, page = b.req("GET", "/organizations", nil)
	b.req("POST", fmt.Sprintf("/organizations/%d", f.partner), url.Values{"_csrf": {csrfOf(t, page)}, "status": {"inactive"}})
	if d := f.domains(f.partner); d != "riorevenda.example rio-revenda.example" {
		t.Fatalf("deactivation changed the domains to %q", d)
	}
}

var inviteURLRE = regexp.MustCompile(`http://hub\.test(/invite/phi_[A-Za-z0-9_-]+)`)

// A pending invitation can be sent again (a new link; the old one dies) or
// cancelled (its link dies and the address is free again), by the API and on the
// users page, and both are audited.
func TestInvitationResendAndCancel(t *testing.T) {
	f := newFixture(t)
	resp, body := f.api("POST", "/api/v1/users", f.keys["partner"], `{"email":"joao@acme.example","name":"João","role":"sales"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("invite: %d %v", resp.StatusCode, body)
	}
	id := int64(body["user"].(map[string]any)["id"].(float64))
	first := strings.TrimPrefix(body["invite_url"].(string), "http://hub.test")
	path := fmt.Sprintf("/api/v1/users/%d/invite", id)

	resp, body = f.api("POST", path, f.keys["partner"], "")
	if resp.StatusCode != 200 || body["invite_url"] == nil {
		t.Fatalf("re-send: %d %v", resp.StatusCode, body)
	}
	second := strings.TrimPrefix(body["invite_url"].(string), "http://hub.test")
	b := f.browser()
	if resp, _ := b.req("GET", first, nil); resp.StatusCode != 404 {
		t.Fatalf("the first link after a re-send: %d, want 404", resp.StatusCode)
	}
	if resp, _ := b.req("GET", second, nil); resp.StatusCode != 200 {
		t.Fatalf("the new link: %d, want 200", resp.StatusCode)
	}
	// The vendor's admins may manage any organization's invitations (to undo one
	// a partner should not have made, say).
	resp, body = f.api("POST", path, f.keys["vendor"], "")
	if resp.StatusCode != 200 {
		t.Fatalf("the vendor re-sends a partner's invitation: %d %v", resp.StatusCode, body)
	}
	third := strings.TrimPrefix(body["invite_url"].(string), "http://hub.test")
	if resp, _ := b.req("GET", second, nil); resp.StatusCode != 404 {
		t.Fatalf("the second link after the vendor's re-send: %d, want 404", resp.StatusCode)
	}
	for _, c := range []struct {
		method, path string
		want         int
	}{
		{"DELETE", fmt.Sprintf("/api/v1/users/%d/invite", f.users["partner-sales"].User), 409}, // accepted already
		{"DELETE", fmt.Sprintf("/api/v1/users/%d/invite", f.users["vendor-sales"].User), 404},  // another organization
		{"POST", fmt.Sprintf("/api/v1/users/%d/invite", f.users["partner-sales"].User), 409},
		{"DELETE", "/api/v1/users/x/invite", 422},
	} {
		if resp, body := f.api(c.method, c.path, f.keys["partner"], ""); resp.StatusCode != c.want {
			t.Errorf("%s %s: %d %v, want %d", c.method, c.path, resp.StatusCode, body, c.want)
		}
	}
	if resp, _ := f.api("DELETE", path, f.keys["partner"], ""); resp.StatusCode != 204 {
		t.Fatalf("cancel: %d", resp.StatusCode)
	}
	if resp, _ := b.req("GET", third, nil); resp.StatusCode != 404 {
		t.Fatalf("the link after the cancellation: %d, want 404", resp.StatusCode)
	}
	if resp, _ := f.api("GET", fmt.Sprintf("/api/v1/users/%d", id), f.keys["partner"], ""); resp.StatusCode != 404 {
		t.Fatalf("the cancelled user: %d, want 404", resp.StatusCode)
	}
	if f.auditCount("user.invite_resend", fmt.Sprint(id)) != 2 || f.auditCount("user.invite_cancel", fmt.Sprint(id)) != 1 {
		t.Fatal("re-send and cancel are not both audited")
	}

	// On the users page: the address is free again.
	admin := f.browser()
	admin.login("partner-admin@acme.example", pw)
	_, page := admin.req("GET", "/users", nil)
	resp, _ = admin.req("POST", "/users", url.Values{"_csrf": {csrfOf(t, page)}, "email": {"joao@acme.example"}, "name": {"João"}, "role": {"sales"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/users" {
		t.Fatalf("invite on the page: %d → %q, want 303 to /users", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = admin.req("GET", "/users", nil)
	m := inviteURLRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no invite link on the page: %.2000s", page)
	}
	var newID int64
	if err := f.d.Owner.Get(&newID, `SELECT id FROM users WHERE email = 'joao@acme.example'`); err != nil {
		t.Fatal(err)
	}
	_, page = admin.req("GET", "/users", nil)
	if inviteURLRE.MatchString(page) {
		t.Fatal("a reload shows the invite link again")
	}
	resendPath, cancelPath := fmt.Sprintf("/users/%d/invite/resend", newID), fmt.Sprintf("/users/%d/invite/cancel", newID)
	if !strings.Contains(page, `href="`+resendPath+`"`) || !strings.Contains(page, `href="`+cancelPath+`"`) {
		t.Fatalf("no re-send and cancel links for the pending invitation: %.3000s", page)
	}
	resp, confirm := admin.req("GET", resendPath, nil)
	if resp.StatusCode != 200 || !strings.Contains(confirm, "Send joao@acme.example a new invite link?") || !strings.Contains(confirm, "The old link stops working") {
		t.Fatalf("re-send confirmation: %d %.2000s", resp.StatusCode, confirm)
	}
	if resp, _ := b.req("GET", m[1], nil); resp.StatusCode != 200 {
		t.Fatalf("the link after the re-send's confirmation page: %d, want 200 (nothing sent yet)", resp.StatusCode)
	}
	if resp, _ := admin.req("POST", resendPath, url.Values{}); resp.StatusCode != 403 {
		t.Fatalf("re-send without a CSRF token: %d, want 403", resp.StatusCode)
	}
	resp, _ = admin.req("POST", resendPath, url.Values{"_csrf": {csrfOf(t, confirm)}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/users" {
		t.Fatalf("re-send: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = admin.req("GET", "/users", nil)
	m2 := inviteURLRE.FindStringSubmatch(page)
	if m2 == nil || m2[1] == m[1] {
		t.Fatalf("re-send on the page: link %v (was %s)", m2, m[1])
	}
	if resp, _ := b.req("GET", m[1], nil); resp.StatusCode != 404 {
		t.Fatalf("the page's first link after its re-send: %d, want 404", resp.StatusCode)
	}
	resp, confirm = admin.req("GET", cancelPath, nil)
	if resp.StatusCode != 200 || !strings.Contains(confirm, "Cancel the invitation of joao@acme.example?") {
		t.Fatalf("cancel confirmation: %d %.2000s", resp.StatusCode, confirm)
	}
	if resp, _ := b.req("GET", m2[1], nil); resp.StatusCode != 200 {
		t.Fatalf("the link after the cancel's confirmation page: %d, want 200", resp.StatusCode)
	}
	resp, _ = admin.req("POST", cancelPath, url.Values{"_csrf": {csrfOf(t, confirm)}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/users" {
		t.Fatalf("cancel on the page: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, out := admin.req("GET", "/users", nil); !strings.Contains(out, "The invitation of joao@acme.example was cancelled") {
		t.Error("no notice naming the cancelled invitation")
	}
	if resp, _ := b.req("GET", m2[1], nil); resp.StatusCode != 404 {
		t.Fatalf("the page's link after the cancellation: %d, want 404", resp.StatusCode)
	}
}
