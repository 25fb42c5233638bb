package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

// listRows are the first cells a row pattern finds on a page, unescaped.
func listRows(re *regexp.Regexp, page string) []string {
	var out []string
	for _, m := range re.FindAllStringSubmatch(page, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// csvColumn is a CSV body's first column under its header (the header row's
// first cell must be header).
func csvColumn(t *testing.T, body, header string, col int) []string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(recs) == 0 || recs[0][0] != header {
		t.Fatalf("not the CSV with header %q (%v): %.500q", header, err, body)
	}
	var out []string
	for _, r := range recs[1:] {
		out = append(out, r[col])
	}
	return out
}

// checkPaged reads a list at path (which sets limit=25) page by page: each
// page's range says where it is of want rows, next leads on and previous back
// to the same rows, and the pages together are want. It returns the first
// page's HTML.
func checkPaged(t *testing.T, b *browser, path string, re *regexp.Regexp, want []string) string {
	t.Helper()
	_, page := b.req("GET", path, nil)
	first := page
	if prevRE.MatchString(page) {
		t.Fatalf("%s: the first page links a previous page", path)
	}
	var got []string
	var pages [][]string
	for n := 0; ; n++ {
		rows := listRows(re, page)
		from := len(got) + 1
		if r := rangeRE.FindStringSubmatch(page); r == nil || r[1] != fmt.Sprintf("%d–%d of %d", from, from+len(rows)-1, len(want)) {
			t.Fatalf("%s: page %d's range: %v, want %d–%d of %d", path, n+1, r, from, from+len(rows)-1, len(want))
		}
		got = append(got, rows...)
		pages = append(pages, rows)
		m := nextRE.FindStringSubmatch(page)
		if m == nil {
			break
		}
		if n > 10 {
			t.Fatalf("%s: too many pages", path)
		}
		_, page = b.req("GET", html.UnescapeString(m[1]), nil)
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("%s: the pages hold %v, want %v", path, got, want)
	}
	if len(pages) < 2 {
		t.Fatalf("%s: one page only (%d rows)", path, len(got))
	}
	// Back from the last page: the page before it, the same rows.
	_, page = b.req("GET", hrefOf(t, prevRE, page, "previous"), nil)
	if rows := listRows(re, page); strings.Join(rows, "|") != strings.Join(pages[len(pages)-2], "|") {
		t.Fatalf("%s: previous of the last page: %v, want %v", path, rows, pages[len(pages)-2])
	}
	return first
}

var userRowRE = regexp.MustCompile(`<tr id="user-\d+">\s*<td>([^<]+)</td>`)

// TestUsersTable: the users list through the table component: sorted by name
// both ways (aria-sort), previous and next with the range and total, role
// choices from the roles present (without regard to case), a search that
// ignores accents, both exports; another organization's people never show,
// through the page, its cursors or the export.
func TestUsersTable(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	va := f.users["vendor-admin"]
	for i := 1; i <= 30; i++ {
		role := []string{"sales", "viewer"}[i%2]
		if _, _, err := f.svc.Invite(ctx, va, partners.InviteInput{Email: fmt.Sprintf("pessoa%02d@acme.example", i), Name: fmt.Sprintf("Pessoa %02d", i), Role: role, Org: f.vendor}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := f.svc.Invite(ctx, va, partners.InviteInput{Email: "jose@acme.example", Name: "José Ângelo", Role: "manager", Org: f.vendor}); err != nil {
		t.Fatal(err)
	}
	b := f.browser()
	b.login("vendor-admin@acme.example", pw)

	// Every user of the vendor, by name, in one page of 100: the reference.
	_, page := b.req("GET", "/users?limit=100", nil)
	all := listRows(userRowRE, page)
	if len(all) != 35 { // Vera, the three vendor-* users, 30 people, José
		t.Fatalf("all users: %d %v", len(all), all)
	}
	for _, n := range all {
		if strings.HasPrefix(n, "partner-") {
			t.Fatalf("the vendor's users list shows the partner's %s", n)
		}
	}
	if !strings.Contains(page, `aria-sort="ascending"><a class="sort" href="/users?limit=100&amp;sort=-name">`) {
		t.Fatalf("the name header is not ascending with a link to the reverse: %s", page)
	}
	first := checkPaged(t, b, "/users?limit=25", userRowRE, all)
	// The reverse order is the reverse.
	_, page = b.req("GET", "/users?limit=100&sort=-name", nil)
	rev := listRows(userRowRE, page)
	slices.Reverse(rev)
	if strings.Join(rev, "|") != strings.Join(all, "|") {
		t.Fatalf("Z to A is not the reverse of A to Z: %v", rev)
	}
	if !strings.Contains(page, `aria-sort="descending"`) {
		t.Fatal("the reverse order's header is not descending")
	}
	// Newest first: José was added last.
	if _, page = b.req("GET", "/users?sort=created", nil); listRows(userRowRE, page)[0] != "José Ângelo" {
		t.Fatalf("newest first: %v", listRows(userRowRE, page))
	}

	// Role choices: the roles present; any case of one picks it.
	if !strings.Contains(first, `<option value="viewer">`) || !strings.Contains(first, `<option value="manager">`) {
		t.Fatalf("role choices: %s", first)
	}
	for _, q := range []string{"viewer", "VIEWER"} {
		_, page = b.req("GET", "/users?limit=100&role="+q, nil)
		if got := listRows(userRowRE, page); len(got) != 16 { // vendor-viewer and 15 people
			t.Fatalf("role=%s: %d rows %v", q, len(got), got)
		}
		if r := rangeRE.FindStringSubmatch(page); r == nil || r[1] != "1–16 of 16" {
			t.Fatalf("role=%s: range %v", q, r)
		}
	}
	// Search ignores accents and case.
	for _, q := range []string{"jose angelo", "JOSÉ", "Angelo"} {
		_, page = b.req("GET", "/users?q="+strings.ReplaceAll(q, " ", "+"), nil)
		if got := listRows(userRowRE, page); len(got) != 1 || got[0] != "José Ângelo" {
			t.Errorf("search %q: %v", q, got)
		}
	}
	// Nothing matches: say so, offer to clear.
	if _, page = b.req("GET", "/users?q=zzzqqq", nil); !strings.Contains(page, "Nothing matches these filters.") || !strings.Contains(page, `<a href="/users">Clear filters</a>`) {
		t.Fatalf("filtered empty state: %s", page)
	}

	// Exports: every row of the filter in the order shown; the page only.
	_, page = b.req("GET", "/users?limit=25&sort=-name&role=viewer", nil)
	shown := listRows(userRowRE, page)
	_, body := b.req("GET", hrefOf(t, exportAllRE, page, "export all"), nil)
	if got := csvColumn(t, body, "Name", 0); len(got) != 16 || got[0] != shown[0] {
		t.Fatalf("export all of the viewers: %v", got)
	}
	_, page = b.req("GET", "/users?limit=25", nil)
	_, page = b.req("GET", hrefOf(t, nextRE, page, "next"), nil)
	_, body = b.req("GET", hrefOf(t, exportPageRE, page, "export page"), nil)
	if got := csvColumn(t, body, "Name", 0); strings.Join(got, "|") != strings.Join(listRows(userRowRE, page), "|") {
		t.Fatalf("export of the second page: %v", got)
	}

	// The partner's admin: its own people only, even with the vendor's cursor
	// and in the export.
	p := f.browser()
	p.login("partner-admin@acme.example", pw)
	_, page = b.req("GET", "/users?limit=25", nil)
	next := hrefOf(t, nextRE, page, "next")
	for _, path := range []string{"/users?limit=100", next, "/users?q=pessoa", "/users/export.csv", "/users/export.csv?q=jose"} {
		_, body := p.req("GET", path, nil)
		if strings.Contains(body, "Pessoa") || strings.Contains(body, "José") || strings.Contains(body, "vendor-manager@") || strings.Contains(body, "Vera") {
			t.Errorf("the partner's admin sees the vendor's users at %s", path)
		}
	}
	if _, body := p.req("GET", "/users/export.csv", nil); len(csvColumn(t, body, "Name", 0)) != 4 {
		t.Errorf("the partner's export: %q", body)
	}
}

var partnershipRowRE = regexp.MustCompile(`<tr id="partnership-\d+">\s*<td>(?:<a href="/partners/\d+">)?([^<]+)`)

// TestPartnershipsTable: the partnerships list through the table component:
// sorted by the partner's name both ways, pages of 25 with the range and total
// and back, the state a choice among those present (any case), the exports;
// another organization never sees them.
func TestPartnershipsTable(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	va, vm := f.users["vendor-admin"], f.users["vendor-manager"]
	var names []string
	for i := 1; i <= 30; i++ {
		name, kind := fmt.Sprintf("Parceira %02d", i), "reseller"
		o, err := f.svc.CreateOrganization(ctx, va, partners.OrganizationInput{Name: &name, Kind: &kind})
		if err != nil {
			t.Fatal(err)
		}
		p, err := f.svc.InvitePartner(ctx, vm, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			if _, err := f.svc.RevokePartnership(ctx, vm, p.ID); err != nil {
				t.Fatal(err)
			}
		}
		names = append(names, name)
	}
	b := f.browser()
	b.login("vendor-admin@acme.example", pw)
	page := checkPaged(t, b, "/partners?limit=25", partnershipRowRE, names)
	if !strings.Contains(page, `aria-sort="ascending"><a class="sort" href="/partners?limit=25&amp;sort=-name">`) {
		t.Fatalf("the name header: %s", page)
	}
	_, page = b.req("GET", "/partners?sort=-name&limit=100", nil)
	if got := listRows(partnershipRowRE, page); len(got) != 30 || got[0] != "Parceira 30" || got[29] != "Parceira 01" {
		t.Fatalf("Z to A: %v", got)
	}
	// States present: invited and revoked (not active).
	if !strings.Contains(page, `<option value="revoked">`) || !strings.Contains(page, `<option value="invited">`) || strings.Contains(page, `<option value="active">`) {
		t.Fatalf("state choices: %s", page)
	}
	for _, st := range []string{"revoked", "Revoked"} {
		_, page = b.req("GET", "/partners?limit=100&state="+st, nil)
		got := listRows(partnershipRowRE, page)
		if len(got) != 10 || got[0] != "Parceira 03" {
			t.Fatalf("state=%s: %v", st, got)
		}
		if r := rangeRE.FindStringSubmatch(page); r == nil || r[1] != "1–10 of 10" {
			t.Fatalf("state=%s: range %v", st, r)
		}
	}
	_, body := b.req("GET", hrefOf(t, exportAllRE, page, "export all"), nil)
	if got := csvColumn(t, body, "Organization", 0); len(got) != 10 || got[9] != "Parceira 30" {
		t.Fatalf("export of the revoked: %v", got)
	}
	_, page = b.req("GET", "/partners?limit=25", nil)
	_, page = b.req("GET", hrefOf(t, nextRE, page, "next"), nil)
	_, body = b.req("GET", hrefOf(t, exportPageRE, page, "export page"), nil)
	if got := csvColumn(t, body, "Organization", 0); strings.Join(got, "|") != strings.Join(names[25:], "|") {
		t.Fatalf("export of the second page: %v", got)
	}
	// The reseller (no partnership of its own) sees none of them.
	p := f.browser()
	p.login("partner-admin@acme.example", pw)
	for _, path := range []string{"/partners", "/partners?state=revoked"} {
		if _, body := p.req("GET", path, nil); len(listRows(partnershipRowRE, body)) != 0 {
			t.Errorf("the reseller sees the vendor's partnerships at %s", path)
		}
	}
	if _, body := p.req("GET", "/partners/export.csv", nil); strings.Contains(body, "Parceira") {
		t.Errorf("the reseller's export holds the vendor's partnerships: %s", body)
	}
	if _, page := p.req("GET", "/partners", nil); !strings.Contains(page, "No partnerships yet") {
		t.Errorf("the reseller's empty state: %s", page)
	}
}

// TestOrganizationsTable: the organizations list through the table
// component: by name both ways, pages with the total, the region a choice
// among the values present (any spelling of it matches), a search that
// ignores accents, both exports; another network's organizations never show.
func TestOrganizationsTable(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	va := f.users["vendor-admin"]
	mk := func(name, region string) {
		t.Helper()
		kind := "reseller"
		if _, err := f.svc.CreateOrganization(ctx, va, partners.OrganizationInput{Name: &name, Kind: &kind, Region: &region}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 27; i++ {
		mk(fmt.Sprintf("Org %02d", i), []string{"APAC", "apac", "EMEA"}[i%3])
	}
	mk("São Paulo Parceiros", "LATAM")
	// Another network, with an organization of its own.
	if _, _, _, err := partners.CreateNetwork(ctx, f.d.Owner, partners.NetworkInput{Slug: "other", Name: "Other", VendorName: "Outra Rede",
		AdminEmail: "admin@other.example", AdminName: "Otto", AdminPassword: pw}); err != nil {
		t.Fatal(err)
	}
	b := f.browser()
	b.login("vendor-admin@acme.example", pw)
	_, page := b.req("GET", "/organizations?sort=name&limit=100", nil)
	all := listRows(orgRowRE, page)
	if len(all) != 30 || slices.Contains(all, "Outra Rede") {
		t.Fatalf("all organizations by name: %d %v", len(all), all)
	}
	checkPaged(t, b, "/organizations?sort=name&limit=25", orgRowRE, all)
	_, page = b.req("GET", "/organizations?sort=-name&limit=100", nil)
	rev := listRows(orgRowRE, page)
	slices.Reverse(rev)
	if strings.Join(rev, "|") != strings.Join(all, "|") {
		t.Fatalf("Z to A is not the reverse: %v", rev)
	}
	if strings.Count(page, `<option value="APAC"`)+strings.Count(page, `<option value="apac"`) != 1 {
		t.Fatalf("region choices: one per value whatever its case: %s", page)
	}
	_, page = b.req("GET", "/organizations?region=ApAc&limit=100", nil)
	if got := listRows(orgRowRE, page); len(got) != 18 {
		t.Fatalf("region ApAc: %d %v", len(got), got)
	}
	for _, q := range []string{"sao paulo", "SÃO", "parceiros"} {
		_, page = b.req("GET", "/organizations?q="+strings.ReplaceAll(q, " ", "+"), nil)
		if got := listRows(orgRowRE, page); len(got) != 1 || got[0] != "São Paulo Parceiros" {
			t.Errorf("search %q: %v", q, got)
		}
	}
	_, page = b.req("GET", "/organizations?region=EMEA&sort=-name&limit=5", nil)
	_, body := b.req("GET", hrefOf(t, exportAllRE, page, "export all"), nil)
	if got := csvColumn(t, body, "Name", 0); len(got) != 9 || got[0] != "Org 26" {
		t.Fatalf("export all of EMEA, Z to A: %v", got)
	}
	_, body = b.req("GET", hrefOf(t, exportPageRE, page, "export page"), nil)
	if got := csvColumn(t, body, "Name", 0); strings.Join(got, "|") != strings.Join(listRows(orgRowRE, page), "|") {
		t.Fatalf("export of the page: %v", got)
	}
	for _, path := range []string{"/organizations/export.csv", "/organizations?q=outra", "/organizations?limit=100"} {
		if _, body := b.req("GET", path, nil); strings.Contains(body, "Outra Rede") {
			t.Errorf("another network's organization shows at %s", path)
		}
	}
}

var jobRowRE = regexp.MustCompile(`<tr id="job-\d+"><td>(\d+)</td>`)

// TestJobsTable: the Jobs list with its total, both ways, and its exports;
// a partner's admin sees its own organization's jobs only.
func TestJobsTable(t *testing.T) {
	f := newFixture(t)
	var ids []string
	for i := 0; i < 30; i++ {
		var id int64
		if err := f.d.Owner.Get(&id, `INSERT INTO jobs (network_id, org_id, kind, state, last_error) VALUES ($1, $2, 'notify.email', 'failed', 'boom') RETURNING id`,
			f.users["vendor-admin"].Network, f.vendor); err != nil {
			t.Fatal(err)
		}
		ids = append([]string{fmt.Sprint(id)}, ids...)
	}
	var theirs int64
	if err := f.d.Owner.Get(&theirs, `INSERT INTO jobs (network_id, org_id, kind, state) VALUES ($1, $2, 'notify.email', 'done') RETURNING id`,
		f.users["vendor-admin"].Network, f.partner); err != nil {
		t.Fatal(err)
	}
	p := f.browser()
	p.login("partner-admin@acme.example", pw)
	_, page := p.req("GET", "/jobs?limit=100", nil)
	_, body := p.req("GET", "/jobs/export.csv", nil)
	for _, got := range [][]string{listRows(jobRowRE, page), csvColumn(t, body, "#", 0)} {
		if !slices.Contains(got, fmt.Sprint(theirs)) {
			t.Fatalf("the partner's own job is missing: %v", got)
		}
		for _, id := range ids {
			if slices.Contains(got, id) {
				t.Fatalf("the partner sees the vendor's job %s", id)
			}
		}
	}
	v := f.browser()
	v.login("vendor-admin@acme.example", pw)
	// The vendor sees the network's jobs; failed ones are its own 30: newest
	// first, and oldest first by the header.
	page = checkPaged(t, v, "/jobs?state=failed&limit=25", jobRowRE, ids)
	if !strings.Contains(page, `aria-sort="descending"><a class="sort" href="/jobs?limit=25&amp;sort=-created&amp;state=failed">`) {
		t.Fatalf("the job header: %s", page)
	}
	oldest := slices.Clone(ids)
	slices.Reverse(oldest)
	checkPaged(t, v, "/jobs?state=failed&limit=25&sort=-created", jobRowRE, oldest)
	_, page = v.req("GET", "/jobs?state=failed&limit=25", nil)
	_, body = v.req("GET", hrefOf(t, exportAllRE, page, "export all"), nil)
	if got := csvColumn(t, body, "#", 0); strings.Join(got, "|") != strings.Join(ids, "|") {
		t.Fatalf("export of the failed: %v", got)
	}
	_, page = v.req("GET", hrefOf(t, nextRE, page, "next"), nil)
	_, body = v.req("GET", hrefOf(t, exportPageRE, page, "export page"), nil)
	if got := csvColumn(t, body, "#", 0); strings.Join(got, "|") != strings.Join(ids[25:], "|") {
		t.Fatalf("export of the second page: %v", got)
	}
}

var contactRowRE = regexp.MustCompile(`<tr id="contact-\d+"><td><a href="/contacts/\d+">([^<]+)</a>`)

// TestAccountContactsTable: an account's contacts through the table
// component: by name both ways, pages of 25 with the total and back, the
// archived ones as a choice, both exports; an organization that does not see
// the account sees none of it.
func TestAccountContactsTable(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	as := &accounts.Service{DB: f.d.App, Partners: f.svc}
	sales := f.users["partner-sales"]
	name := "Cliente Contatos"
	acc, err := as.Create(ctx, sales, accounts.Input{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for i := 1; i <= 30; i++ {
		n := fmt.Sprintf("Contato %02d", i)
		c, err := as.CreateContact(ctx, sales, accounts.ContactInput{Account: &acc.ID, Name: &n, Emails: &[]string{fmt.Sprintf("c%02d@cliente.example", i)}})
		if err != nil {
			t.Fatal(err)
		}
		if i == 7 {
			if _, err := as.SetContactArchived(ctx, sales, c.ID, true); err != nil {
				t.Fatal(err)
			}
			continue
		}
		names = append(names, n)
	}
	path := fmt.Sprintf("/accounts/%d", acc.ID)
	b := f.browser()
	b.login("partner-sales@acme.example", pw)
	page := checkPaged(t, b, path+"?limit=25", contactRowRE, names)
	if !strings.Contains(page, `aria-sort="ascending"><a class="sort" href="`+path+`?limit=25&amp;sort=-name">`) {
		t.Fatalf("the name header: %s", page)
	}
	_, page = b.req("GET", path+"?sort=-name&limit=100", nil)
	if got := listRows(contactRowRE, page); len(got) != 29 || got[0] != "Contato 30" {
		t.Fatalf("Z to A: %v", got)
	}
	_, page = b.req("GET", path+"?archived=true", nil)
	if got := listRows(contactRowRE, page); len(got) != 1 || got[0] != "Contato 07" {
		t.Fatalf("archived: %v", got)
	}
	_, page = b.req("GET", path+"?limit=25", nil)
	_, body := b.req("GET", hrefOf(t, regexp.MustCompile(`id="contacts-export-all" href="([^"]+)"`), page, "export all"), nil)
	if got := csvColumn(t, body, "Name", 0); strings.Join(got, "|") != strings.Join(names, "|") {
		t.Fatalf("export all: %v", got)
	}
	_, page = b.req("GET", hrefOf(t, nextRE, page, "next"), nil)
	_, body = b.req("GET", hrefOf(t, regexp.MustCompile(`id="contacts-export-page" href="([^"]+)"`), page, "export page"), nil)
	if got := csvColumn(t, body, "Name", 0); strings.Join(got, "|") != strings.Join(names[25:], "|") {
		t.Fatalf("export of the second page: %v", got)
	}
	// The vendor does not see the partner's account: not its page, not its
	// contacts' export.
	v := f.browser()
	v.login("vendor-admin@acme.example", pw)
	for _, p := range []string{path, path + "/contacts.csv", path + "/contacts.csv?page=1"} {
		if resp, body := v.req("GET", p, nil); resp.StatusCode != 404 || strings.Contains(body, "Contato") {
			t.Errorf("the vendor at %s: %d", p, resp.StatusCode)
		}
	}
}

var auditSeqRE = regexp.MustCompile(`<td class="muted">(\d+)</td></tr>`)

// TestAuditTable: the audit page's entries of one action, 25 a page, with the
// total, previous and next, and the export of the page; the partner's admin
// reads none of the vendor's entries through the page or the export.
func TestAuditTable(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	va := f.users["vendor-admin"]
	for i := 1; i <= 30; i++ {
		if _, _, err := f.svc.Invite(ctx, va, partners.InviteInput{Email: fmt.Sprintf("auditada%02d@acme.example", i), Name: fmt.Sprintf("Auditada %02d", i), Role: "viewer", Org: f.vendor}); err != nil {
			t.Fatal(err)
		}
	}
	v := f.browser()
	v.login("vendor-admin@acme.example", pw)
	_, page := v.req("GET", "/audit?action=user.invite&limit=100", nil)
	all := listRows(auditSeqRE, page)
	if len(all) < 30 {
		t.Fatalf("the vendor's invitations: %v", all)
	}
	checkPaged(t, v, "/audit?action=user.invite&limit=25", auditSeqRE, all)
	oldest := slices.Clone(all)
	slices.Reverse(oldest)
	checkPaged(t, v, "/audit?action=user.invite&limit=25&sort=-at", auditSeqRE, oldest)
	_, page = v.req("GET", "/audit?action=user.invite&limit=25", nil)
	_, page = v.req("GET", hrefOf(t, nextRE, page, "next"), nil)
	_, body := v.req("GET", hrefOf(t, exportPageRE, page, "export page"), nil)
	if got := csvColumn(t, body, "seq", 0); strings.Join(got, "|") != strings.Join(listRows(auditSeqRE, page), "|") {
		t.Fatalf("export of the second page: %v", got)
	}
	p := f.browser()
	p.login("partner-admin@acme.example", pw)
	_, page = p.req("GET", "/audit?action=user.invite&limit=100", nil)
	_, body = p.req("GET", "/audit/export.csv?action=user.invite", nil)
	for _, got := range [][]string{listRows(auditSeqRE, page), csvColumn(t, body, "seq", 0)} {
		for _, seq := range got {
			if slices.Contains(all[:30], seq) { // the 30 newest: the invitations into the vendor
				t.Fatalf("the partner's admin reads the vendor's entry %s", seq)
			}
		}
	}
}

var importRowRE = regexp.MustCompile(`<tr id="import-\d+"><td><a href="/imports/\d+">([^<]+)</a>`)

// TestImportsTable: the organization's imports, newest first, 25 a page with
// the total, previous and next, the kind as a filter, both exports; another
// organization sees none of them.
func TestImportsTable(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.login("partner-sales@acme.example", pw)
	if _, page := b.req("GET", "/imports", nil); !strings.Contains(page, "No imports yet") || !strings.Contains(page, `href="/accounts/import"`) {
		t.Fatalf("empty imports list: %s", page)
	}
	var files []string
	for i := 1; i <= 27; i++ {
		name, kind, data := fmt.Sprintf("lote%02d.csv", i), "accounts", fmt.Sprintf("name,domains\nLote %02d,lote%02d.example\n", i, i)
		if i == 13 {
			name, kind, data = "pessoas.csv", "contacts", "account,name\nlote01.example,Ana\n"
		}
		if resp, _ := b.upload(t, kind, name, []byte(data)); resp.StatusCode != 303 {
			t.Fatalf("upload %s: %d", name, resp.StatusCode)
		}
		files = append([]string{name}, files...)
	}
	checkPaged(t, b, "/imports?limit=25", importRowRE, files)
	_, page := b.req("GET", "/imports?kind=contacts", nil)
	if got := listRows(importRowRE, page); len(got) != 1 || got[0] != "pessoas.csv" {
		t.Fatalf("kind=contacts: %v", got)
	}
	_, page = b.req("GET", "/imports?limit=25", nil)
	_, body := b.req("GET", hrefOf(t, exportAllRE, page, "export all"), nil)
	if got := csvColumn(t, body, "#", 1); strings.Join(got, "|") != strings.Join(files, "|") {
		t.Fatalf("export all: %v", got)
	}
	_, page = b.req("GET", hrefOf(t, nextRE, page, "next"), nil)
	_, body = b.req("GET", hrefOf(t, exportPageRE, page, "export page"), nil)
	if got := csvColumn(t, body, "#", 1); strings.Join(got, "|") != strings.Join(files[25:], "|") {
		t.Fatalf("export of the second page: %v", got)
	}
	v := f.browser()
	v.login("vendor-admin@acme.example", pw)
	for _, path := range []string{"/imports?limit=100", "/imports/export.csv"} {
		if _, body := v.req("GET", path, nil); strings.Contains(body, "lote") || strings.Contains(body, "pessoas") {
			t.Errorf("the vendor sees the partner's imports at %s", path)
		}
	}
}
