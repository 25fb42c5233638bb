package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/internal/notify"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

var (
	accountRowRE = regexp.MustCompile(`<tr><td><a href="/accounts/\d+">([^<]+)</a>`)
	nextRE       = regexp.MustCompile(`<a rel="next" class="next" href="([^"]+)"`)
	prevRE       = regexp.MustCompile(`<a rel="prev" class="prev" href="([^"]+)"`)
	rangeRE      = regexp.MustCompile(`<span class="range">([^<]*)</span>`)
	exportPageRE = regexp.MustCompile(`id="export-page" href="([^"]+)"`)
	exportAllRE  = regexp.MustCompile(`id="export-all" href="([^"]+)"`)
)

func rowsOf(page string) []string {
	var out []string
	for _, m := range accountRowRE.FindAllStringSubmatch(page, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

func hrefOf(t *testing.T, re *regexp.Regexp, page, what string) string {
	t.Helper()
	m := re.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no %s link on the page: %s", what, page)
	}
	return html.UnescapeString(m[1])
}

// TestAccountsTable: the accounts list through the table component. Sorting by a
// header (aria-sort, the reverse on a second click), previous and next pages
// with the range and total ("26–50 of 62"), the page size kept in the links,
// region choices from the values present without regard to case, search that
// ignores accents and keeps its typo tolerance, an unknown sort answered with a
// notice, the exports of exactly what is shown (all pages, or the page), and
// both empty states.
func TestAccountsTable(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.login("partner-sales@acme.example", pw)

	// Empty: what to do.
	resp, page := b.req("GET", "/accounts", nil)
	if resp.StatusCode != 200 || !strings.Contains(page, "No accounts yet — create one or import a CSV file.") || !strings.Contains(page, `href="/accounts/import"`) {
		t.Fatalf("empty list: %d, no empty state saying what to do: %s", resp.StatusCode, page)
	}

	ctx := context.Background()
	as := &accounts.Service{DB: f.d.App, Partners: f.svc}
	sales := f.users["partner-sales"]
	mk := func(name, region string) {
		t.Helper()
		if _, err := as.Create(ctx, sales, accounts.Input{Name: &name, Region: &region}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	for i := 1; i <= 60; i++ {
		region := []string{"APAC", "apac", "EMEA"}[i%3]
		name := fmt.Sprintf("Conta %03d", i)
		names = append(names, name)
		mk(name, region)
	}
	mk("Padaria São João", "LATAM")
	mk("Ótica Ávila", "LATAM")
	names = append(names, "Padaria São João", "Ótica Ávila") // sort_name is lower(name): "ó" sorts after "p"

	// Sorted by name, 25 a page: the header says so and links the reverse.
	_, page = b.req("GET", "/accounts?limit=25", nil)
	if got := rowsOf(page); strings.Join(got, "|") != strings.Join(names[:25], "|") {
		t.Fatalf("first page: %v", got)
	}
	if !strings.Contains(page, `<th scope="col" aria-sort="ascending"><a class="sort" href="/accounts?limit=25&amp;sort=-name">`) {
		t.Fatalf("the name header is not sorted ascending with a link to the reverse (keeping the size): %s", page)
	}
	if !strings.Contains(page, `aria-sort="none"><a class="sort" href="/accounts?limit=25&amp;sort=updated">`) {
		t.Fatalf("the updated header does not link its sort: %s", page)
	}
	if r := rangeRE.FindStringSubmatch(page); r == nil || r[1] != "1–25 of 62" {
		t.Fatalf("range: %v", r)
	}
	if prevRE.MatchString(page) {
		t.Fatal("the first page links a previous page")
	}
	first := rowsOf(page)
	next := hrefOf(t, nextRE, page, "next")
	if !strings.Contains(next, "limit=25") {
		t.Fatalf("the next link drops the page size: %s", next)
	}
	_, page = b.req("GET", next, nil)
	if got := rowsOf(page); strings.Join(got, "|") != strings.Join(names[25:50], "|") {
		t.Fatalf("second page: %v", got)
	}
	if r := rangeRE.FindStringSubmatch(page); r == nil || r[1] != "26–50 of 62" {
		t.Fatalf("second page's range: %v", r)
	}
	// The page export holds exactly this page's rows.
	second := rowsOf(page)
	_, body := b.req("GET", hrefOf(t, exportPageRE, page, "export page"), nil)
	if got := csvNames(t, body); strings.Join(got, "|") != strings.Join(second, "|") {
		t.Fatalf("the page's export: %v, want %v", got, second)
	}
	_, page = b.req("GET", hrefOf(t, nextRE, page, "next"), nil)
	if got := rowsOf(page); strings.Join(got, "|") != strings.Join(names[50:], "|") || nextRE.MatchString(page) {
		t.Fatalf("last page: %v (or a next link)", got)
	}
	if r := rangeRE.FindStringSubmatch(page); r == nil || r[1] != "51–62 of 62" {
		t.Fatalf("last page's range: %v", r)
	}
	// Back twice: the second page, then the first.
	_, page = b.req("GET", hrefOf(t, prevRE, page, "previous"), nil)
	if got := rowsOf(page); strings.Join(got, "|") != strings.Join(second, "|") {
		t.Fatalf("previous of the last page: %v, want %v", got, second)
	}
	if r := rangeRE.FindStringSubmatch(page); r == nil || r[1] != "26–50 of 62" {
		t.Fatalf("previous page's range: %v", r)
	}
	_, page = b.req("GET", hrefOf(t, prevRE, page, "previous"), nil)
	if got := rowsOf(page); strings.Join(got, "|") != strings.Join(first, "|") {
		t.Fatalf("back on the first page: %v", got)
	}

	// The reverse order, and its previous page from the second.
	_, page = b.req("GET", "/accounts?limit=25&sort=-name", nil)
	if got := rowsOf(page); len(got) != 25 || got[0] != "Ótica Ávila" || got[1] != "Padaria São João" || got[2] != "Conta 060" {
		t.Fatalf("sorted Z to A: %v", got)
	}
	if !strings.Contains(page, `aria-sort="descending"><a class="sort" href="/accounts?limit=25&amp;sort=name">`) {
		t.Fatalf("the name header is not descending with a link back: %s", page)
	}
	rev := rowsOf(page)
	_, page = b.req("GET", hrefOf(t, nextRE, page, "next"), nil)
	_, page = b.req("GET", hrefOf(t, prevRE, page, "previous"), nil)
	if got := rowsOf(page); strings.Join(got, "|") != strings.Join(rev, "|") {
		t.Fatalf("back in the reverse order: %v", got)
	}

	// An unknown sort: the usual order and a notice, not an error page.
	resp, page = b.req("GET", "/accounts?sort=-bogus", nil)
	if resp.StatusCode != 200 || !strings.Contains(page, "cannot be sorted by “-bogus”") || rowsOf(page)[0] != "Conta 001" {
		t.Fatalf("unknown sort: %d: %s", resp.StatusCode, page)
	}

	// Region choices: one per value present whatever its case; choosing it finds
	// both spellings; the filter form keeps the sort and size.
	_, page = b.req("GET", "/accounts?sort=-name&limit=100", nil)
	if strings.Count(page, `<option value="APAC"`)+strings.Count(page, `<option value="apac"`) != 1 || !strings.Contains(page, `<option value="EMEA">`) || !strings.Contains(page, `<option value="LATAM">`) {
		t.Fatalf("region choices: %s", page)
	}
	if !strings.Contains(page, `<input type="hidden" name="sort" value="-name">`) || !strings.Contains(page, `<input type="hidden" name="limit" value="100">`) {
		t.Fatalf("the filter form drops the sort or size: %s", page)
	}
	_, page = b.req("GET", "/accounts?region=aPaC&sort=-name&limit=100", nil)
	apac := rowsOf(page)
	if len(apac) != 40 || apac[0] != "Conta 060" {
		t.Fatalf("region aPaC: %d rows %v, want the 40 of APAC and apac, Z to A", len(apac), apac)
	}
	if r := rangeRE.FindStringSubmatch(page); r == nil || r[1] != "1–40 of 40" {
		t.Fatalf("filtered range: %v", r)
	}
	// Export all: every row of the filter, in the order shown.
	all := hrefOf(t, exportAllRE, page, "export all")
	if !strings.Contains(all, "region=aPaC") || !strings.Contains(all, "sort=-name") {
		t.Fatalf("export all does not keep the filter and order: %s", all)
	}
	_, body = b.req("GET", all, nil)
	if got := csvNames(t, body); strings.Join(got, "|") != strings.Join(apac, "|") {
		t.Fatalf("export all: %v, want %v", got, apac)
	}

	// Search without accents or case finds the accented name; a typo too.
	for _, q := range []string{"Padaria Sao Joao", "padaria são joão", "SAO JOAO", "otica avila", "padara sao"} {
		_, page = b.req("GET", "/accounts?q="+strings.ReplaceAll(q, " ", "+"), nil)
		got := rowsOf(page)
		want := "Padaria São João"
		if strings.HasPrefix(q, "otica") {
			want = "Ótica Ávila"
		}
		if len(got) != 1 || got[0] != want {
			t.Errorf("search %q: %v, want %s", q, got, want)
		}
	}

	// Filtered to nothing: say so and offer to clear, keeping the order.
	_, page = b.req("GET", "/accounts?q=zzzqqqxxx&sort=-name", nil)
	if !strings.Contains(page, "No account matches these filters.") || !strings.Contains(page, `<a href="/accounts?sort=-name">Clear filters</a>`) {
		t.Fatalf("filtered empty state: %s", page)
	}
}

func csvNames(t *testing.T, body string) []string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(recs) == 0 || recs[0][0] != "name" {
		t.Fatalf("not the accounts CSV (%v): %q", err, body)
	}
	var out []string
	for _, r := range recs[1:] {
		out = append(out, r[0])
	}
	return out
}

var notificationRE = regexp.MustCompile(`<b>(Note \d+)</b>`)

// TestIDListPages: a list ordered by id (notifications; jobs and audit share
// the code) pages both ways through the table: 25 a page, the range, a next
// page and back to the same first page; a bad cursor is a 422 naming it.
func TestIDListPages(t *testing.T) {
	f := newFixture(t)
	a := f.users["partner-viewer"]
	ctx := context.Background()
	err := f.d.App.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		for i := 1; i <= 30; i++ {
			if _, err := notify.Send(ctx, tx, a.Network, a.Org, a.User, "test", l10n.Msg{Format: fmt.Sprintf("Note %02d", i)}, l10n.Msg{Format: "body"}, ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b := f.browser()
	b.login("partner-viewer@acme.example", pw)
	notes := func(page string) string {
		var out []string
		for _, m := range notificationRE.FindAllStringSubmatch(page, -1) {
			out = append(out, m[1])
		}
		return strings.Join(out, ",")
	}
	_, page := b.req("GET", "/notifications?limit=25", nil)
	first := notes(page)
	if !strings.HasPrefix(first, "Note 30,Note 29") || strings.Count(first, ",") != 24 || prevRE.MatchString(page) {
		t.Fatalf("first page: %s", first)
	}
	if r := rangeRE.FindStringSubmatch(page); r == nil || r[1] != "1–25 of 30" {
		t.Fatalf("range: %v", r)
	}
	_, page = b.req("GET", hrefOf(t, nextRE, page, "next"), nil)
	if got := notes(page); got != "Note 05,Note 04,Note 03,Note 02,Note 01" || nextRE.MatchString(page) {
		t.Fatalf("second page: %s", got)
	}
	if r := rangeRE.FindStringSubmatch(page); r == nil || r[1] != "26–30 of 30" {
		t.Fatalf("second range: %v", r)
	}
	_, page = b.req("GET", hrefOf(t, prevRE, page, "previous"), nil)
	if got := notes(page); got != first {
		t.Fatalf("back: %s, want %s", got, first)
	}
	// Pages of 10: the third, then back to the second (read backwards from the
	// middle: rows newer than the cursor).
	_, page = b.req("GET", "/notifications?limit=10", nil)
	_, page = b.req("GET", hrefOf(t, nextRE, page, "next"), nil)
	second := notes(page)
	_, page = b.req("GET", hrefOf(t, nextRE, page, "next"), nil)
	if got := notes(page); !strings.HasPrefix(got, "Note 10,") {
		t.Fatalf("third page of 10: %s", got)
	}
	_, page = b.req("GET", hrefOf(t, prevRE, page, "previous"), nil)
	if got := notes(page); got != second || !strings.HasPrefix(got, "Note 20,") {
		t.Fatalf("back to the second page of 10: %s, want %s", got, second)
	}
	if r := rangeRE.FindStringSubmatch(page); r == nil || r[1] != "11–20 of 30" {
		t.Fatalf("range of the second page of 10: %v", r)
	}
	if resp, page := b.req("GET", "/notifications?cursor=x9", nil); resp.StatusCode != 422 || !strings.Contains(page, "cursor") {
		t.Fatalf("bad cursor: %d %s", resp.StatusCode, page)
	}
}

var keyRowRE = regexp.MustCompile(`<tr><td>([^<]+)</td><td><code>`)

// TestAPIKeysTable: a whole list held in memory sorts by its headers too.
func TestAPIKeysTable(t *testing.T) {
	f := newFixture(t)
	admin := f.users["partner-admin"]
	for _, n := range []string{"beta sync", "Alpha CRM", "gamma"} {
		if _, _, err := f.svc.CreateAPIKey(context.Background(), admin, n, "viewer"); err != nil {
			t.Fatal(err)
		}
	}
	b := f.browser()
	b.login("partner-admin@acme.example", pw)
	keys := func(path string) string {
		_, page := b.req("GET", path, nil)
		var out []string
		for _, m := range keyRowRE.FindAllStringSubmatch(page, -1) {
			out = append(out, m[1])
		}
		return strings.Join(out, ",")
	}
	if got := keys("/api-keys?sort=name"); got != "Alpha CRM,beta sync,gamma,partner key" {
		t.Fatalf("by name: %s", got)
	}
	if got := keys("/api-keys?sort=-name"); got != "partner key,gamma,beta sync,Alpha CRM" {
		t.Fatalf("by name, reversed: %s", got)
	}
	if got := keys("/api-keys"); got != "partner key,beta sync,Alpha CRM,gamma" {
		t.Fatalf("as made: %s", got)
	}
}

var orgRowRE = regexp.MustCompile(`<tr><td><a href="/organizations/\d+">([^<]+)</a>`)

// TestOrganizationsPages: a list ordered by id oldest first pages both ways.
func TestOrganizationsPages(t *testing.T) {
	f := newFixture(t)
	va := f.users["vendor-admin"]
	for i := 1; i <= 12; i++ {
		name, kind := fmt.Sprintf("Org %02d", i), "reseller"
		if _, err := f.svc.CreateOrganization(context.Background(), va, partners.OrganizationInput{Name: &name, Kind: &kind}); err != nil {
			t.Fatal(err)
		}
	}
	b := f.browser()
	b.login("vendor-admin@acme.example", pw)
	orgs := func(page string) string {
		var out []string
		for _, m := range orgRowRE.FindAllStringSubmatch(page, -1) {
			out = append(out, m[1])
		}
		return strings.Join(out, ",")
	}
	_, page := b.req("GET", "/organizations?limit=5", nil)
	first := orgs(page)
	if !strings.HasPrefix(first, "Acme,Rio Revenda,Org 01") {
		t.Fatalf("first page: %s", first)
	}
	_, page = b.req("GET", hrefOf(t, nextRE, page, "next"), nil)
	second := orgs(page)
	if second != "Org 04,Org 05,Org 06,Org 07,Org 08" {
		t.Fatalf("second page: %s", second)
	}
	_, page = b.req("GET", hrefOf(t, nextRE, page, "next"), nil)
	if got := orgs(page); got != "Org 09,Org 10,Org 11,Org 12" || nextRE.MatchString(page) {
		t.Fatalf("last page: %s", got)
	}
	_, page = b.req("GET", hrefOf(t, prevRE, page, "previous"), nil)
	if got := orgs(page); got != second {
		t.Fatalf("back: %s, want %s", got, second)
	}
	if r := rangeRE.FindStringSubmatch(page); r == nil || r[1] != "6–10 of 14" {
		t.Fatalf("range: %v", r)
	}
	_, page = b.req("GET", hrefOf(t, prevRE, page, "previous"), nil)
	if got := orgs(page); got != first {
		t.Fatalf("back to the first: %s, want %s", got, first)
	}
}
