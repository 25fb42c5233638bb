package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/internal/notify"
	"github.com/partnerhub/partnerhub/partners/accounts"
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

// send sends a request as key with a body of a content type ("" for none) and
// returns the status and the body as they are, unparsed.
func (f *fixture) send(method, path, key, ctype, body string) (int, []byte) {
	f.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp := f.do(req)
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// importWorker is a job worker as the hub runs one, for imports (and notification
// emails, which it sends nowhere), logging nowhere.
func (f *fixture) importWorker() *jobs.Worker {
	as := &accounts.Service{DB: f.d.App, Partners: f.svc}
	return &jobs.Worker{DB: f.d.App, Handlers: map[string]jobs.Handler{imports.JobKind: imports.New(f.d.App, as.ImportFamilies()...).Handler(), notify.EmailJob: notify.EmailHandler(f.d.App, nil, "")},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}
