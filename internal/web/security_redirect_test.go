package web_test

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// Finding 25.1: `next` reached the Location header with CR, LF and TAB, so a
// signed-in GET /login?next=… could set a cookie of the attacker's choosing, and
// "/\t/evil.example" sent the browser off-site. Every target that is not a plain
// local path must become "/".
func TestLoginNextIsAlwaysALocalPath(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	if resp := b.login("partner-viewer@acme.example", pw); resp.StatusCode != 303 {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	for _, next := range []string{
		"/\r\nSet-Cookie: x=1",
		"/\tevil.example",
		"/\t/evil.example",
		"/\\evil.example",
		"/\\/evil.example",
		"//evil.example",
		"///evil.example",
		"https://evil.example/",
		"javascript:alert(1)",
		"/ok\x00",
		"/ok\x7f",
		"",
	} {
		for _, how := range []string{"query", "form"} {
			var loc, cookies string
			if how == "query" {
				req := httptest.NewRequest("GET", "/login?next="+url.QueryEscape(next), nil)
				for k, v := range b.cookies {
					req.Header.Add("Cookie", k+"="+v)
				}
				resp := f.do(req)
				loc, cookies = resp.Header.Get("Location"), strings.Join(resp.Header.Values("Set-Cookie"), "\n")
				if strings.ContainsRune(next, 0) {
					// A NUL in a parameter is refused before any handler (finding 10).
					if resp.StatusCode != 422 || loc != "" {
						t.Errorf("GET /login?next=%q: %d, Location %q; want 422 and no redirect", next, resp.StatusCode, loc)
					}
					continue
				}
				if resp.StatusCode != 303 {
					t.Fatalf("GET /login?next=%q signed in: %d", next, resp.StatusCode)
				}
			} else {
				fresh := f.browser()
				_, page := fresh.req("GET", "/login", nil)
				resp, _ := fresh.req("POST", "/login", url.Values{"_csrf": {csrfOf(t, page)}, "email": {"partner-viewer@acme.example"},
					"password": {pw}, "next": {next}})
				loc, cookies = resp.Header.Get("Location"), strings.Join(resp.Header.Values("Set-Cookie"), "\n")
				if strings.ContainsRune(next, 0) {
					if resp.StatusCode != 422 || loc != "" {
						t.Errorf("POST /login next=%q: %d, Location %q; want 422 and no redirect", next, resp.StatusCode, loc)
					}
					continue
				}
			}
			if loc != "/" {
				t.Errorf("%s next=%q: Location %q, want /", how, next, loc)
			}
			if strings.Contains(cookies, "x=1") {
				t.Errorf("%s next=%q planted a cookie: %q", how, next, cookies)
			}
		}
	}
	// A real local target survives, with its query.
	req := httptest.NewRequest("GET", "/login?next="+url.QueryEscape("/accounts?q=a b&sort=name"), nil)
	for k, v := range b.cookies {
		req.Header.Add("Cookie", k+"="+v)
	}
	if loc := f.do(req).Header.Get("Location"); loc != "/accounts?q=a b&sort=name" && loc != "/accounts?q=a%20b&sort=name" {
		t.Errorf("local next: Location %q", loc)
	}
}
