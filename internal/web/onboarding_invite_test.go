package web_test

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/partners"
)

var inviteLinkRE = regexp.MustCompile(`id="invite-link" class="secret" type="text" readonly value="http://hub.test(/invite/[^"]+)"`)

// inviteFrom posts the invite form of an organization's page and returns the
// answer's status, page and invite link path ("" when none).
func inviteFrom(t *testing.T, b *browser, org int64, email, name, role string) (int, string, string) {
	t.Helper()
	_, page := b.req("GET", fmt.Sprintf("/organizations/%d", org), nil)
	resp, page := b.req("POST", fmt.Sprintf("/organizations/%d/users", org), url.Values{"_csrf": {csrfOf(t, page)}, "email": {email}, "name": {name}, "role": {role}})
	link := ""
	if m := inviteLinkRE.FindStringSubmatch(page); m != nil {
		link = m[1]
	}
	return resp.StatusCode, page, link
}

// TestVendorManagerOnboardsAPartner: a vendor manager creates a partner
// organization and invites its first admin from the organization's page (an
// admin only, and only while it has none); inviting the pending address again
// sends a new link and kills the old one; the invite page names the inviting
// organization; a weak password is refused; sign-in after acceptance knows the
// email; the vendor's admin sees the pending user on the organization's page and
// cancels the invitation there.
func TestVendorManagerOnboardsAPartner(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	name, kind, domains := "Lisboa Parceiros", "reseller", []string{"lisboa.example"}
	org, err := f.svc.CreateOrganization(ctx, f.users["vendor-manager"], partners.OrganizationInput{Name: &name, Kind: &kind, EmailDomains: &domains})
	if err != nil {
		t.Fatal(err)
	}
	mgr := f.browser()
	mgr.login("vendor-manager@acme.example", pw)
	resp, page := mgr.req("GET", fmt.Sprintf("/organizations/%d", org.ID), nil)
	if resp.StatusCode != 200 || !strings.Contains(page, "Lisboa Parceiros") || !strings.Contains(page, `action="/organizations/`+fmt.Sprint(org.ID)+`/users"`) {
		t.Fatalf("organization page for the vendor manager: %d, invite form missing: %.400s", resp.StatusCode, page)
	}
	if status, _, link := inviteFrom(t, mgr, org.ID, "ana@lisboa.example", "Ana", "sales"); status != 422 || link != "" {
		t.Fatalf("a vendor manager inviting a sales user: %d, link %q; want 422 and none", status, link)
	}
	status, _, first := inviteFrom(t, mgr, org.ID, "ana@lisboa.example", "Ana", "admin")
	if status != 200 || first == "" {
		t.Fatalf("inviting the first admin: %d, link %q", status, first)
	}
	// The same address again: a new link, the old one dead.
	status, _, second := inviteFrom(t, mgr, org.ID, "ana@lisboa.example", "Ana Souza", "admin")
	if status != 200 || second == "" || second == first {
		t.Fatalf("inviting again: %d, links %q then %q", status, first, second)
	}
	anon := f.browser()
	if resp, _ := anon.req("GET", first, nil); resp.StatusCode != 404 {
		t.Fatalf("the first link after a new one was sent: %d, want 404", resp.StatusCode)
	}
	resp, invitePage := anon.req("GET", second, nil)
	page = invitePage
	if resp.StatusCode != 200 || !strings.Contains(html.UnescapeString(page), "Acme invites you to join Lisboa Parceiros on Partnerhub as admin.") {
		t.Fatalf("invite page does not name the inviting organization: %d %s", resp.StatusCode, page[strings.Index(page, "invite-from"):])
	}
	// The vendor's admin sees the pending user on the organization's page.
	adm := f.browser()
	adm.login("vendor-admin@acme.example", pw)
	_, page = adm.req("GET", fmt.Sprintf("/organizations/%d", org.ID), nil)
	if !strings.Contains(page, "ana@lisboa.example") || !strings.Contains(page, "/invite/cancel") {
		t.Fatalf("the vendor admin does not see the pending user with a cancel button: %.600s", page)
	}
	// A weak password is refused on the invite page, and the link still works.
	resp, _ = anon.req("POST", second, url.Values{"_csrf": {csrfOf(t, invitePage)}, "password": {"aaaaaaaaaa"}})
	if resp.StatusCode != 422 {
		t.Fatalf("accepting with aaaaaaaaaa: %d, want 422", resp.StatusCode)
	}
	resp, _ = anon.req("POST", second, url.Values{"_csrf": {csrfOf(t, invitePage)}, "password": {"Lisboa Parceiros 2026"}})
	if resp.StatusCode != 422 {
		t.Fatalf("accepting with the organization's name: %d, want 422", resp.StatusCode)
	}
	resp, _ = anon.req("POST", second, url.Values{"_csrf": {csrfOf(t, invitePage)}, "password": {"tangerine oboe sunrise"}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != 303 || !strings.HasPrefix(loc, "/login?") {
		t.Fatalf("accepting: %d → %q", resp.StatusCode, loc)
	}
	_, page = anon.req("GET", loc, nil)
	if !strings.Contains(page, `value="ana@lisboa.example"`) {
		t.Fatalf("sign-in after acceptance does not know the email: %.600s", page)
	}
	if resp := anon.login("ana@lisboa.example", "tangerine oboe sunrise"); resp.StatusCode != 303 {
		t.Fatalf("the new admin signs in: %d", resp.StatusCode)
	}
	// Now the organization has an admin: the vendor manager invites no more.
	if status, _, link := inviteFrom(t, mgr, org.ID, "bia@lisboa.example", "Bia", "admin"); status != 409 || link != "" {
		t.Fatalf("a vendor manager inviting into an organization with an admin: %d, link %q; want 409", status, link)
	}
	// The vendor admin invites another person, then cancels from the page.
	if status, _, link := inviteFrom(t, adm, org.ID, "bia@lisboa.example", "Bia", "viewer"); status != 200 || link == "" {
		t.Fatalf("the vendor admin invites: %d %q", status, link)
	}
	var bia int64
	users, _ := f.svc.Users(ctx, f.users["vendor-admin"], partners.UserFilter{Org: org.ID})
	for _, u := range users {
		if u.Email == "bia@lisboa.example" {
			bia = u.ID
		}
	}
	_, page = adm.req("GET", fmt.Sprintf("/organizations/%d", org.ID), nil)
	resp, _ = adm.req("POST", fmt.Sprintf("/users/%d/invite/cancel", bia), url.Values{"_csrf": {csrfOf(t, page)}, "next": {fmt.Sprintf("/organizations/%d", org.ID)}})
	if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || !strings.HasPrefix(loc, fmt.Sprintf("/organizations/%d?", org.ID)) {
		t.Fatalf("cancel from the organization's page: %d → %q", resp.StatusCode, loc)
	}
	_, page = adm.req("GET", fmt.Sprintf("/organizations/%d", org.ID), nil)
	if strings.Contains(page, "bia@lisboa.example") {
		t.Fatal("the cancelled invitation is still listed")
	}
	// A partner's viewer sees the organization but not its people.
	v := f.browser()
	v.login("partner-viewer@acme.example", pw)
	resp, page = v.req("GET", fmt.Sprintf("/organizations/%d", org.ID), nil)
	if resp.StatusCode != 200 || strings.Contains(page, "ana@lisboa.example") {
		t.Fatalf("a partner viewer on another organization's page: %d, people shown: %v", resp.StatusCode, strings.Contains(page, "ana@lisboa.example"))
	}
}
