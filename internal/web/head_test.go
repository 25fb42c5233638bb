package web_test

import (
	"net/http/httptest"
	"testing"
)

// Every page that answers GET answers HEAD too, with the same status and no body.
func TestPagesAnswerHEAD(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	for _, path := range []string{"/login", "/lang/pt-BR"} {
		get, head := f.do(httptest.NewRequest("GET", path, nil)), f.do(httptest.NewRequest("HEAD", path, nil))
		if head.StatusCode != get.StatusCode || head.StatusCode == 404 {
			t.Errorf("HEAD %s: %d, GET %d", path, head.StatusCode, get.StatusCode)
		}
	}
	b.login("partner-admin@acme.example", pw)
	for _, path := range []string{"/", "/accounts", "/partners", "/users", "/settings"} {
		resp, body := b.req("HEAD", path, nil)
		if resp.StatusCode != 200 || body != "" {
			t.Errorf("HEAD %s signed in: %d with %d bytes of body", path, resp.StatusCode, len(body))
		}
	}
}

// The icon: /favicon.ico (which browsers ask for on every visit) leads to the
// embedded SVG the pages name.
func TestFavicon(t *testing.T) {
	f := newFixture(t)
	resp := f.do(httptest.NewRequest("GET", "/favicon.ico", nil))
	if resp.StatusCode != 301 || resp.Header.Get("Location") != "/static/favicon.svg" {
		t.Fatalf("/favicon.ico: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	icon := f.do(httptest.NewRequest("GET", "/static/favicon.svg", nil))
	if icon.StatusCode != 200 || icon.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("the icon: %d %q", icon.StatusCode, icon.Header.Get("Content-Type"))
	}
}
