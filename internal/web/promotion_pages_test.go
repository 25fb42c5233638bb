package web_test

import (
	"net/url"
	"strings"
	"testing"
)

// The promotions' portal pages: a manager drafts a promotion (a bad date comes
// back beside its field, nothing stored), publishes it and starts it; its page
// shows the public lead form and the results with their chart; ending asks
// first; a partner not invited reads the summary only and cannot move it.
func TestPromotionPages(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	if resp := b.login("vendor-manager@acme.example", pw); resp.StatusCode != 303 {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	_, page := b.req("GET", "/promotions", nil)
	if !strings.Contains(page, `id="promotion-new"`) || !strings.Contains(page, `href="/promotions"`) {
		t.Fatalf("promotions page: %.500s", page)
	}
	form := url.Values{"_csrf": {csrfOf(t, page)}, "title": {"Portal promo"}, "offer": {"10% off"}, "starts_on": {"2031-05-01"}, "ends_on": {"2031-04-01"}}
	resp, _ := b.req("POST", "/promotions", form)
	if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/promotions#error-summary") {
		t.Fatalf("bad dates: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = b.req("GET", "/promotions", nil)
	if !strings.Contains(page, `id="promotion-new-ends_on-error"`) || !strings.Contains(page, `value="Portal promo"`) || strings.Contains(page, `id="promotions"`) {
		t.Fatalf("the rejected form: %.800s", page)
	}
	form.Set("ends_on", "2031-06-30")
	resp, _ = b.req("POST", "/promotions", form)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != 303 || !strings.HasPrefix(loc, "/promotions/") {
		t.Fatalf("create: %d %s", resp.StatusCode, loc)
	}
	_, page = b.req("GET", loc, nil)
	if !strings.Contains(page, "Promotion “Portal promo” drafted.") || !strings.Contains(page, `id="promotion-publish"`) || strings.Contains(page, `id="promotion-lead-form"`) {
		t.Fatalf("draft page: %.800s", page)
	}
	for _, step := range []string{"publish", "activate"} {
		if resp, _ := b.req("POST", loc+"/"+step, url.Values{"_csrf": {csrfOf(t, page)}}); resp.StatusCode != 303 {
			t.Fatalf("%s: %d", step, resp.StatusCode)
		}
		_, page = b.req("GET", loc, nil)
	}
	for _, want := range []string{`id="promotion-state">active`, `id="promotion-lead-form"`, `/lead-forms/`, `id="promotion-results"`, `<img src="data:image/svg`,
		`id="promotion-leads">0`, `href="` + loc + `/end"`, `href="` + loc + `/cancel"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the active promotion's page lacks %q", want)
		}
	}
	if strings.Contains(page, `action="`+loc+`/end"`) {
		t.Error("ending does not ask first")
	}
	_, confirm := b.req("GET", loc+"/end", nil)
	if !strings.Contains(confirm, "End promotion “Portal promo”?") {
		t.Fatalf("end confirmation: %.500s", confirm)
	}
	// A partner not invited: the summary, no actions, and a refusal.
	p := f.browser()
	p.login("partner-manager@acme.example", pw)
	_, page = p.req("GET", loc, nil)
	if !strings.Contains(page, "Portal promo") || strings.Contains(page, `id="promotion-actions"`) || strings.Contains(page, `id="promotion-results"`) {
		t.Fatalf("the partner's view: %.800s", page)
	}
	if resp, _ := p.req("POST", loc+"/end", url.Values{"_csrf": {csrfOf(t, page)}}); resp.StatusCode != 403 {
		t.Fatalf("a partner ends the vendor's promotion: %d", resp.StatusCode)
	}
	if resp, _ := b.req("POST", loc+"/end", url.Values{"_csrf": {csrfOf(t, confirm)}}); resp.StatusCode != 303 {
		t.Fatalf("end: %d", resp.StatusCode)
	}
	_, page = b.req("GET", loc, nil)
	if !strings.Contains(page, `id="promotion-state">ended`) {
		t.Fatalf("after ending: %.600s", page)
	}
}
