package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Joint deals through the API and the portal: the vendor makes one with the
// partner; bad input names its field; the partner moves its stage, and a move
// naming a stale version is refused; another partner sees it nowhere (list,
// page, timeline, pipeline); the pipeline page draws the chart; closing lost
// asks for the reason on a confirmation page.
func TestJointDealAPIAndPages(t *testing.T) {
	f := newFixture(t)
	v, a := f.keys["vendor"], f.keys["partner"]
	b := f.secondPartner("Bravo")
	resp, m := f.api("POST", "/api/v1/accounts", v, `{"name":"Globex","domains":["globex.example"]}`)
	wantStatus(t, "create account", resp, m, 201, "")
	acc := int64(m["id"].(float64))
	body := func(amount string) string {
		return fmt.Sprintf(`{"account_id":%d,"partner_org_id":%d,"title":"Globex expansion","amount":%q,"currency":"USD","expected_close":"2031-06-30","next_step":"Demo"}`,
			acc, f.partner, amount)
	}
	resp, m = f.api("POST", "/api/v1/deals", v, body("12,5"))
	wantStatus(t, "bad amount", resp, m, 422, "amount")
	resp, m = f.api("POST", "/api/v1/deals", a, body("10.00"))
	wantStatus(t, "a partner makes a joint deal", resp, m, 403, "")
	resp, m = f.api("POST", "/api/v1/deals", v, body("12500.00"))
	wantStatus(t, "create", resp, m, 201, "")
	id := int64(m["id"].(float64))
	if m["stage"] != "qualify" || m["probability"] != float64(10) || m["partner_name"] != "Rio Revenda" {
		t.Fatalf("created = %v", m)
	}
	path := fmt.Sprintf("/api/v1/deals/%d", id)

	resp, m = f.api("GET", "/api/v1/deals", a, "")
	if resp.StatusCode != 200 || !strings.Contains(fmt.Sprint(m["data"]), "Globex expansion") {
		t.Fatalf("the partner's list: %d %v", resp.StatusCode, m)
	}
	resp, m = f.api("GET", "/api/v1/deals", b, "")
	if resp.StatusCode != 200 || strings.Contains(fmt.Sprint(m), "Globex") {
		t.Fatalf("another partner's list: %d %v", resp.StatusCode, m)
	}
	for _, p := range []string{path, path + "/activities"} {
		resp, m = f.api("GET", p, b, "")
		wantStatus(t, "another partner reads "+p, resp, m, 404, "")
	}
	resp, m = f.api("POST", path+"/stage", b, `{"stage":"develop"}`)
	wantStatus(t, "another partner moves it", resp, m, 404, "")

	resp, m = f.api("POST", path+"/stage", a, `{"stage":"develop","version":1}`)
	wantStatus(t, "the partner moves it", resp, m, 200, "")
	if m["stage"] != "develop" || m["version"] != float64(2) {
		t.Fatalf("moved = %v", m)
	}
	resp, m = f.api("POST", path+"/stage", v, `{"stage":"propose","version":1}`)
	wantStatus(t, "a stale version", resp, m, 409, "")
	resp, m = f.api("POST", path+"/stage", v, `{"stage":"closed_lost"}`)
	wantStatus(t, "lost without a reason", resp, m, 422, "reason")
	resp, m = f.api("GET", path+"/activities", a, "")
	if resp.StatusCode != 200 || !strings.Contains(fmt.Sprint(m["data"]), "joint_deal.stage") {
		t.Fatalf("the timeline has no stage change: %d %v", resp.StatusCode, m)
	}

	pipeline := func(key, query string) map[string]any {
		t.Helper()
		resp, m := f.api("GET", "/api/v1/pipeline"+query, key, "")
		wantStatus(t, "pipeline", resp, m, 200, "")
		return m
	}
	if m := pipeline(b, ""); fmt.Sprint(m["by_stage"]) != "[]" || fmt.Sprint(m["by_partner"]) != "[]" {
		t.Fatalf("another partner's pipeline shows deals: %v", m)
	}
	if m := pipeline(b, fmt.Sprintf("?partner=%d", f.partner)); fmt.Sprint(m["by_stage"]) != "[]" {
		t.Fatalf("another partner's pipeline filtered to the partner shows deals: %v", m)
	}
	for _, key := range []string{a, v} {
		m := pipeline(key, "")
		if !strings.Contains(fmt.Sprint(m["by_stage"]), "weighted:3750.00") || !strings.Contains(fmt.Sprint(m["by_partner"]), "Rio Revenda") {
			t.Fatalf("pipeline = %v", m)
		}
	}
	resp, m = f.api("GET", "/api/v1/pipeline?partner=abc", v, "")
	wantStatus(t, "bad partner filter", resp, m, 422, "partner")

	// The portal.
	p := f.browser()
	p.login("vendor-admin@acme.example", pw)
	_, page := p.req("GET", "/joint-deals", nil)
	if !strings.Contains(page, "Globex expansion") || !strings.Contains(page, "Rio Revenda") {
		t.Fatalf("the list does not show the deal:\n%s", page)
	}
	_, page = p.req("GET", "/pipeline", nil)
	if !strings.Contains(page, `<figure class="chart">`) || !strings.Contains(page, `alt="`) || !strings.Contains(page, "3750.00") {
		t.Fatalf("the pipeline page has no chart or numbers:\n%s", page)
	}
	deal := fmt.Sprintf("/joint-deals/%d", id)
	_, page = p.req("GET", deal, nil)
	resp, _ = p.req("POST", deal+"/stage", url.Values{"_csrf": {csrfOf(t, page)}, "stage": {"closed_lost"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != deal+"/lost" {
		t.Fatalf("closing lost from the stage form: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = p.req("GET", deal+"/lost", nil)
	if !strings.Contains(page, `id="confirm-action"`) {
		t.Fatalf("no confirmation:\n%s", page)
	}
	resp, _ = p.req("POST", deal+"/lost", url.Values{"_csrf": {csrfOf(t, page)}, "reason": {""}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), deal+"/lost") {
		t.Fatalf("lost without a reason: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = p.req("POST", deal+"/lost", url.Values{"_csrf": {csrfOf(t, page)}, "reason": {"Budget frozen"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != deal {
		t.Fatalf("lost: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = p.req("GET", deal, nil)
	if !strings.Contains(page, "Budget frozen") || strings.Contains(page, `id="joint-stage"`) {
		t.Fatalf("the closed deal's page:\n%s", page)
	}

	q := f.browser()
	q.login("admin@bravo.example", pw)
	for _, path := range []string{deal, deal + "/lost", deal + "/delete"} {
		if resp, _ := q.req("GET", path, nil); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("another partner gets %s: %d", path, resp.StatusCode)
		}
	}
	if _, page := q.req("GET", "/joint-deals", nil); strings.Contains(page, "Globex expansion") {
		t.Fatal("another partner's list shows the deal")
	}
}
