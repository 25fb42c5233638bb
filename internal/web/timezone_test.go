package web_test

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Dates are shown in the reader's time zone, named: UTC without anything else,
// the browser's (the cookie static/tz.js sets) by default, the user's own
// setting before either; a zone that is not one is refused beside its field and
// changes nothing.
func TestDatesInTheReadersTimeZone(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.login("vendor-admin@acme.example", pw)
	stamp := regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d ([A-Z]{3,4}|[+-]\d\d)<`)
	zoneOf := func() string {
		t.Helper()
		_, page := b.req("GET", "/notifications", nil)
		m := stamp.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no date on the notifications page: %s", page)
		}
		return m[1]
	}
	if z := zoneOf(); z != "UTC" {
		t.Fatalf("without a zone, dates are in %s, want UTC", z)
	}
	b.cookies["ph_tz"] = "America/Sao_Paulo"
	if z := zoneOf(); z != "-03" {
		t.Fatalf("with the browser in São Paulo, dates are in %s, want -03", z)
	}
	b.cookies["ph_tz"] = "Not/AZone"
	if z := zoneOf(); z != "UTC" {
		t.Fatalf("with a bad cookie, dates are in %s, want UTC", z)
	}
	b.cookies["ph_tz"] = "America/Sao_Paulo"
	_, page := b.req("GET", "/settings", nil)
	resp, _ := b.req("POST", "/settings/time-zone", url.Values{"_csrf": {csrfOf(t, page)}, "time_zone": {"Europe/Lisbon"}})
	if resp.StatusCode != 303 {
		t.Fatalf("set the zone: %d", resp.StatusCode)
	}
	if z := zoneOf(); z != "WET" {
		t.Fatalf("with Europe/Lisbon chosen, dates are in %s, want WET (the setting before the browser's)", z)
	}
	_, page = b.req("GET", "/settings", nil)
	if !strings.Contains(page, "Dates are shown in Europe/Lisbon.") {
		t.Errorf("settings do not say the zone: %s", page)
	}
	resp, _ = b.req("POST", "/settings/time-zone", url.Values{"_csrf": {csrfOf(t, page)}, "time_zone": {"Mars/Olympus"}})
	if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || !strings.HasPrefix(loc, "/settings") {
		t.Fatalf("a bad zone: %d → %q", resp.StatusCode, loc)
	}
	_, page = b.req("GET", "/settings", nil)
	if !strings.Contains(html.UnescapeString(page), `Time zone: "Mars/Olympus" is not a time zone`) || !strings.Contains(page, `value="Mars/Olympus"`) {
		t.Errorf("a bad zone's form does not come back with its message and value: %s", page)
	}
	if z := zoneOf(); z != "WET" {
		t.Fatalf("a refused zone changed the setting: dates in %s", z)
	}
}
