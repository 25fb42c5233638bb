package web_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/partners"
)

// postMultipart posts the import form with fields and a file, as a browser
// does, and returns the answer.
func (b *browser) postMultipart(t *testing.T, fields map[string]string, filename string, data []byte) *http.Response {
	t.Helper()
	_, page := b.req("GET", "/accounts/import", nil)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("_csrf", csrfOf(t, page))
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write(data)
	mw.Close()
	req := httptest.NewRequest("POST", "/accounts/import", &body)
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
	return resp
}

// TestImportUploadPRG: a rejected upload answers 303 back to the form, which
// shows every value as sent (the kind, the mapping, the unticked preview box),
// the message beside its field with aria-invalid and aria-describedby, and the
// summary on top; a reload shows the form afresh and nothing was stored.
func TestImportUploadPRG(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.login("partner-sales@acme.example", pw)
	resp := b.postMultipart(t, map[string]string{"kind": "contacts", "mapping": `{"Web":`}, "crm.csv", []byte("account,name\nx.example,Ana\n"))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/accounts/import#error-summary" {
		t.Fatalf("a bad mapping: %d to %q, want 303 back to the form", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page := b.req("GET", "/accounts/import", nil)
	for _, want := range []string{
		`<option value="contacts" selected>`,
		`value="{&#34;Web&#34;:"`,
		`id="import-mapping-error"`,
		`aria-invalid="true"`,
		`aria-describedby="import-mapping-error import-mapping-hint"`,
		`id="error-summary"`,
		`href="#import-mapping"`,
	} {
		if !strings.Contains(page, want) {
			t.Fatalf("the rejected form lacks %s: %s", want, page)
		}
	}
	if strings.Contains(page, `name="dry_run" value="true" checked`) {
		t.Error("the preview box was sent unticked and comes back ticked")
	}
	if _, again := b.req("GET", "/accounts/import", nil); strings.Contains(again, "error-summary") || !strings.Contains(again, `name="dry_run" value="true" checked`) {
		t.Error("a reload shows the refusal again, or not the form afresh")
	}
	var n int
	if err := f.d.Owner.Get(&n, `SELECT count(*) FROM imports`); err != nil || n != 0 {
		t.Fatalf("a refused upload stored %d imports (%v)", n, err)
	}
	// A good upload goes to its import; a reload of that page makes no other.
	resp = b.postMultipart(t, map[string]string{"kind": "accounts", "dry_run": "true"}, "ok.csv", []byte("name,domains\nBoa,boa.example\n"))
	if resp.StatusCode != http.StatusSeeOther || !importLink.MatchString(resp.Header.Get("Location")) {
		t.Fatalf("a good upload: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	b.req("GET", resp.Header.Get("Location"), nil)
	b.req("GET", resp.Header.Get("Location"), nil)
	if err := f.d.Owner.Get(&n, `SELECT count(*) FROM imports`); err != nil || n != 1 {
		t.Fatalf("after an upload and two reloads: %d imports (%v)", n, err)
	}
}

// TestTwoFactorStartPRG: starting a set-up answers 303 to the settings page,
// which shows the key kept aside; reloading shows the same key (no new one),
// and a wrong code comes back beside the code field with the set-up still
// there.
func TestTwoFactorStartPRG(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.login("partner-viewer@acme.example", pw)
	_, page := b.req("GET", "/settings/two-factor", nil)
	resp, _ := b.req("POST", "/settings/two-factor/start", url.Values{"_csrf": {csrfOf(t, page)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start: %d, want 303", resp.StatusCode)
	}
	_, page = b.req("GET", "/settings/two-factor", nil)
	m := totpSecretRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no key after the redirect: %s", page)
	}
	_, again := b.req("GET", "/settings/two-factor", nil)
	if m2 := totpSecretRE.FindStringSubmatch(again); m2 == nil || m2[1] != m[1] {
		t.Fatalf("a reload shows another key (or none): %v, want %s", m2, m[1])
	}
	resp, _ = b.req("POST", "/settings/two-factor/confirm", url.Values{"_csrf": {csrfOf(t, page)}, "code": {"000000"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a wrong code: %d", resp.StatusCode)
	}
	_, page = b.req("GET", "/settings/two-factor", nil)
	if m2 := totpSecretRE.FindStringSubmatch(page); m2 == nil || m2[1] != m[1] || !strings.Contains(page, `id="two-factor-code-code-error"`) || !strings.Contains(page, `value="000000"`) {
		t.Fatalf("after a wrong code: the set-up, the message beside the field and the typed code: %s", page)
	}
}

// TestOrganizationReinviteAsks: on an organization's page, the vendor's
// manager's "new invite link" for a pending first admin is a link to a
// confirmation page naming the address, whose form sends the new link; a
// partner's admin cannot open it.
func TestOrganizationReinviteAsks(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	va, vm := f.users["vendor-admin"], f.users["vendor-manager"]
	name, kind := "Nova Parceira", "reseller"
	o, err := f.svc.CreateOrganization(ctx, va, partners.OrganizationInput{Name: &name, Kind: &kind})
	if err != nil {
		t.Fatal(err)
	}
	u, _, err := f.svc.Invite(ctx, vm, partners.InviteInput{Email: "first@nova.example", Name: "Primeira", Role: "admin", Org: o.ID})
	if err != nil {
		t.Fatal(err)
	}
	b := f.browser()
	b.login("vendor-manager@acme.example", pw)
	orgPath := fmt.Sprintf("/organizations/%d", o.ID)
	_, page := b.req("GET", orgPath, nil)
	renew := fmt.Sprintf("/users/%d/invite/renew", u.ID)
	if !strings.Contains(page, `href="`+renew+`"`) {
		t.Fatalf("no link to the confirmation: %s", page)
	}
	if strings.Contains(page, `<input type="hidden" name="email" value="first@nova.example">`) {
		t.Fatal("the organization's page still sends a new link without asking")
	}
	resp, page := b.req("GET", renew, nil)
	if resp.StatusCode != 200 || !strings.Contains(page, "Send first@nova.example a new invite link?") ||
		!strings.Contains(page, `action="`+orgPath+`/users"`) || !strings.Contains(page, `name="email" value="first@nova.example"`) {
		t.Fatalf("the confirmation: %d %s", resp.StatusCode, page)
	}
	var before []byte
	if err := f.d.Owner.Get(&before, `SELECT invite_hash FROM users WHERE id = $1`, u.ID); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"_csrf": {csrfOf(t, page)}}
	for _, k := range []string{"email", "name", "role"} {
		m := fmt.Sprintf(`name="%s" value="`, k)
		i := strings.Index(page, m)
		if i < 0 {
			t.Fatalf("no %s in the confirmation's form", k)
		}
		v := page[i+len(m):]
		form.Set(k, v[:strings.IndexByte(v, '"')])
	}
	resp, _ = b.req("POST", orgPath+"/users", form)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != orgPath {
		t.Fatalf("confirmed: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, page = b.req("GET", orgPath, nil); !strings.Contains(page, "http://hub.test/invite/") {
		t.Fatalf("the new link is not shown: %s", page)
	}
	var after []byte
	if err := f.d.Owner.Get(&after, `SELECT invite_hash FROM users WHERE id = $1`, u.ID); err != nil || bytes.Equal(before, after) {
		t.Fatalf("the invite link did not change (%v)", err)
	}
	p := f.browser()
	p.login("partner-admin@acme.example", pw)
	if resp, _ := p.req("GET", renew, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a partner's admin opens the vendor's confirmation: %d", resp.StatusCode)
	}
}
