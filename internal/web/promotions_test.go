package web_test

import (
	"encoding/base64"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Joint promotions and funds through the API: a draft is the owner's alone; a
// published promotion is read whole by the invited partner and only as a
// summary by a partner not invited; bad steps and bad input change nothing;
// concurrent fund requests never take an allocation below zero; the vendor
// approves part of a request and rejects another; another partner reads none
// of the requests.
func TestPromotionAPI(t *testing.T) {
	f := newFixture(t)
	p, v := f.keys["partner"], f.keys["vendor"]
	b := f.secondPartner("Bravo")
	const secret = "Internal plan: 7 webinars"

	resp, m := f.api("POST", "/api/v1/promotions", v, `{"title":"Spring bundle","description":"**`+secret+`** <script>x()</script>","offer":"20% off",
		"starts_on":"2031-03-01","ends_on":"2031-05-31","products":["Suite"],"regions":["BR"],"kinds":["reseller"]}`)
	wantStatus(t, "create", resp, m, 201, "")
	id := int64(m["id"].(float64))
	if html := m["description_html"].(string); !strings.Contains(html, "<strong>") || strings.Contains(html, "<script") {
		t.Fatalf("description_html = %q", html)
	}
	path := fmt.Sprintf("/api/v1/promotions/%d", id)
	// A draft: another partner neither reads nor lists it.
	resp, m = f.api("GET", path, b, "")
	wantStatus(t, "Bravo reads a draft", resp, m, 404, "")
	resp, m = f.api("GET", "/api/v1/promotions", b, "")
	wantStatus(t, "Bravo lists", resp, m, 200, "")
	if len(m["data"].([]any)) != 0 {
		t.Fatalf("Bravo lists a draft: %v", m)
	}
	// A bad step names both states; bad input names its field; neither changes anything.
	resp, m = f.api("POST", path+"/end", v, "")
	wantStatus(t, "draft → ended", resp, m, 409, "")
	if d := fmt.Sprint(m["detail"]); !strings.Contains(d, "draft") || !strings.Contains(d, "ended") {
		t.Fatalf("409 says %v", m)
	}
	resp, m = f.api("PATCH", path, v, `{"title":"Changed","ends_on":"2031-01-01"}`)
	wantStatus(t, "ends before it starts", resp, m, 422, "ends_on")
	resp, m = f.api("PATCH", path, v, `{"title":"Changed","kinds":["nonsense"]}`)
	wantStatus(t, "unknown kind", resp, m, 422, "kinds[0]")
	resp, m = f.api("PATCH", path, p, `{"title":"Changed"}`)
	wantStatus(t, "another organization changes it", resp, m, 404, "")
	_, m = f.api("GET", path, v, "")
	if m["title"] != "Spring bundle" || m["state"] != "draft" || m["ends_on"] != "2031-05-31T00:00:00Z" {
		t.Fatalf("changed by refused requests: %v", m)
	}
	resp, m = f.api("POST", path+"/publish", v, "")
	wantStatus(t, "publish", resp, m, 200, "")
	resp, m = f.api("POST", path+"/invitations", v, fmt.Sprintf(`{"org_ids":[%d]}`, f.partner))
	wantStatus(t, "invite", resp, m, 200, "")
	// Bravo, not invited, reads only the summary.
	resp, m = f.api("GET", path, b, "")
	wantStatus(t, "Bravo reads the summary", resp, m, 200, "")
	raw := fmt.Sprint(m)
	if m["summary"] != true || m["description"] != "" || strings.Contains(raw, secret) || len(m["participants"].([]any)) != 0 || m["offer"] != "20% off" {
		t.Fatalf("Bravo reads %v", m)
	}
	resp, m = f.api("POST", path+"/enroll", b, "")
	wantStatus(t, "Bravo enrolls uninvited", resp, m, 403, "")
	// The invited partner reads it whole and enrolls.
	_, m = f.api("GET", path, p, "")
	if m["summary"] != false || !strings.Contains(fmt.Sprint(m["description"]), secret) || m["participation"] != "invited" {
		t.Fatalf("the invited partner reads %v", m)
	}
	resp, m = f.api("POST", path+"/enroll", p, "")
	wantStatus(t, "enroll", resp, m, 200, "")
	if m["participation"] != "enrolled" {
		t.Fatalf("enrolled: %v", m)
	}

	// Funds.
	resp, m = f.api("POST", "/api/v1/mdf-funds", p, `{"name":"Q1","period_start":"2031-01-01","period_end":"2031-03-31","currency":"BRL","total":"1000.00"}`)
	wantStatus(t, "a partner makes a fund", resp, m, 403, "")
	resp, m = f.api("POST", "/api/v1/mdf-funds", v, `{"name":"Q1","period_start":"2031-01-01","period_end":"2031-03-31","currency":"BRL","total":"1000.005"}`)
	wantStatus(t, "three decimals", resp, m, 422, "total")
	resp, m = f.api("POST", "/api/v1/mdf-funds", v, `{"name":"Q1","period_start":"2031-01-01","period_end":"2031-03-31","currency":"BRL","total":"1000.00"}`)
	wantStatus(t, "fund", resp, m, 201, "")
	fund := int64(m["id"].(float64))
	resp, m = f.api("POST", fmt.Sprintf("/api/v1/mdf-funds/%d/allocations", fund), v, fmt.Sprintf(`{"org_id":%d,"amount":"1000.01"}`, f.partner))
	wantStatus(t, "more than the fund", resp, m, 422, "amount")
	resp, m = f.api("POST", fmt.Sprintf("/api/v1/mdf-funds/%d/allocations", fund), v, fmt.Sprintf(`{"org_id":%d,"amount":"100.00"}`, f.partner))
	wantStatus(t, "allocate", resp, m, 200, "")
	alloc := int64(m["id"].(float64))
	requests := fmt.Sprintf("/api/v1/mdf-allocations/%d/requests", alloc)
	body := func(amount, currency string) string {
		return fmt.Sprintf(`{"amount":%q,"currency":%q,"activity":"Webinar","promotion_id":%d,"planned_start":"2031-03-02","planned_end":"2031-03-03"}`, amount, currency, id)
	}
	resp, m = f.api("POST", requests, p, body("10.00", "USD"))
	wantStatus(t, "wrong currency", resp, m, 422, "currency")
	resp, m = f.api("POST", requests, p, body("10.001", "BRL"))
	wantStatus(t, "wrong precision", resp, m, 422, "amount")
	resp, m = f.api("POST", requests, b, body("10.00", "BRL"))
	wantStatus(t, "Bravo requests from another's allocation", resp, m, 422, "allocation_id")
	resp, m = f.api("POST", requests, v, body("10.00", "BRL"))
	wantStatus(t, "the vendor requests", resp, m, 403, "")
	// Ten requests of 15.00 at once: six fit in 100.00.
	var wg sync.WaitGroup
	statuses := make([]int, 10)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, _ := f.api("POST", requests, p, body("15.00", "BRL"))
			statuses[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	created, refused := 0, 0
	for _, s := range statuses {
		switch s {
		case 201:
			created++
		case 422:
			refused++
		}
	}
	balance := func() string {
		t.Helper()
		_, m := f.api("GET", "/api/v1/mdf-allocations", p, "")
		data := m["data"].([]any)
		if len(data) != 1 {
			t.Fatalf("allocations: %v", m)
		}
		return data[0].(map[string]any)["balance"].(string)
	}
	if created != 6 || refused != 4 || balance() != "10.00" {
		t.Fatalf("statuses %v, balance %s", statuses, balance())
	}
	_, m = f.api("GET", "/api/v1/fund-requests", p, "")
	list := m["data"].([]any)
	if len(list) != 6 {
		t.Fatalf("requests: %v", m)
	}
	first := int64(list[0].(map[string]any)["id"].(float64))
	second := int64(list[1].(map[string]any)["id"].(float64))
	resp, m = f.api("GET", fmt.Sprintf("/api/v1/fund-requests/%d", first), b, "")
	wantStatus(t, "Bravo reads a request", resp, m, 404, "")
	_, m = f.api("GET", "/api/v1/fund-requests", b, "")
	if len(m["data"].([]any)) != 0 {
		t.Fatalf("Bravo lists %v", m)
	}
	resp, m = f.api("POST", fmt.Sprintf("/api/v1/fund-requests/%d/approve", first), p, `{}`)
	wantStatus(t, "the partner approves", resp, m, 403, "")
	resp, m = f.api("POST", fmt.Sprintf("/api/v1/fund-requests/%d/approve", first), v, `{"amount":"15.01"}`)
	wantStatus(t, "approve more than asked", resp, m, 422, "amount")
	resp, m = f.api("POST", fmt.Sprintf("/api/v1/fund-requests/%d/approve", first), v, `{"amount":"10.00"}`)
	wantStatus(t, "approve part", resp, m, 200, "")
	if m["state"] != "approved" || m["approved"] != "10.00" {
		t.Fatalf("approved: %v", m)
	}
	resp, m = f.api("POST", fmt.Sprintf("/api/v1/fund-requests/%d/reject", first), v, `{"note":"Too late"}`)
	wantStatus(t, "reject an approved request", resp, m, 409, "")
	resp, m = f.api("POST", fmt.Sprintf("/api/v1/fund-requests/%d/reject", second), v, `{"note":""}`)
	wantStatus(t, "reject without a reason", resp, m, 422, "note")
	resp, m = f.api("POST", fmt.Sprintf("/api/v1/fund-requests/%d/reject", second), v, `{"note":"Out of scope"}`)
	wantStatus(t, "reject", resp, m, 200, "")
	// 10.00 left, 5.00 not approved and 15.00 rejected come back.
	if got := balance(); got != "30.00" {
		t.Fatalf("balance after decisions = %s", got)
	}
	// Claims against the approved 10.00, with proof files read by content.
	claims := fmt.Sprintf("/api/v1/fund-requests/%d/claims", first)
	exe := base64.StdEncoding.EncodeToString([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00 This program cannot be run in DOS mode"))
	png := base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR proof"))
	claimBody := func(amount, file string) string {
		return fmt.Sprintf(`{"amount":%q,"currency":"BRL","proof_name":"invoice.pdf","proof_base64":%q}`, amount, file)
	}
	resp, m = f.api("POST", claims, p, claimBody("5.00", exe))
	wantStatus(t, "an executable named .pdf", resp, m, 422, "proof_base64")
	resp, m = f.api("POST", claims, p, claimBody("10.01", png))
	wantStatus(t, "a claim above the approved amount", resp, m, 422, "amount")
	resp, m = f.api("POST", fmt.Sprintf("/api/v1/fund-requests/%d/claims", second), p, claimBody("1.00", png))
	wantStatus(t, "a claim on a rejected request", resp, m, 409, "")
	resp, m = f.api("POST", claims, b, claimBody("1.00", png))
	wantStatus(t, "Bravo claims on another's request", resp, m, 404, "")
	_, m = f.api("GET", "/api/v1/fund-claims", p, "")
	if len(m["data"].([]any)) != 0 {
		t.Fatalf("refused claims stored: %v", m)
	}
	resp, m = f.api("POST", claims, p, claimBody("10.00", png))
	wantStatus(t, "claim", resp, m, 201, "")
	if m["proof_type"] != "image/png" || m["state"] != "submitted" {
		t.Fatalf("claim = %v", m)
	}
	claim := fmt.Sprintf("/api/v1/fund-claims/%d", int64(m["id"].(float64)))
	req := httptest.NewRequest("GET", claim+"/proof", nil)
	req.Header.Set("Authorization", "Bearer "+p)
	proof := f.do(req)
	if proof.StatusCode != 200 || proof.Header.Get("Content-Type") != "image/png" || proof.Header.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.HasPrefix(proof.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("proof: %d %v", proof.StatusCode, proof.Header)
	}
	resp, m = f.api("GET", claim, b, "")
	wantStatus(t, "Bravo reads the claim", resp, m, 404, "")
	resp, m = f.api("POST", claim+"/pay", v, "")
	wantStatus(t, "pay a submitted claim", resp, m, 409, "")
	resp, m = f.api("POST", claim+"/approve", p, "")
	wantStatus(t, "the partner approves its claim", resp, m, 403, "")
	resp, m = f.api("POST", claim+"/approve", v, "")
	wantStatus(t, "approve the claim", resp, m, 200, "")
	resp, m = f.api("POST", claim+"/pay", v, "")
	wantStatus(t, "pay", resp, m, 200, "")
	if m["state"] != "paid" || m["paid_at"] == nil {
		t.Fatalf("paid: %v", m)
	}
	// The results (item 4, in part): the owner reads them; six requests of
	// 15.00 for the promotion, 10.00 approved and paid; one partner enrolled.
	resp, m = f.api("GET", path+"/results", p, "")
	wantStatus(t, "the invited partner reads the results", resp, m, 403, "")
	resp, m = f.api("GET", path+"/results", v, "")
	wantStatus(t, "results", resp, m, 200, "")
	funds := m["funds"].([]any)
	if m["enrolled"] != float64(1) || m["invited"] != float64(1) || m["leads"] != float64(0) || len(funds) != 1 {
		t.Fatalf("results: %v", m)
	}
	if fr := funds[0].(map[string]any); fr["currency"] != "BRL" || fr["requests"] != float64(6) || fr["requested"] != "90.00" ||
		fr["approved"] != "10.00" || fr["paid"] != "10.00" {
		t.Fatalf("fund results: %v", fr)
	}
}
