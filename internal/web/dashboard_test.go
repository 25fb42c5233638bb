package web_test

import (
	"context"
	"encoding/csv"
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The dashboard says what to do next, per role, with counts that mean what they
// say; the vendor sees its network as a chart with its numbers in words; the
// audit log reads as sentences in the reader's language, filters, and exports
// exactly what it shows.
func TestDashboardNextStepsAndAuditSentences(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()

	partner := f.browser()
	partner.login("partner-admin@acme.example", pw)
	_, page := partner.req("GET", "/", nil)
	page = html.UnescapeString(page)
	if !strings.Contains(page, "No partnership yet: your vendor's invitation will appear under Partners") {
		t.Errorf("a partner without partnerships is not told what comes next:\n%s", page)
	}
	if strings.Contains(page, "partner organizations in the network") {
		t.Error("a partner sees the vendor's network count")
	}

	if _, err := f.svc.InvitePartner(ctx, f.users["vendor-admin"], f.partner); err != nil {
		t.Fatal(err)
	}
	_, page = partner.req("GET", "/", nil)
	page = html.UnescapeString(page)
	if !strings.Contains(page, `<a href="/partners">Partnership invitations waiting for your answer: 1</a>`) {
		t.Errorf("the invitation to answer is not the next step:\n%s", page)
	}
	// The navigation carries the unread count, the same as the dashboard's.
	nav := regexp.MustCompile(`<span class="count">(\d+)<span class="visually-hidden"> unread</span></span>`).FindStringSubmatch(page)
	if nav == nil || !strings.Contains(page, "Unread notifications: "+nav[1]+"</a>") || nav[1] == "0" {
		t.Errorf("navigation unread count %v does not match the dashboard's:\n%s", nav, page)
	}
	partner.cookies["ph_lang"] = "pt-BR"
	_, page = partner.req("GET", "/", nil)
	if !strings.Contains(html.UnescapeString(page), "Convites de parceria aguardando sua resposta: 1") {
		t.Errorf("next step not in Portuguese:\n%s", page)
	}

	vendor := f.browser()
	vendor.login("vendor-admin@acme.example", pw)
	_, page = vendor.req("GET", "/", nil)
	page = html.UnescapeString(page)
	for _, want := range []string{`<img src="data:image/svg+xml;base64,`, `alt="Partner organizations by kind: reseller: 1"`, "partner organizations in the network"} {
		if !strings.Contains(page, want) {
			t.Errorf("vendor dashboard lacks %q:\n%s", want, page)
		}
	}

	// The audit log: sentences with links, filters, and an export of the same.
	_, page = vendor.req("GET", "/audit", nil)
	page = html.UnescapeString(page)
	invited := "vendor-admin@acme.example invited organization " + strconv.FormatInt(f.partner, 10) + " to partner"
	for _, want := range []string{"vendor-admin@acme.example signed in", invited, `<a href="/partners/`} {
		if !strings.Contains(page, want) {
			t.Errorf("audit page lacks %q:\n%s", want, page)
		}
	}
	_, page = vendor.req("GET", "/audit?action=partnership.invite", nil)
	page = html.UnescapeString(page)
	if !strings.Contains(page, invited) || strings.Contains(page, "signed in</td>") {
		t.Errorf("action filter:\n%s", page)
	}
	_, page = vendor.req("GET", "/audit?action=user.login&from=2000-01-01&to=2000-01-31", nil)
	if !strings.Contains(page, "No entry matches these filters") {
		t.Errorf("an empty filtered log does not say so:\n%s", page)
	}
	resp, page := vendor.req("GET", "/audit?action=drop+table", nil)
	if resp.StatusCode != 422 || !strings.Contains(html.UnescapeString(page), `"drop table" is not an action of the audit log`) {
		t.Errorf("unknown action: %d\n%s", resp.StatusCode, page)
	}
	resp, body := vendor.req("GET", "/audit/export.csv?action=partnership.invite", nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) != 2 || rows[0][4] != "sentence" || rows[1][3] != "partnership.invite" || rows[1][4] != invited {
		t.Fatalf("export = %q, %v", rows, err)
	}
	// Only admins read the log.
	sales := f.browser()
	sales.login("vendor-sales@acme.example", pw)
	if resp, _ := sales.req("GET", "/audit/export.csv", nil); resp.StatusCode != 403 {
		t.Errorf("sales exported the audit log: %d", resp.StatusCode)
	}
}
