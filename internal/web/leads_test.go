package web_test

import (
	"fmt"
	"testing"
)

// Leads through the API: the vendor records a lead and offers it to a
// partner, who alone of the partners sees it; a refused answer changes
// nothing; the accepted lead is worked; the history shows the offer.
func TestLeadAPI(t *testing.T) {
	f := newFixture(t)
	a, v := f.keys["partner"], f.keys["vendor"]
	b := f.secondPartner("Bravo")

	resp, m := f.api("POST", "/api/v1/leads", a, `{"company":"Nope"}`)
	wantStatus(t, "a partner records a lead", resp, m, 403, "")
	resp, m = f.api("POST", "/api/v1/leads", v, `{"company":"Soylent","email":"not an address"}`)
	wantStatus(t, "bad email", resp, m, 422, "email")
	resp, m = f.api("POST", "/api/v1/leads", v, `{"company":"Soylent","region":"LATAM"}`)
	wantStatus(t, "record a lead", resp, m, 201, "")
	path := fmt.Sprintf("/api/v1/leads/%d", int64(m["id"].(float64)))
	resp, m = f.api("GET", path, a, "")
	wantStatus(t, "a partner reads a lead in the pool", resp, m, 404, "")
	resp, m = f.api("POST", path+"/offer", v, `{"org_id":987654}`)
	wantStatus(t, "offer to nobody", resp, m, 422, "org_id")
	resp, m = f.api("POST", path+"/offer", v, fmt.Sprintf(`{"org_id":%d}`, f.partner))
	wantStatus(t, "offer", resp, m, 200, "")
	if m["assignment"] != "offered" || m["respond_by"] == nil {
		t.Fatalf("offered = %v", m)
	}
	resp, m = f.api("GET", path, b, "")
	wantStatus(t, "another partner reads the lead", resp, m, 404, "")
	resp, m = f.api("POST", path+"/accept", b, "")
	wantStatus(t, "another partner accepts the lead", resp, m, 404, "")
	resp, m = f.api("POST", path+"/decline", a, `{"reason":""}`)
	wantStatus(t, "decline without reason", resp, m, 422, "reason")
	if _, m = f.api("GET", path, a, ""); m["assignment"] != "offered" {
		t.Fatalf("after a refused decline: %v", m)
	}
	resp, m = f.api("POST", path+"/status", a, `{"status":"working"}`)
	wantStatus(t, "work before accepting", resp, m, 409, "")
	resp, m = f.api("POST", path+"/accept", a, "")
	wantStatus(t, "accept", resp, m, 200, "")
	resp, m = f.api("POST", path+"/status", a, `{"status":"disqualified"}`)
	wantStatus(t, "disqualify without reason", resp, m, 422, "reason")
	resp, m = f.api("POST", path+"/status", a, `{"status":"qualified"}`)
	wantStatus(t, "qualify", resp, m, 200, "")
	resp, m = f.api("GET", path+"/routes", v, "")
	wantStatus(t, "history", resp, m, 200, "")
	if d := m["data"].([]any); len(d) != 1 || d[0].(map[string]any)["response"] != "accepted" {
		t.Fatalf("history = %v", m)
	}
	if _, m = f.api("GET", "/api/v1/leads?status=qualified", b, ""); len(m["data"].([]any)) != 0 {
		t.Fatalf("Bravo lists %v", m)
	}
	if _, m = f.api("GET", "/api/v1/leads?status=qualified", a, ""); len(m["data"].([]any)) != 1 {
		t.Fatalf("the partner lists %v", m)
	}
}
