package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/internal/pgtest"
	"github.com/partnerhub/partnerhub/internal/web"
	"github.com/partnerhub/partnerhub/partners"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const pw = "correct horse battery"

// fixture is a network with a vendor and a reseller, a user of every role in each,
// and an admin API key per organization.
type fixture struct {
	t       *testing.T
	srv     *web.Server
	d       *pgtest.Database
	svc     *partners.Service
	vendor  int64
	partner int64
	users   map[string]partners.Actor // "vendor-admin", "partner-sales", …
	keys    map[string]string         // "vendor", "partner"
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	d := pgtest.New(t)
	ctx := context.Background()
	f := &fixture{t: t, d: d, svc: &partners.Service{DB: d.App}, users: map[string]partners.Actor{}, keys: map[string]string{}}
	var admin int64
	var err error
	_, f.vendor, admin, err = partners.CreateNetwork(ctx, d.Owner, partners.NetworkInput{Slug: "acme", Name: "Acme", VendorName: "Acme",
		AdminEmail: "vendor-admin@acme.example", AdminName: "Vera", AdminPassword: pw})
	if err != nil {
		t.Fatal(err)
	}
	_ = admin
	_, va, err := f.svc.Login(ctx, "vendor-admin@acme.example", pw, "", "")
	if err != nil {
		t.Fatal(err)
	}
	f.users["vendor-admin"] = *va
	// Every fixture address is on acme.example, so the partner's admins invite there.
	name, kind, domains := "Rio Revenda", "reseller", []string{"acme.example"}
	o, err := f.svc.CreateOrganization(ctx, *va, partners.OrganizationInput{Name: &name, Kind: &kind, EmailDomains: &domains})
	if err != nil {
		t.Fatal(err)
	}
	f.partner = o.ID
	for _, side := range []string{"vendor", "partner"} {
		org := f.vendor
		if side == "partner" {
			org = f.partner
		}
		for _, r := range partners.Roles {
			key := side + "-" + string(r)
			if key == "vendor-admin" {
				continue
			}
			email := key + "@acme.example"
			_, tok, err := f.svc.Invite(ctx, *va, partners.InviteInput{Email: email, Name: key, Role: string(r), Org: org})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.AcceptInvite(ctx, tok, pw); err != nil {
				t.Fatal(err)
			}
			_, a, err := f.svc.Login(ctx, email, pw, "", "")
			if err != nil {
				t.Fatal(err)
			}
			f.users[key] = *a
		}
		_, secret, err := f.svc.CreateAPIKey(ctx, f.users[side+"-admin"], side+" key", "admin")
		if err != nil {
			t.Fatal(err)
		}
		f.keys[side] = secret
	}
	f.srv = web.New(web.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), Dev: true, BaseURL: "http://hub.test",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, d.App)
	return f
}

// do sends a request through the production app constructor.
func (f *fixture) do(req *http.Request) *http.Response {
	f.t.Helper()
	resp, err := f.srv.App.Test(req, -1)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp
}

func (f *fixture) api(method, path, key, body string, headers ...string) (*http.Response, map[string]any) {
	f.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp := f.do(req)
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(b, &m)
	if resp.StatusCode >= 500 {
		f.t.Errorf("%s %s: status %d: %s", method, path, resp.StatusCode, b)
	}
	return resp, m
}

// browser keeps cookies across requests to the app, as a browser would.
type browser struct {
	f       *fixture
	cookies map[string]string
}

func (f *fixture) browser() *browser { return &browser{f: f, cookies: map[string]string{}} }

func (b *browser) req(method, path string, form url.Values) (*http.Response, string) {
	b.f.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp := b.f.do(req)
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 500 {
		b.f.t.Errorf("%s %s: status %d: %s", method, path, resp.StatusCode, out)
	}
	return resp, string(out)
}

var csrfRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, html string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("no CSRF token in page: %.300s", html)
	}
	return m[1]
}

func (b *browser) login(email, password string) *http.Response {
	b.f.t.Helper()
	_, page := b.req("GET", "/login", nil)
	resp, _ := b.req("POST", "/login", url.Values{"_csrf": {csrfOf(b.f.t, page)}, "email": {email}, "password": {password}})
	return resp
}
