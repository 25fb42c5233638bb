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

// inviteFrom posts the invite form of an organization's page and follows its
// 303 back to the page: it returns whether the form came back rejected (with its
// message beside a field), the page, and the invite link path shown ("" when none).
func inviteFrom(t *testing.T, b *browser, org int64, email, name, role string) (bool, string, string) {
	t.Helper()
	back := fmt.Sprintf("/organizations/%d", org)
	_, page := b.req("GET", back, nil)
	resp, _ := b.req("POST", back+"/users", url.Values{"_csrf": {csrfOf(t, page)}, "email": {email}, "name": {name}, "role": {role}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != 303 || (loc != back && loc != back+"#error-summary") {
		t.Fatalf("invite %s: %d → %q, want 303 back to %s", email, resp.StatusCode, loc, back)
	}
	_, page = b.req("GET", back, nil)
	link := ""
	if m := inviteLinkRE.FindStringSubmatch(page); m != nil {
		link = m[1]
	}
	rejected := loc != back
	if rejected && !strings.Contains(page, `id="error-summary"`) {
		t.Fatalf("invite %s rejected without a message: %.2000s", email, page)
	}
	return rejected, page, link
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
	if rejected, _, link := inviteFrom(t, mgr, org.ID, "ana@lisboa.example", "Ana", "sales"); !rejected || link != "" {
		t.Fatalf("a vendor manager inviting a sales user: rejected %v, link %q; want a rejection and none", rejected, link)
	}
	rejected, _, first := inviteFrom(t, mgr, org.ID, "ana@lisboa.example", "Ana", "admin")
	if rejected || first == "" {
		t.Fatalf("inviting the first admin: rejected %v, link %q", rejected, first)
	}
	// The same address again: a new link, the old one dead.
	rejected, _, second := inviteFrom(t, mgr, org.ID, "ana@lisboa.example", "Ana Souza", "admin")
	if rejected || second == "" || second == first {
		t.Fatalf("inviting again: rejected %v, links %q then %q", rejected, first, second)
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
	if !strings.Contains(page, "ana@lisboa.example") || !strings.Contains(page, "/invite/cancel?next=/organizations/") {
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
	if rejected, _, link := inviteFrom(t, mgr, org.ID, "bia@lisboa.example", "Bia", "admin"); !rejected || link != "" {
		t.Fatalf("a vendor manager inviting into an organization with an admin: rejected %v, link %q; want a rejection", rejected, link)
	}
	// The vendor admin invites another person, then cancels from the page.
	if rejected, _, link := inviteFrom(t, adm, org.ID, "bia@lisboa.example", "Bia", "viewer"); rejected || link == "" {
		t.Fatalf("the vendor admin invites: rejected %v, link %q", rejected, link)
	}
	var bia int64
	users, _ := f.svc.Users(ctx, f.users["vendor-admin"], partners.UserFilter{Org: org.ID})
	for _, u := range users {
		if u.Email == "bia@lisboa.example" {
			bia = u.ID
		}
	}
	// The cancel button opens a confirmation naming the address and the
	// consequence; its form cancels and leads back to the organization's page.
	orgPath := fmt.Sprintf("/organizations/%d", org.ID)
	_, page = adm.req("GET", orgPath, nil)
	cancel := fmt.Sprintf("/users/%d/invite/cancel?next=%s", bia, orgPath)
	if !strings.Contains(page, `href="`+cancel+`"`) {
		t.Fatalf("no cancel link for bia on the organization's page: %.3000s", page)
	}
	resp, confirm := adm.req("GET", cancel, nil)
	if resp.StatusCode != 200 || !strings.Contains(confirm, "Cancel the invitation of bia@lisboa.example?") || !strings.Contains(confirm, "stops working") {
		t.Fatalf("cancel confirmation: %d %.2000s", resp.StatusCode, confirm)
	}
	resp, _ = adm.req("POST", fmt.Sprintf("/users/%d/invite/cancel", bia), url.Values{"_csrf": {csrfOf(t, confirm)}, "next": {orgPath}})
	if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || loc != orgPath {
		t.Fatalf("cancel from the organization's page: %d → %q", resp.StatusCode, loc)
	}
	if _, page = adm.req("GET", orgPath, nil); !strings.Contains(page, "The invitation of bia@lisboa.example was cancelled") {
		t.Fatalf("no notice naming the cancelled invitation: %.2000s", page)
	}
	if _, page = adm.req("GET", orgPath, nil); strings.Contains(page, "bia@lisboa.example") {
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
