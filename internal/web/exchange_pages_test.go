package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/exchange/interchange"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

// postInterchange uploads a file on the Exchange log page's form as a browser
// does (multipart, with the form's CSRF token), keeping the cookies.
func (b *browser) postInterchange(t *testing.T, filename string, data []byte) *http.Response {
	t.Helper()
	_, page := b.req("GET", "/exchange/interchanges", nil)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("_csrf", csrfOf(t, page))
	mw.WriteField("profile", "")
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write(data)
	mw.Close()
	req := httptest.NewRequest("POST", "/exchange/interchanges", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
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
	io.Copy(io.Discard, resp.Body)
	return resp
}

var interchangeLink = regexp.MustCompile(`^/exchange/interchanges/(\d+)$`)

// An admin adds a trading-partner profile through the portal (a broken guide
// comes back with every typed value and the message beside the guides),
// uploads an 816 (303 to its page; a reload or a second post of the same file
// stores nothing more), and after processing reads its sets and downloads the
// acknowledgment and the original. Another organization's admin gets 404 for
// the interchange, its downloads and the profile's form.
func TestExchangePages(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b := f.browser()
	b.login("vendor-admin@acme.example", pw)

	_, page := b.req("GET", "/exchange/profiles/new", nil)
	form := url.Values{"_csrf": {csrfOf(t, page)}, "name": {"Acme Distribution EDI"}, "format": {"X12"}, "partner_qualifier": {"ZZ"}, "partner_id": {"ACMEDIST"},
		"own_qualifier": {"ZZ"}, "own_id": {"PARTNERHUB"}, "version": {"00501"}, "ack": {"997"}, "ta1_duplicates": {"false"}, "guides": {`[{"set": `}}
	resp, _ := b.req("POST", "/exchange/profiles", form)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/exchange/profiles/new") {
		t.Fatalf("broken guides: %d to %q, want 303 back to the form", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = b.req("GET", "/exchange/profiles/new", nil)
	for _, want := range []string{`id="profile-guides-error"`, "JSON array of implementation conventions", `value="ACMEDIST"`, `value="Acme Distribution EDI"`,
		`>[{&#34;set&#34;: </textarea>`, `<option value="997" selected>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the rejected profile form lacks %s", want)
		}
	}
	var n int
	if err := f.d.Owner.Get(&n, `SELECT count(*) FROM exchange_profiles`); err != nil || n != 0 {
		t.Fatalf("a rejected profile stored %d rows (%v)", n, err)
	}
	form["guides"] = []string{""}
	form["_csrf"] = []string{csrfOf(t, page)}
	resp, _ = b.req("POST", "/exchange/profiles", form)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/exchange/profiles" {
		t.Fatalf("profile: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = b.req("GET", "/exchange/profiles", nil)
	profileLink := regexp.MustCompile(`href="(/exchange/profiles/\d+)"`).FindStringSubmatch(page)
	if !strings.Contains(page, "Trading-partner profile “Acme Distribution EDI” added.") || profileLink == nil {
		t.Fatalf("the profiles page does not show the new profile: %s", page)
	}

	// The edit form shows the profile; a rejected change keeps what was
	// typed and changes nothing; a good one renames it.
	_, page = b.req("GET", profileLink[1], nil)
	if !strings.Contains(page, `value="Acme Distribution EDI"`) || !strings.Contains(page, `action="`+profileLink[1]+`"`) {
		t.Fatalf("the profile's edit form does not show it: %s", page)
	}
	form["_csrf"] = []string{csrfOf(t, page)}
	form["name"], form["delimiters"] = []string{"Acme Distribution (X12)"}, []string{"*:"}
	resp, _ = b.req("POST", profileLink[1], form)
	if !strings.HasPrefix(resp.Header.Get("Location"), profileLink[1]) {
		t.Fatalf("bad delimiters: %d to %q, want back to the edit form", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = b.req("GET", profileLink[1], nil)
	if !strings.Contains(page, `id="profile-delimiters-error"`) || !strings.Contains(page, `value="Acme Distribution (X12)"`) {
		t.Errorf("the rejected edit lost its values or message")
	}
	var name string
	if err := f.d.Owner.Get(&name, `SELECT name FROM exchange_profiles`); err != nil || name != "Acme Distribution EDI" {
		t.Errorf("a rejected edit changed the profile: %q (%v)", name, err)
	}
	form["_csrf"], form["delimiters"] = []string{csrfOf(t, page)}, []string{""}
	if resp, _ = b.req("POST", profileLink[1], form); resp.Header.Get("Location") != "/exchange/profiles" {
		t.Fatalf("edit: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if err := f.d.Owner.Get(&name, `SELECT name FROM exchange_profiles`); err != nil || name != "Acme Distribution (X12)" {
		t.Errorf("the edit did not rename the profile: %q (%v)", name, err)
	}

	// The log is empty and says what to do.
	_, page = b.req("GET", "/exchange/interchanges", nil)
	if !strings.Contains(page, "No interchanges yet.") {
		t.Errorf("the empty log does not say what to do")
	}
	resp = b.postInterchange(t, "acme-816.edi", []byte(matrix816))
	m := interchangeLink.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("upload: %d to %q, want 303 to the interchange", resp.StatusCode, resp.Header.Get("Location"))
	}
	icPage := m[0]
	_, page = b.req("GET", icPage, nil)
	if !strings.Contains(page, "Interchange “acme-816.edi” received") {
		t.Errorf("the interchange page does not say it was received")
	}
	// A reload, and the form posted again, store nothing more.
	b.req("GET", icPage, nil)
	resp = b.postInterchange(t, "acme-816.edi", []byte(matrix816))
	if resp.Header.Get("Location") != icPage {
		t.Errorf("the same file again leads to %q, want %q", resp.Header.Get("Location"), icPage)
	}
	var jobs int
	if err := f.d.Owner.Get(&n, `SELECT count(*) FROM exchange_interchanges`); err != nil || n != 1 {
		t.Fatalf("after a reload and a second post: %d interchanges (%v), want 1", n, err)
	}
	if err := f.d.Owner.Get(&jobs, `SELECT count(*) FROM jobs WHERE kind = $1`, interchange.JobKind); err != nil || jobs != 1 {
		t.Errorf("after a reload and a second post: %d processing jobs (%v), want 1", jobs, err)
	}

	// Processed, the page shows its set and the ack and original download.
	as := &accounts.Service{DB: f.d.App, Partners: f.svc}
	ex := interchange.New(f.d.App, as.ImportFamilies(), interchange.AccountMappings()...)
	var id int64
	f.d.Owner.Get(&id, `SELECT id FROM exchange_interchanges`)
	if err := ex.Process(ctx, f.users["vendor-admin"], id); err != nil {
		t.Fatal(err)
	}
	_, page = b.req("GET", icPage, nil)
	for _, want := range []string{">Processed<", "Set 816, control 0001", "1 of 1 accepted", icPage + "/ack.edi", icPage + "/original.edi"} {
		if !strings.Contains(page, want) {
			t.Errorf("the processed interchange's page lacks %q: %s", want, page)
		}
	}
	resp, body := b.req("GET", icPage+"/ack.edi", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "ST*997*") {
		t.Errorf("ack download: %d %.200s", resp.StatusCode, body)
	}
	resp, body = b.req("GET", icPage+"/original.edi", nil)
	if resp.StatusCode != 200 || body != matrix816 {
		t.Errorf("original download: %d %.200s", resp.StatusCode, body)
	}
	_, page = b.req("GET", "/exchange/interchanges?state=failed", nil)
	if !strings.Contains(page, "Nothing matches these filters.") || strings.Contains(page, `href="`+icPage+`"`) {
		t.Errorf("the failed filter shows the processed interchange, or no empty state")
	}
	_, page = b.req("GET", "/exchange/interchanges?state=processed", nil)
	if !strings.Contains(page, `href="`+icPage+`"`) {
		t.Errorf("the processed filter hides the interchange")
	}

	// Another organization's admin.
	other := f.browser()
	other.login("partner-admin@acme.example", pw)
	for _, path := range []string{icPage, icPage + "/ack.edi", icPage + "/original.edi", profileLink[1]} {
		if resp, _ := other.req("GET", path, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another organization's admin: GET %s = %d, want 404", path, resp.StatusCode)
		}
	}
	_, page = other.req("GET", "/exchange/interchanges", nil)
	if strings.Contains(page, `href="`+icPage+`"`) {
		t.Errorf("another organization's log lists the interchange")
	}
	_, page = other.req("GET", "/exchange/profiles", nil)
	resp, _ = other.req("POST", profileLink[1], url.Values{"_csrf": {csrfOf(t, page)}, "name": {"Taken"}, "format": {"X12"}, "partner_id": {"X"}})
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("another organization's admin changing the profile: %d, want 404", resp.StatusCode)
	}
	// A sales user of the owner may not open the Exchange pages.
	sales := f.browser()
	sales.login("vendor-sales@acme.example", pw)
	if resp, _ := sales.req("GET", icPage, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a sales user: GET %s = %d, want 403", icPage, resp.StatusCode)
	}
}

// A webhook's signing secret is shown once: on the page the form leads to,
// and neither on a reload nor in the list.
func TestExchangeWebhookSecretShownOnce(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.login("vendor-admin@acme.example", pw)
	_, page := b.req("GET", "/exchange/webhooks", nil)
	if !strings.Contains(page, "No webhooks yet.") {
		t.Errorf("the empty webhooks page does not say what to do")
	}
	resp, _ := b.req("POST", "/exchange/webhooks", url.Values{"_csrf": {csrfOf(t, page)}, "url": {"ftp://nope.example"}, "events": {"interchange.processed"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("bad URL: %d", resp.StatusCode)
	}
	_, page = b.req("GET", "/exchange/webhooks", nil)
	if !strings.Contains(page, `id="webhook-new-url-error"`) || !strings.Contains(page, `value="ftp://nope.example"`) || !strings.Contains(page, `value="interchange.processed" checked`) {
		t.Errorf("the rejected webhook form lost its values or message")
	}
	resp, _ = b.req("POST", "/exchange/webhooks", url.Values{"_csrf": {csrfOf(t, page)}, "url": {"https://crm.example/hook"}, "events": {"interchange.processed"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/exchange/webhooks" {
		t.Fatalf("webhook: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = b.req("GET", "/exchange/webhooks", nil)
	secret := regexp.MustCompile(`whsec_[0-9a-f]{64}`).FindString(page)
	if secret == "" {
		t.Fatalf("the secret is not shown after the webhook is made")
	}
	_, page = b.req("GET", "/exchange/webhooks", nil)
	if strings.Contains(page, secret) || !strings.Contains(page, "https://crm.example/hook") {
		t.Errorf("a reload shows the secret again, or not the webhook")
	}
	link := regexp.MustCompile(`href="(/exchange/webhooks/\d+)"`).FindStringSubmatch(page)
	if link == nil {
		t.Fatal("no link to the webhook's deliveries")
	}
	if _, page = b.req("GET", link[1], nil); !strings.Contains(page, "Nothing sent to this URL yet") {
		t.Errorf("the deliveries page's empty state is missing")
	}
	other := f.browser()
	other.login("partner-admin@acme.example", pw)
	if resp, _ := other.req("GET", link[1], nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another organization's admin: GET %s = %d, want 404", link[1], resp.StatusCode)
	}
}
