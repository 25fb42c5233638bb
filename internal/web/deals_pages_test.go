package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestDealPages: in the portal, a partner registers a deal on an account
// chosen by name; a rejected form comes back with what was typed and stores
// nothing; the create answers 303 so a reload repeats nothing; another partner
// sees neither the registration's page nor its confirmation pages nor a row
// of it; the vendor finds it to review from the dashboard, and a rejection
// needs its reason (kept when refused) before the partner reads it.
func TestDealPages(t *testing.T) {
	f := newFixture(t)
	f.secondPartner("Bravo")
	ctx := context.Background()
	resp, m := f.api("POST", "/api/v1/accounts", f.keys["partner"], `{"name":"Initech Brasil","domains":["initech.example"]}`)
	wantStatus(t, "create account", resp, m, 201, "")
	acc := fmt.Sprint(int64(m["id"].(float64)))
	count := func(title string) int {
		t.Helper()
		var n int
		if err := f.d.Owner.GetContext(ctx, &n, `SELECT count(*) FROM deal_registrations WHERE title = $1`, title); err != nil {
			t.Fatal(err)
		}
		return n
	}

	p := f.browser()
	p.login("partner-sales@acme.example", pw)
	_, page := p.req("GET", "/deals/new?q=initech", nil)
	if !strings.Contains(page, `<option value="`+acc+`">Initech Brasil</option>`) {
		t.Fatalf("the new registration page does not offer the account by name:\n%s", page)
	}
	form := url.Values{"_csrf": {csrfOf(t, page)}, "q": {"initech"}, "account_id": {acc}, "title": {"Initech rollout"},
		"amount": {"1.234"}, "currency": {"usd"}, "expected_close": {"2031-06-30"}, "products": {"Suite, Cloud"}}
	resp, _ = p.req("POST", "/deals", form)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/deals/new?q=initech#error-summary" {
		t.Fatalf("rejected registration: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = p.req("GET", "/deals/new?q=initech", nil)
	for _, want := range []string{`name="title" value="Initech rollout"`, `name="products" value="Suite, Cloud"`, `id="deal-new-amount" type="text" name="amount" value="1.234" aria-invalid="true"`,
		`id="error-summary"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the rejected form lost %s", want)
		}
	}
	if n := count("Initech rollout"); n != 0 {
		t.Fatalf("a rejected form stored %d registrations", n)
	}
	form.Set("amount", "12500.00")
	resp, _ = p.req("POST", "/deals", form)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/deals/") {
		t.Fatalf("create: %d to %q", resp.StatusCode, loc)
	}
	_, page = p.req("GET", loc, nil)
	if !strings.Contains(page, "Deal registration “Initech rollout” saved as a draft") || !strings.Contains(page, `id="deal-submit"`) {
		t.Errorf("the registration's page after the create lacks the notice or the submit button")
	}
	_, again := p.req("GET", loc, nil)
	if strings.Contains(again, "saved as a draft") {
		t.Error("a reload shows the notice again")
	}
	if n := count("Initech rollout"); n != 1 {
		t.Fatalf("after a create and two reloads: %d registrations, want 1", n)
	}

	// Another partner sees nothing of it.
	o := f.browser()
	o.login("admin@bravo.example", pw)
	for _, path := range []string{loc, loc + "/withdraw", loc + "/reject"} {
		if resp, body := o.req("GET", path, nil); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "Initech") {
			t.Errorf("another partner's GET %s: %d (or names the registration)", path, resp.StatusCode)
		}
	}
	if _, body := o.req("GET", "/deals", nil); strings.Contains(body, "Initech") {
		t.Error("another partner's list shows the registration")
	}

	// Submitted, the vendor finds it to review from the dashboard.
	resp, _ = p.req("POST", loc+"/submit", url.Values{"_csrf": {csrfOf(t, page)}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != loc {
		t.Fatalf("submit: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	v := f.browser()
	v.login("vendor-admin@acme.example", pw)
	_, dash := v.req("GET", "/", nil)
	if !strings.Contains(dash, `href="/deals?state=submitted"`) || !strings.Contains(dash, "Deal registrations to review: 1") {
		t.Error("the vendor's dashboard does not link to the registrations to review")
	}
	_, list := v.req("GET", "/deals?state=submitted", nil)
	if !strings.Contains(list, `<a href="`+loc+`">Initech rollout</a>`) || !strings.Contains(list, `href="`+loc+`/reject"`) {
		t.Error("the vendor's filtered list lacks the registration or its reject link")
	}
	_, confirm := v.req("GET", loc+"/reject", nil)
	if !strings.Contains(confirm, `class="card confirm"`) || !strings.Contains(confirm, "Reject the registration “Initech rollout”?") {
		t.Fatal("rejecting does not ask first, naming the registration")
	}
	resp, _ = v.req("POST", loc+"/reject", url.Values{"_csrf": {csrfOf(t, confirm)}, "reason": {"  "}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != loc+"/reject#error-summary" {
		t.Fatalf("a rejection without a reason: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var state string
	f.d.Owner.GetContext(ctx, &state, `SELECT state FROM deal_registrations WHERE title = 'Initech rollout'`)
	if state != "submitted" {
		t.Fatalf("a refused rejection changed the state to %s", state)
	}
	resp, _ = v.req("POST", loc+"/reject", url.Values{"_csrf": {csrfOf(t, confirm)}, "reason": {"The vendor works Initech directly."}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != loc {
		t.Fatalf("reject: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = p.req("GET", loc, nil)
	if !strings.Contains(page, "The vendor works Initech directly.") || strings.Contains(page, `id="deal-evidence"`) {
		t.Error("the partner does not read the reason, or reads the conflict evidence")
	}
}

// TestLeadPages: the vendor records a lead and offers it to a partner chosen
// by name; the partner's dashboard says a lead awaits its answer; another
// partner cannot open it; declining asks first and needs a reason, kept
// when refused.
func TestLeadPages(t *testing.T) {
	f := newFixture(t)
	f.secondPartner("Bravo")
	v := f.browser()
	v.login("vendor-admin@acme.example", pw)
	_, page := v.req("GET", "/leads", nil)
	resp, _ := v.req("POST", "/leads", url.Values{"_csrf": {csrfOf(t, page)}, "company": {"Cyberdyne"}, "email": {"no-at-sign"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/leads#error-summary" {
		t.Fatalf("rejected lead: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, page = v.req("GET", "/leads", nil); !strings.Contains(page, `name="company" value="Cyberdyne"`) {
		t.Error("the rejected lead form lost the company")
	}
	resp, _ = v.req("POST", "/leads", url.Values{"_csrf": {csrfOf(t, page)}, "company": {"Cyberdyne"}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/leads/") {
		t.Fatalf("create lead: %d to %q", resp.StatusCode, loc)
	}
	_, page = v.req("GET", loc, nil)
	opt := fmt.Sprintf(`<option value="%d">Rio Revenda</option>`, f.partner)
	if !strings.Contains(page, opt) {
		t.Fatal("the offer form does not name the partner")
	}
	resp, _ = v.req("POST", loc+"/offer", url.Values{"_csrf": {csrfOf(t, page)}, "org_id": {fmt.Sprint(f.partner)}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != loc {
		t.Fatalf("offer: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	o := f.browser()
	o.login("admin@bravo.example", pw)
	if resp, _ := o.req("GET", loc, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another partner opens the lead: %d", resp.StatusCode)
	}
	p := f.browser()
	p.login("partner-sales@acme.example", pw)
	if _, dash := p.req("GET", "/", nil); !strings.Contains(dash, "Leads offered to you awaiting your answer: 1") {
		t.Error("the partner's dashboard does not say a lead awaits its answer")
	}
	_, page = p.req("GET", loc, nil)
	if !strings.Contains(page, `id="lead-accept"`) || !strings.Contains(page, `href="`+loc+`/decline"`) {
		t.Fatal("the offered lead's page lacks accept, or a decline that asks first")
	}
	_, confirm := p.req("GET", loc+"/decline", nil)
	resp, _ = p.req("POST", loc+"/decline", url.Values{"_csrf": {csrfOf(t, confirm)}, "reason": {""}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != loc+"/decline#error-summary" {
		t.Fatalf("a decline without a reason: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = p.req("POST", loc+"/decline", url.Values{"_csrf": {csrfOf(t, confirm)}, "reason": {"Outside our region."}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/leads" {
		t.Fatalf("decline: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := p.req("GET", loc, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the partner still opens the declined lead: %d", resp.StatusCode)
	}
	if _, page = v.req("GET", loc, nil); !strings.Contains(page, "Outside our region.") {
		t.Error("the vendor's lead page does not show the decline's reason")
	}
}
