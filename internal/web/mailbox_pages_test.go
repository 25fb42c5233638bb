package web_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// The mailbox settings pages: an admin adds a mailbox (a rejected form keeps
// what was typed but never the password), the password never comes back in a
// page, the connection test says what failed, "sync now" queues, delete asks
// first; another organization's admin gets "not found".
func TestMailboxPages(t *testing.T) {
	f := newFixture(t)
	admin := f.browser()
	admin.login("vendor-admin@acme.example", pw)
	_, page := admin.req("GET", "/settings/mailboxes", nil)
	if !strings.Contains(page, `id="mailboxes-empty"`) {
		t.Fatal("no empty state on the mailboxes page")
	}
	const secret = "s3cret-Imap-Passw0rd"
	form := url.Values{"_csrf": {csrfOf(t, page)}, "name": {"Sales inbox"}, "host": {"imap.acme.example"}, "port": {"993"}, "tls_mode": {"tls"},
		"username": {"sales@acme.example"}, "password": {secret}, "folders": {"INBOX"}, "start_date": {"not a date"}}
	resp, _ := admin.req("POST", "/settings/mailboxes", form)
	if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/settings/mailboxes#error-summary") {
		t.Fatalf("a bad start date: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = admin.req("GET", "/settings/mailboxes", nil)
	if !strings.Contains(page, `value="imap.acme.example"`) || !strings.Contains(page, `value="not a date"`) || !strings.Contains(page, `id="mailbox-new-start_date-error"`) {
		t.Errorf("the rejected mailbox form lost its values or message: %.3000s", page[strings.Index(page, "<main"):])
	}
	if strings.Contains(page, secret) {
		t.Fatal("the rejected form sent the password back")
	}
	form.Set("_csrf", csrfOf(t, page))
	form.Set("start_date", "2026-01-01")
	form.Set("host", "127.0.0.1")
	form.Set("port", "1")
	form.Set("tls_mode", "plain")
	resp, _ = admin.req("POST", "/settings/mailboxes", form)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != 303 || !regexp.MustCompile(`^/settings/mailboxes/\d+$`).MatchString(loc) {
		t.Fatalf("adding a mailbox: %d to %q", resp.StatusCode, loc)
	}
	_, page = admin.req("GET", loc, nil)
	if !strings.Contains(page, "Sales inbox") || strings.Contains(page, secret) || !strings.Contains(page, `id="mailbox-state"`) {
		t.Fatalf("the mailbox page (name, no password, state): %.3000s", page[strings.Index(page, "<main"):])
	}
	resp, _ = admin.req("POST", loc+"/test", url.Values{"_csrf": {csrfOf(t, page)}})
	if resp.StatusCode != 303 {
		t.Fatalf("test: %d", resp.StatusCode)
	}
	if _, page = admin.req("GET", loc, nil); !strings.Contains(page, "Connection to “Sales inbox” failed") {
		t.Errorf("the connection test's failure is not shown: %.2000s", page[strings.Index(page, "<main"):])
	}
	resp, _ = admin.req("POST", loc+"/sync", url.Values{"_csrf": {csrfOf(t, page)}})
	if _, page = admin.req("GET", loc, nil); resp.StatusCode != 303 || !strings.Contains(page, "will sync in a moment") {
		t.Errorf("sync now: %d", resp.StatusCode)
	}
	// Saving without a password keeps the stored one (the test still signs in
	// with it: the failure stays a connection failure, not a missing password).
	resp, _ = admin.req("POST", loc, url.Values{"_csrf": {csrfOf(t, page)}, "name": {"Sales inbox 2"}, "password": {""}})
	if _, page = admin.req("GET", loc, nil); resp.StatusCode != 303 || !strings.Contains(page, "Sales inbox 2") {
		t.Fatalf("rename: %d", resp.StatusCode)
	}

	other := f.browser()
	other.login("partner-admin@acme.example", pw)
	if resp, _ := other.req("GET", loc, nil); resp.StatusCode != 404 {
		t.Errorf("another organization's admin opens the mailbox page: %d", resp.StatusCode)
	}

	if !strings.Contains(page, `href="`+loc+`/delete"`) {
		t.Fatal("no link to delete the mailbox")
	}
	_, page = admin.req("GET", loc+"/delete", nil)
	if !strings.Contains(page, `class="card confirm"`) {
		t.Fatal("deleting a mailbox does not ask first")
	}
	resp, _ = admin.req("POST", loc+"/delete", url.Values{"_csrf": {csrfOf(t, page)}})
	if resp.StatusCode != 303 {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if resp, _ := admin.req("GET", loc, nil); resp.StatusCode != 404 {
		t.Errorf("the deleted mailbox's page: %d", resp.StatusCode)
	}
}
