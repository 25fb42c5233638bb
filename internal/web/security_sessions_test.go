package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// signedIn reports whether the browser's session still opens the dashboard.
func (b *browser) signedIn() bool {
	b.f.t.Helper()
	resp, _ := b.req("GET", "/", nil)
	return resp.StatusCode == http.StatusOK
}

// Deactivating a user or an organization ends its sessions for good: reactivating
// does not bring them back.
func TestDeactivationEndsSessions(t *testing.T) {
	f := newFixture(t)
	sales, manager, vendor := f.browser(), f.browser(), f.browser()
	for who, b := range map[string]*browser{"partner-sales": sales, "partner-manager": manager, "vendor-sales": vendor} {
		if resp := b.login(who+"@acme.example", pw); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("login %s: %d", who, resp.StatusCode)
		}
	}
	user := fmt.Sprintf("/api/v1/users/%d", f.users["partner-sales"].User)
	for _, status := range []string{"deactivated", "active"} {
		if resp, body := f.api("PATCH", user, f.keys["partner"], `{"status":"`+status+`"}`); resp.StatusCode != 200 || body["status"] != status {
			t.Fatalf("set the user %s: %d %v", status, resp.StatusCode, body)
		}
	}
	if sales.signedIn() {
		t.Fatal("the user's session came back with the reactivation")
	}
	if !manager.signedIn() || !vendor.signedIn() {
		t.Fatal("another user's session ended")
	}
	if resp := sales.login("partner-sales@acme.example", pw); resp.StatusCode != http.StatusSeeOther || !sales.signedIn() {
		t.Fatalf("the reactivated user signs in again: %d", resp.StatusCode)
	}

	org := fmt.Sprintf("/api/v1/organizations/%d", f.partner)
	for _, status := range []string{"inactive", "active"} {
		if resp, body := f.api("PATCH", org, f.keys["vendor"], `{"status":"`+status+`"}`); resp.StatusCode != 200 || body["status"] != status {
			t.Fatalf("set the organization %s: %d %v", status, resp.StatusCode, body)
		}
	}
	if sales.signedIn() || manager.signedIn() {
		t.Fatal("the organization's sessions came back with its reactivation")
	}
	if !vendor.signedIn() {
		t.Fatal("the vendor's session ended with a partner's deactivation")
	}
}

// API keys belong to the organization and outlive the admin who made them: the
// deactivation says which keys that admin made, in the API reply and on the page.
func TestDeactivationListsTheKeysTheUserMade(t *testing.T) {
	f := newFixture(t)
	maker := f.users["partner-admin"].User // made f.keys["partner"]
	if resp, _ := f.api("PATCH", fmt.Sprintf("/api/v1/users/%d", f.users["partner-manager"].User), f.keys["partner"], `{"role":"admin"}`); resp.StatusCode != 200 {
		t.Fatalf("promote: %d", resp.StatusCode)
	}
	resp, body := f.api("PATCH", fmt.Sprintf("/api/v1/users/%d", maker), f.keys["partner"], `{"status":"deactivated"}`)
	made, _ := body["api_keys_made"].([]any)
	if resp.StatusCode != 200 || len(made) != 1 || made[0].(map[string]any)["name"] != "partner key" ||
		!strings.HasPrefix(f.keys["partner"], made[0].(map[string]any)["prefix"].(string)) {
		t.Fatalf("deactivation reply: %d %v, want the one key the user made", resp.StatusCode, body)
	}
	// As documented, the key keeps working until an admin revokes it.
	if resp, _ := f.api("GET", "/api/v1/me", f.keys["partner"], ""); resp.StatusCode != 200 {
		t.Fatalf("the maker's key after the deactivation: %d", resp.StatusCode)
	}
	resp, body = f.api("GET", fmt.Sprintf("/api/v1/api-keys?created_by=%d", maker), f.keys["partner"], "")
	if list, _ := body["data"].([]any); resp.StatusCode != 200 || len(list) != 1 || list[0].(map[string]any)["created_by"] != float64(maker) {
		t.Fatalf("keys made by the user: %d %v", resp.StatusCode, body)
	}
	if resp, body := f.api("GET", "/api/v1/api-keys?created_by=x", f.keys["partner"], ""); resp.StatusCode != 422 || body["field"] != "created_by" {
		t.Fatalf("a bad created_by: %d %v", resp.StatusCode, body)
	}
	// On the users page.
	if resp, _ := f.api("PATCH", fmt.Sprintf("/api/v1/users/%d", maker), f.keys["partner"], `{"status":"active"}`); resp.StatusCode != 200 {
		t.Fatal("reactivate")
	}
	b := f.browser()
	b.login("partner-manager@acme.example", pw)
	_, page := b.req("GET", "/users", nil)
	resp, _ = b.req("POST", fmt.Sprintf("/users/%d", maker), url.Values{"_csrf": {csrfOf(t, page)}, "status": {"deactivated"}})
	if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || loc != fmt.Sprintf("/api-keys?created_by=%d", maker) {
		t.Fatalf("the deactivation: %d → %q, want 303 to the keys the user made", resp.StatusCode, loc)
	}
	_, page = b.req("GET", fmt.Sprintf("/api-keys?created_by=%d", maker), nil)
	if !strings.Contains(page, `id="keys-filter"`) || !strings.Contains(page, "partner key") || !strings.Contains(page, "still work") {
		t.Fatalf("keys page filtered by maker, after the deactivation: %.2000s", page)
	}
}
