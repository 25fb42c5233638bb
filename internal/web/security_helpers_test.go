package web_test

import (
	"context"
	"fmt"
	"testing"
)

// writeShared makes the fixture's vendor and partner organizations partners and
// returns a new account of the vendor's, shared with the partner for writing (both
// over the API, with the organizations' admin keys).
func (f *fixture) writeShared(t *testing.T, name, domain string) int64 {
	t.Helper()
	p, err := f.svc.InvitePartner(context.Background(), f.users["vendor-admin"], f.partner)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RespondPartnership(context.Background(), f.users["partner-admin"], p.ID, true); err != nil {
		t.Fatal(err)
	}
	resp, acc := f.api("POST", "/api/v1/accounts", f.keys["vendor"], fmt.Sprintf(`{"name":%q,"domains":[%q]}`, name, domain))
	if resp.StatusCode != 201 {
		t.Fatalf("create account: %d %v", resp.StatusCode, acc)
	}
	id := int64(acc["id"].(float64))
	if resp, body := f.api("POST", fmt.Sprintf("/api/v1/accounts/%d/shares", id), f.keys["vendor"], fmt.Sprintf(`{"org_id":%d,"access":"write"}`, f.partner)); resp.StatusCode != 201 {
		t.Fatalf("share account: %d %v", resp.StatusCode, body)
	}
	return id
}
