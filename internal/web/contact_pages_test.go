package web_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var contactLinkRE = regexp.MustCompile(`<a href="(/contacts/\d+)">Carla Dias</a>`)

// TestContactPage: a contact has a page, reached from its account, that shows it,
// links back to the account, and lets those who may write the account edit,
// archive and restore it; the duplicate-contact error's link leads to that page
// (200); a viewer sees the contact without the forms; another organization gets a
// 404.
func TestContactPage(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.login("partner-sales@acme.example", pw)
	_, page := b.req("GET", "/accounts", nil)
	resp, _ := b.req("POST", "/accounts", url.Values{"_csrf": {csrfOf(t, page)}, "name": {"Padaria Central"}})
	accPath, _, _ := strings.Cut(resp.Header.Get("Location"), "?")
	if resp.StatusCode != 303 || !strings.HasPrefix(accPath, "/accounts/") {
		t.Fatalf("create account: %d → %q", resp.StatusCode, accPath)
	}
	_, page = b.req("GET", accPath, nil)
	b.req("POST", accPath+"/contacts", url.Values{"_csrf": {csrfOf(t, page)}, "name": {"Carla Dias"}, "emails": {"carla@padaria.example"}})
	_, page = b.req("GET", accPath, nil)
	m := contactLinkRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the account page does not link its contact: %s", page)
	}
	contact := m[1]
	// The duplicate's error links to the existing contact's page, which answers.
	// (A rejected form answers 303 back to its page, which shows the error.)
	resp, _ = b.req("POST", accPath+"/contacts", url.Values{"_csrf": {csrfOf(t, page)}, "name": {"Carla D."}, "emails": {"carla@padaria.example"}})
	back, _, _ := strings.Cut(resp.Header.Get("Location"), "#")
	if resp.StatusCode != 303 || back != accPath {
		t.Fatalf("duplicate contact: %d → %q, want 303 back to %s", resp.StatusCode, back, accPath)
	}
	if _, page = b.req("GET", back, nil); !strings.Contains(page, `<a href="`+contact+`">`) {
		t.Fatalf("duplicate contact: link to %s missing: %s", contact, page)
	}
	resp, page = b.req("GET", contact, nil)
	if resp.StatusCode != 200 || !strings.Contains(page, `href="`+accPath+`"`) || !strings.Contains(page, "carla@padaria.example") {
		t.Fatalf("contact page: %d, without its account link or email: %s", resp.StatusCode, page)
	}
	// Edit.
	resp, _ = b.req("POST", contact, url.Values{"_csrf": {csrfOf(t, page)}, "name": {"Carla Dias"}, "title": {"Compras"}, "emails": {"carla@padaria.example"}, "phones": {""}, "best_time": {""}})
	if resp.StatusCode != 303 {
		t.Fatalf("edit: %d", resp.StatusCode)
	}
	_, page = b.req("GET", contact, nil)
	if !strings.Contains(page, `value="Compras"`) {
		t.Fatalf("the edit did not stay: %s", page)
	}
	// A rejected edit goes back to the page with what was typed (and nothing changes).
	resp, _ = b.req("POST", contact, url.Values{"_csrf": {csrfOf(t, page)}, "name": {""}, "title": {"Diretora"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != contact+"#error-summary" {
		t.Fatalf("an empty name: %d → %q, want 303 back to the page", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, page = b.req("GET", contact, nil); !strings.Contains(page, `value="Diretora"`) || !strings.Contains(page, `id="contact-edit-name-error"`) {
		t.Fatalf("the rejected edit lost what was typed or its message: %s", page)
	}
	// Archive: off the account's list, still on its page, restorable.
	resp, _ = b.req("POST", contact+"/archive", url.Values{"_csrf": {csrfOf(t, page)}})
	if resp.StatusCode != 303 {
		t.Fatalf("archive: %d", resp.StatusCode)
	}
	if _, acc := b.req("GET", accPath, nil); contactLinkRE.MatchString(acc) {
		t.Fatal("the archived contact is still on its account's list")
	}
	resp, page = b.req("GET", contact, nil)
	if resp.StatusCode != 200 || !strings.Contains(page, `action="`+contact+`/restore"`) {
		t.Fatalf("archived contact page: %d, no restore: %s", resp.StatusCode, page)
	}
	b.req("POST", contact+"/restore", url.Values{"_csrf": {csrfOf(t, page)}})
	if _, acc := b.req("GET", accPath, nil); !contactLinkRE.MatchString(acc) {
		t.Fatal("the restored contact is not back on its account's list")
	}
	// The partner's viewer reads it without forms; the vendor, not shared with, gets a 404.
	v := f.browser()
	v.login("partner-viewer@acme.example", pw)
	resp, page = v.req("GET", contact, nil)
	if resp.StatusCode != 200 || strings.Contains(page, fmt.Sprintf(`action="%s"`, contact)) || strings.Contains(page, "/archive") {
		t.Fatalf("viewer: %d, with forms: %s", resp.StatusCode, page)
	}
	o := f.browser()
	o.login("vendor-sales@acme.example", pw)
	if resp, _ := o.req("GET", contact, nil); resp.StatusCode != 404 {
		t.Fatalf("another organization: %d, want 404", resp.StatusCode)
	}
}
