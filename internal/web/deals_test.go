package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/partners"
)

// secondPartner adds a partner organization with an admin API key to the
// fixture and returns the key.
func (f *fixture) secondPartner(name string) string {
	f.t.Helper()
	ctx := context.Background()
	kind, domains := "distributor", []string{strings.ToLower(name) + ".example"}
	o, err := f.svc.CreateOrganization(ctx, f.users["vendor-admin"], partners.OrganizationInput{Name: &name, Kind: &kind, EmailDomains: &domains})
	if err != nil {
		f.t.Fatal(err)
	}
	email := "admin@" + domains[0]
	_, tok, err := f.svc.Invite(ctx, f.users["vendor-admin"], partners.InviteInput{Email: email, Name: name, Role: "admin", Org: o.ID})
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.svc.AcceptInvite(ctx, tok, pw); err != nil {
		f.t.Fatal(err)
	}
	_, a, err := f.svc.Login(ctx, email, pw, "", "")
	if err != nil {
		f.t.Fatal(err)
	}
	_, secret, err := f.svc.CreateAPIKey(ctx, *a, name+" key", "admin")
	if err != nil {
		f.t.Fatal(err)
	}
	return secret
}

// wantStatus fails unless resp has the status (and, for a problem, names field).
func wantStatus(t *testing.T, what string, resp *http.Response, body map[string]any, status int, field string) {
	t.Helper()
	if resp.StatusCode != status || field != "" && body["field"] != field {
		t.Fatalf("%s: status %d field %v, want %d %q: %v", what, resp.StatusCode, body["field"], status, field, body)
	}
}

// Deal registrations through the API: a partner registers and submits; a
// second partner registering the same company learns that a conflict exists
// and nothing of the first partner; the vendor reads the evidence and decides;
// refused and invalid steps change nothing; lists show each side its own.
func TestDealRegistrationAPI(t *testing.T) {
	f := newFixture(t)
	a, v := f.keys["partner"], f.keys["vendor"]
	b := f.secondPartner("Bravo")

	account := func(key, name, domain string) int64 {
		t.Helper()
		resp, m := f.api("POST", "/api/v1/accounts", key, fmt.Sprintf(`{"name":%q,"domains":[%q]}`, name, domain))
		wantStatus(t, "create account", resp, m, 201, "")
		return int64(m["id"].(float64))
	}
	register := func(key string, acc int64, title string) map[string]any {
		t.Helper()
		resp, m := f.api("POST", "/api/v1/deal-registrations", key,
			fmt.Sprintf(`{"account_id":%d,"title":%q,"amount":"2500.00","currency":"BRL","expected_close":"2031-06-30","products":["Suite"]}`, acc, title))
		wantStatus(t, "register", resp, m, 201, "")
		return m
	}
	accA := account(a, "Globex", "globex.example")

	// Bad input names the field; nothing is stored.
	for _, c := range []struct{ body, field string }{
		{fmt.Sprintf(`{"account_id":%d,"title":"x","amount":"1.234","currency":"BRL","expected_close":"2031-01-01"}`, accA), "amount"},
		{fmt.Sprintf(`{"account_id":%d,"title":"x","amount":"1","currency":"REAL","expected_close":"2031-01-01"}`, accA), "currency"},
		{fmt.Sprintf(`{"account_id":%d,"title":"x","amount":"1","currency":"BRL","expected_close":"2031-13-01"}`, accA), "expected_close"},
		{fmt.Sprintf(`{"account_id":%d,"amount":"1","currency":"BRL","expected_close":"2031-01-01"}`, accA), "title"},
		{`{"account_id":987654,"title":"x","amount":"1","currency":"BRL","expected_close":"2031-01-01"}`, "account_id"},
	} {
		resp, m := f.api("POST", "/api/v1/deal-registrations", a, c.body)
		wantStatus(t, "bad "+c.field, resp, m, 422, c.field)
	}
	if resp, m := f.api("GET", "/api/v1/deal-registrations", a, ""); resp.StatusCode != 200 || len(m["data"].([]any)) != 0 {
		t.Fatalf("refused registrations were stored: %v", m)
	}
	resp, m := f.api("POST", "/api/v1/deal-registrations", v, fmt.Sprintf(`{"account_id":%d,"title":"x","amount":"1","currency":"BRL","expected_close":"2031-01-01"}`, accA))
	wantStatus(t, "the vendor registers", resp, m, 403, "")

	first := register(a, accA, "Alpha's Globex deal")
	id1 := int64(first["id"].(float64))
	path1 := fmt.Sprintf("/api/v1/deal-registrations/%d", id1)
	if first["state"] != "draft" || first["amount"] != "2500.00" || first["amount_minor"] != float64(250000) {
		t.Fatalf("draft = %v", first)
	}
	resp, m = f.api("POST", path1+"/submit", a, "")
	wantStatus(t, "submit", resp, m, 200, "")
	if m["state"] != "submitted" || m["conflict"] != "none" {
		t.Fatalf("submitted = %v", m)
	}
	resp, m = f.api("POST", path1+"/submit", a, "")
	wantStatus(t, "double submit", resp, m, 409, "")
	resp, m = f.api("PATCH", path1, a, `{"title":"changed"}`)
	wantStatus(t, "edit after submit", resp, m, 409, "")

	// Bravo registers the same company under another name.
	accB := account(b, "Globex Holdings", "https://shop.globex.example/")
	second := register(b, accB, "Bravo's deal")
	path2 := fmt.Sprintf("/api/v1/deal-registrations/%d", int64(second["id"].(float64)))
	resp, raw := f.do2("POST", path2+"/submit", b)
	if resp.StatusCode != 200 || !strings.Contains(raw, `"conflict":"found"`) || !strings.Contains(raw, `"conflict_outcome":"review"`) {
		t.Fatalf("Bravo's submit: %d %s", resp.StatusCode, raw)
	}
	for _, leak := range []string{"Alpha", fmt.Sprintf(`"id":%d`, id1), "Rio Revenda", `"partner_org_id"`, fmt.Sprintf(`"owner_org_id":%d`, f.partner)} {
		if strings.Contains(raw, leak) {
			t.Errorf("Bravo's submit reply names %q: %s", leak, raw)
		}
	}
	// Bravo sees neither Alpha's registration nor any evidence.
	resp, m = f.api("GET", path1, b, "")
	wantStatus(t, "Bravo reads Alpha's registration", resp, m, 404, "")
	resp, m = f.api("GET", path2+"/evidence", b, "")
	wantStatus(t, "Bravo reads the evidence", resp, m, 403, "")
	_, raw = f.do2("GET", "/api/v1/deal-registrations", b)
	if strings.Contains(raw, "Alpha") || strings.Count(raw, `"id":`) != 1 {
		t.Fatalf("Bravo's list: %s", raw)
	}
	// The vendor sees both, and the evidence names Alpha's registration.
	resp, m = f.api("GET", path2+"/evidence", v, "")
	wantStatus(t, "vendor reads the evidence", resp, m, 200, "")
	regs := m["registrations"].([]any)
	if m["outcome"] != "review" || len(regs) != 1 || regs[0].(map[string]any)["id"] != float64(id1) ||
		regs[0].(map[string]any)["partner_org_id"] != float64(f.partner) {
		t.Fatalf("evidence = %v", m)
	}
	resp, m = f.api("GET", "/api/v1/deal-registrations?state=submitted&limit=1", v, "")
	wantStatus(t, "vendor's list", resp, m, 200, "")
	if len(m["data"].([]any)) != 1 || m["next_cursor"] == nil {
		t.Fatalf("vendor's first page = %v", m)
	}
	resp, m2 := f.api("GET", "/api/v1/deal-registrations?state=submitted&limit=1&cursor="+m["next_cursor"].(string), v, "")
	wantStatus(t, "vendor's second page", resp, m2, 200, "")
	if d := m2["data"].([]any); len(d) != 1 || d[0].(map[string]any)["id"] != float64(id1) {
		t.Fatalf("vendor's second page = %v", m2)
	}
	resp, m = f.api("GET", "/api/v1/deal-registrations?state=lost", v, "")
	wantStatus(t, "unknown state", resp, m, 422, "state")

	// Decisions: a partner may not decide; a rejection needs a reason, and a
	// refused one changes nothing.
	resp, m = f.api("POST", path1+"/approve", a, "")
	wantStatus(t, "partner approves", resp, m, 403, "")
	resp, m = f.api("POST", path2+"/reject", v, `{"reason":"  "}`)
	wantStatus(t, "reject without reason", resp, m, 422, "reason")
	if _, m = f.api("GET", path2, b, ""); m["state"] != "submitted" || m["reject_reason"] != nil {
		t.Fatalf("after a refused rejection: %v", m)
	}
	resp, m = f.api("POST", path2+"/reject", v, `{"reason":"Alpha registered first"}`)
	wantStatus(t, "reject", resp, m, 200, "")
	resp, m = f.api("POST", path1+"/review", v, "")
	wantStatus(t, "review", resp, m, 200, "")
	resp, m = f.api("POST", path1+"/approve", v, "")
	wantStatus(t, "approve", resp, m, 200, "")
	if m["state"] != "approved" || m["expires_at"] == nil {
		t.Fatalf("approved = %v", m)
	}
	resp, m = f.api("POST", path1+"/extension", a, `{"days":400,"note":"slow"}`)
	wantStatus(t, "extension too long", resp, m, 422, "days")
	resp, m = f.api("POST", path1+"/extension", a, `{"days":30,"note":"procurement"}`)
	wantStatus(t, "extension", resp, m, 200, "")
	resp, m = f.api("POST", path1+"/extension/refuse", v, "")
	wantStatus(t, "extension refused", resp, m, 200, "")
	resp, m = f.api("POST", path1+"/extension/approve", v, "")
	wantStatus(t, "nothing to extend", resp, m, 409, "")
	resp, m = f.api("POST", path1+"/convert", v, "")
	wantStatus(t, "convert", resp, m, 200, "")
	if m["state"] != "converted" {
		t.Fatalf("converted = %v", m)
	}
	resp, m = f.api("POST", path1+"/withdraw", a, "")
	wantStatus(t, "withdraw a converted registration", resp, m, 409, "")

	// The rules: vendor admins change them, partners read them.
	resp, m = f.api("PATCH", "/api/v1/deal-settings", a, `{"protection_days":365}`)
	wantStatus(t, "partner sets the rules", resp, m, 403, "")
	resp, m = f.api("PATCH", "/api/v1/deal-settings", v, `{"conflict_rule":"dice"}`)
	wantStatus(t, "unknown rule", resp, m, 422, "conflict_rule")
	resp, m = f.api("PATCH", "/api/v1/deal-settings", v, `{"conflict_rule":"first_to_register","protection_days":60}`)
	wantStatus(t, "set the rules", resp, m, 200, "")
	if _, m = f.api("GET", "/api/v1/deal-settings", b, ""); m["conflict_rule"] != "first_to_register" || m["protection_days"] != float64(60) || m["review_sla_hours"] != float64(48) {
		t.Fatalf("rules as a partner reads them = %v", m)
	}
}

// do2 sends a bodiless request with key and returns the raw reply.
func (f *fixture) do2(method, path, key string) (*http.Response, string) {
	f.t.Helper()
	req := httptest.NewRequest(method, path, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp := f.do(req)
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}
