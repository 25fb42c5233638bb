package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/partners"
)

func TestPortalLoginWrongPasswordAndLockout(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	resp := b.login("partner-sales@acme.example", "not the password")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: status %d, want 401", resp.StatusCode)
	}
	if _, ok := b.cookies["ph_session"]; ok {
		t.Fatal("a failed login set a session cookie")
	}
	for i := 2; i <= partners.FreeLoginFailures; i++ {
		b.login("partner-sales@acme.example", "not the password")
	}
	resp = b.login("partner-sales@acme.example", pw)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("after %d failures the right password gave %d (Retry-After %q), want 429 and a wait of 1 second", partners.FreeLoginFailures, resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestPortalLoginAndSessionFixation(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	planted := "phs_1_attacker-chosen-session-id-0000000000"
	b.cookies["ph_session"] = planted
	resp := b.login("partner-manager@acme.example", pw)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: status %d, want 303", resp.StatusCode)
	}
	got := b.cookies["ph_session"]
	if got == "" || got == planted {
		t.Fatalf("session cookie after login = %q: the planted id survived", got)
	}
	_, page := b.req("GET", "/", nil)
	if !strings.Contains(page, `id="dashboard-title"`) || !strings.Contains(page, "Rio Revenda") {
		t.Fatalf("dashboard not shown after login: %.500s", page)
	}
	// The planted id does not sign anyone in.
	attacker := f.browser()
	attacker.cookies["ph_session"] = planted
	if resp, _ := attacker.req("GET", "/", nil); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("planted session: status %d to %q, want a redirect to /login", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Logout ends the session on the server, not only in the browser.
	stolen := b.cookies["ph_session"]
	_, page = b.req("GET", "/settings", nil)
	if resp, _ := b.req("POST", "/logout", url.Values{"_csrf": {csrfOf(t, page)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	replay := f.browser()
	replay.cookies["ph_session"] = stolen
	if resp, _ := replay.req("GET", "/", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("session after logout still works: %d", resp.StatusCode)
	}
}

func TestCSRFRequiredOnForms(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.login("vendor-admin@acme.example", pw)
	form := url.Values{"name": {"Evil Partner"}, "kind": {"reseller"}}
	if resp, _ := b.req("POST", "/organizations", form); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("POST without CSRF token: %d, want 403", resp.StatusCode)
	}
	form.Set("_csrf", "forged-token")
	if resp, _ := b.req("POST", "/organizations", form); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("POST with a forged CSRF token: %d, want 403", resp.StatusCode)
	}
	// A token from another browser's page does not work here either.
	other := f.browser()
	other.login("vendor-manager@acme.example", pw)
	_, otherPage := other.req("GET", "/organizations", nil)
	form.Set("_csrf", csrfOf(t, otherPage))
	if resp, _ := b.req("POST", "/organizations", form); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("POST with another session's token: %d, want 403", resp.StatusCode)
	}
	// The login form is protected too (login CSRF).
	fresh := f.browser()
	if resp, _ := fresh.req("POST", "/login", url.Values{"email": {"vendor-admin@acme.example"}, "password": {pw}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("login without CSRF token: %d, want 403", resp.StatusCode)
	}
	// A cookie-authenticated API write needs the token as a header.
	req, _ := http.NewRequest("POST", "/api/v1/organizations", strings.NewReader(`{"name":"X Co","kind":"reseller"}`))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	if resp := f.do(req); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cookie API write without X-CSRF-Token: %d, want 403", resp.StatusCode)
	}
	_, page := b.req("GET", "/organizations", nil)
	form.Set("_csrf", csrfOf(t, page))
	if resp, _ := b.req("POST", "/organizations", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST with the right token: %d, want 303", resp.StatusCode)
	}
	_, page = b.req("GET", "/organizations", nil)
	if !strings.Contains(page, "Evil Partner") {
		t.Fatal("organization created through the form is not listed")
	}
}

func TestRevokedKeyAndViewerWrites(t *testing.T) {
	f := newFixture(t)
	resp, body := f.api("POST", "/api/v1/api-keys", f.keys["partner"], `{"name":"temp","role":"viewer"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("create key: %d %v", resp.StatusCode, body)
	}
	secret := body["secret"].(string)
	id := body["api_key"].(map[string]any)["id"].(float64)
	if resp, _ := f.api("GET", "/api/v1/me", secret, ""); resp.StatusCode != 200 {
		t.Fatalf("new key: %d", resp.StatusCode)
	}
	// A viewer key may read but not write.
	if resp, p := f.api("POST", "/api/v1/users", secret, `{"email":"v@x.example","name":"V","role":"viewer"}`); resp.StatusCode != 403 || p["status"].(float64) != 403 {
		t.Fatalf("viewer key writes: %d %v, want 403 problem", resp.StatusCode, p)
	}
	if resp, _ := f.api("DELETE", "/api/v1/api-keys/"+itoa(id), f.keys["partner"], ""); resp.StatusCode != 204 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	resp, p := f.api("GET", "/api/v1/me", secret, "")
	if resp.StatusCode != 401 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("revoked key: %d %s %v, want 401 problem", resp.StatusCode, resp.Header.Get("Content-Type"), p)
	}
	// A signed-in viewer's portal write is refused too.
	b := f.browser()
	b.login("partner-viewer@acme.example", pw)
	_, page := b.req("GET", "/settings", nil)
	if resp, _ := b.req("POST", "/users", url.Values{"_csrf": {csrfOf(t, page)}, "email": {"x@x.example"}, "name": {"X"}, "role": {"admin"}}); resp.StatusCode != 403 {
		t.Fatalf("viewer invites through the portal: %d, want 403", resp.StatusCode)
	}
	if resp, _ := f.api("GET", "/api/v1/me", "", ""); resp.StatusCode != 401 {
		t.Fatalf("no credentials: %d, want 401", resp.StatusCode)
	}
	if resp, _ := f.api("GET", "/api/v1/me", "", "", "Authorization", "Basic abc"); resp.StatusCode != 401 {
		t.Fatalf("non-bearer credentials: %d, want 401", resp.StatusCode)
	}
}

func itoa(f float64) string { return strings.TrimSuffix(strings.TrimSuffix(strconvF(f), ".0"), ".") }
