package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/internal/pgtest"
	"github.com/partnerhub/partnerhub/internal/web"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

// TestAccountAccessMatrix is the access spec of accounts, exercised over HTTP: every
// role of four organizations — the owner, a partner the account is shared with, a
// partner it is not shared with, and an organization of another network — against
// read, update, delete (archive), list, search, export, mapping and explain.
func TestAccountAccessMatrix(t *testing.T) {
	ctx := context.Background()
	d := pgtest.New(t)
	ps := &partners.Service{DB: d.App}
	as := &accounts.Service{DB: d.App, Partners: ps}
	network := func(slug string) partners.Actor {
		if _, _, _, err := partners.CreateNetwork(ctx, d.Owner, partners.NetworkInput{Slug: slug, Name: slug, VendorName: slug + " vendor",
			AdminEmail: "admin@" + slug + ".example", AdminName: "A", AdminPassword: pw}); err != nil {
			t.Fatal(err)
		}
		_, a, err := ps.Login(ctx, "admin@"+slug+".example", pw, "", "")
		if err != nil {
			t.Fatal(err)
		}
		return *a
	}
	owner := network("one")
	other := network("two")
	admin := func(v partners.Actor, name string) partners.Actor {
		kind := "reseller"
		o, err := ps.CreateOrganization(ctx, v, partners.OrganizationInput{Name: &name, Kind: &kind})
		if err != nil {
			t.Fatal(err)
		}
		email := strings.ToLower(strings.ReplaceAll(name, " ", "")) + "@x.example"
		_, tok, err := ps.Invite(ctx, v, partners.InviteInput{Email: email, Name: name, Role: "admin", Org: o.ID})
		if err != nil {
			t.Fatal(err)
		}
		ps.AcceptInvite(ctx, tok, pw)
		_, a, err := ps.Login(ctx, email, pw, "", "")
		if err != nil {
			t.Fatal(err)
		}
		return *a
	}
	sharedPartner := admin(owner, "Shared Partner")
	plainPartner := admin(owner, "Plain Partner")
	stranger := admin(other, "Stranger")
	pair := func(a, b partners.Actor) int64 {
		p, err := ps.InvitePartner(ctx, a, b.Org)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ps.RespondPartnership(ctx, b, p.ID, true); err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	pair(owner, sharedPartner)
	plainPS := pair(owner, plainPartner)
	name := "Matrix Target Corp"
	rec, err := as.Create(ctx, owner, accounts.Input{Name: &name, Domains: &[]string{"matrix-target.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ps.ShareRecord(ctx, owner, "account", rec.ID, sharedPartner.Org, "read"); err != nil {
		t.Fatal(err)
	}
	// The plain partner has the same customer; the owner shows it counts only.
	pn := "Plain's Matrix Target"
	if _, err := as.Create(ctx, plainPartner, accounts.Input{Name: &pn, Domains: &[]string{"matrix-target.com"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ps.SetSharingPolicy(ctx, owner, plainPS, partners.PolicyInput{Level: "counts"}); err != nil {
		t.Fatal(err)
	}
	// An API key of every role in every organization.
	keys := map[string]string{}
	for rel, a := range map[string]partners.Actor{"owner": owner, "shared": sharedPartner, "plain": plainPartner, "stranger": stranger} {
		for _, r := range partners.Roles {
			_, secret, err := ps.CreateAPIKey(ctx, a, rel+"-"+string(r), string(r))
			if err != nil {
				t.Fatal(err)
			}
			keys[rel+"/"+string(r)] = secret
		}
	}
	srv := web.New(web.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), Dev: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, d.App)
	call := func(key, method, path, body string) (int, string) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := srv.App.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	id := fmt.Sprint(rec.ID)
	byRole := func(rel string, r partners.Role, allowRoles ...partners.Role) bool {
		for _, x := range allowRoles {
			if x == r {
				return true
			}
		}
		return false
	}
	managers := []partners.Role{partners.Admin, partners.Manager}
	all := partners.Roles
	cases := []struct {
		action string
		// allowed says, per relation, which roles may; an absent relation allows none.
		allowed map[string][]partners.Role
		run     func(key string) (allowedSeen bool, status int)
	}{
		{"read", map[string][]partners.Role{"owner": all, "shared": all}, func(k string) (bool, int) {
			s, _ := call(k, "GET", "/api/v1/accounts/"+id, "")
			return s == 200, s
		}},
		{"update", map[string][]partners.Role{"owner": managers}, func(k string) (bool, int) {
			s, _ := call(k, "PATCH", "/api/v1/accounts/"+id, `{"industry":"Matrix"}`)
			return s == 200, s
		}},
		{"delete", map[string][]partners.Role{"owner": managers}, func(k string) (bool, int) {
			s, _ := call(k, "POST", "/api/v1/accounts/"+id+"/archive", "")
			if s == 200 {
				call(k, "POST", "/api/v1/accounts/"+id+"/restore", "")
			}
			return s == 200, s
		}},
		{"list", map[string][]partners.Role{"owner": all, "shared": all}, func(k string) (bool, int) {
			s, b := call(k, "GET", "/api/v1/accounts", "")
			return strings.Contains(b, name), s
		}},
		{"search", map[string][]partners.Role{"owner": all, "shared": all}, func(k string) (bool, int) {
			s, b := call(k, "GET", "/api/v1/accounts?q=matrix", "")
			return strings.Contains(b, name), s
		}},
		{"export", map[string][]partners.Role{"owner": all, "shared": all}, func(k string) (bool, int) {
			s, b := call(k, "GET", "/api/v1/accounts/export.csv", "")
			return strings.Contains(b, name), s
		}},
		{"mapping", map[string][]partners.Role{}, func(k string) (bool, int) {
			// The record itself never shows through mapping: the owner allows counts only.
			s, b := call(k, "GET", fmt.Sprintf("/api/v1/partnerships/%d/mapping/accounts", plainPS), "")
			return strings.Contains(b, fmt.Sprintf(`"partner_account_id":%s`, id)) || strings.Contains(b, name), s
		}},
		{"explain", map[string][]partners.Role{"owner": all, "shared": all}, func(k string) (bool, int) {
			s, b := call(k, "GET", "/api/v1/access/explain?record=account:"+id, "")
			if s == 200 && !strings.Contains(b, `"can_read":true`) && strings.Contains(b, "one vendor") {
				t.Errorf("explain leaks the owner's name to an outsider: %s", b)
			}
			return strings.Contains(b, `"can_read":true`), s
		}},
	}
	for _, c := range cases {
		for _, rel := range []string{"owner", "shared", "plain", "stranger"} {
			for _, r := range partners.Roles {
				want := byRole(rel, r, c.allowed[rel]...)
				got, status := c.run(keys[rel+"/"+string(r)])
				if got != want {
					t.Errorf("%s as %s %s: allowed=%v (status %d), want %v", c.action, rel, r, got, status, want)
				}
				if status >= 500 {
					t.Errorf("%s as %s %s: status %d", c.action, rel, r, status)
				}
			}
		}
	}
	// The plain partner does get the overlap count its partner allows.
	_, b := call(keys["plain/viewer"], "GET", fmt.Sprintf("/api/v1/partnerships/%d/mapping", plainPS), "")
	if !strings.Contains(b, `"overlap":1`) {
		t.Errorf("plain partner's mapping summary: %s, want overlap 1", b)
	}
	s, _ := call(keys["stranger/admin"], "GET", fmt.Sprintf("/api/v1/partnerships/%d/mapping", plainPS), "")
	if s != http.StatusNotFound {
		t.Errorf("another network's mapping of the partnership: %d, want 404", s)
	}
}
