package web_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/partnerhub/partnerhub/internal/web"
)

var stampRE = regexp.MustCompile(`name="ts" value="[0-9]+\.[0-9a-f]{32}"`)

// leadFormPost posts a public lead form the way another site's page would:
// no cookies, no CSRF token.
func leadFormPost(t *testing.T, srv *web.Server, path string, form url.Values, lang string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := srv.App.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// leadCount is how many leads the API key's organization sees, and the last
// one.
func (f *fixture) leadCount(key string) (int, map[string]any) {
	f.t.Helper()
	resp, m := f.api("GET", "/api/v1/leads", key, "")
	if resp.StatusCode != 200 {
		f.t.Fatalf("list leads: %d %v", resp.StatusCode, m)
	}
	data := m["data"].([]any)
	if len(data) == 0 {
		return 0, nil
	}
	return len(data), data[0].(map[string]any)
}

// A promotion's public lead form (issue 19, item 3): only its owner gets the
// form's address and snippet; a draft has no public form; bad input comes
// back beside its fields and stores nothing; the honeypot, a post without a
// render time (the snippet's) and a too-fast post store nothing; a good post
// from another site (no CSRF token, a visitor's session ignored) makes one
// vendor lead naming the promotion and the consent, and thanks the person
// (PRG); a partner's promotion's lead is offered to that partner; an ended
// promotion takes no more.
func TestPromotionLeadForm(t *testing.T) {
	f := newFixture(t)
	p, v := f.keys["partner"], f.keys["vendor"]
	network := f.users["vendor-admin"].Network
	resp, m := f.api("POST", "/api/v1/promotions", v, `{"title":"Winter webinar","offer":"Free trial for 60 days","starts_on":"2031-06-01","ends_on":"2031-08-31"}`)
	wantStatus(t, "create", resp, m, 201, "")
	id := int64(m["id"].(float64))
	path := fmt.Sprintf("/api/v1/promotions/%d", id)
	token := f.srv.LeadFormToken(network, id)
	form := "/lead-forms/" + token

	// A draft has no public form, and its owner gets none yet.
	resp, m = f.api("GET", path+"/lead-form", v, "")
	wantStatus(t, "lead form of a draft", resp, m, 409, "")
	if r := f.do(httptest.NewRequest("GET", form, nil)); r.StatusCode != 404 {
		t.Fatalf("a draft's public form: %d", r.StatusCode)
	}
	resp, m = f.api("POST", path+"/publish", v, "")
	wantStatus(t, "publish", resp, m, 200, "")
	resp, m = f.api("GET", path+"/lead-form", p, "")
	wantStatus(t, "a partner gets the vendor's form", resp, m, 403, "")
	resp, m = f.api("GET", path+"/lead-form?lang=xx", v, "")
	wantStatus(t, "unknown language", resp, m, 422, "lang")
	resp, m = f.api("GET", path+"/lead-form?lang=pt-BR", v, "")
	wantStatus(t, "lead form", resp, m, 200, "")
	snippet := m["snippet"].(string)
	if m["url"] != "http://hub.test"+form || m["accepting"] != true || !strings.Contains(snippet, `action="http://hub.test`+form+`"`) ||
		!strings.Contains(snippet, `name="consent"`) || !strings.Contains(snippet, `name="website"`) || !strings.Contains(snippet, "Concordo que Acme") ||
		strings.Contains(snippet, "_csrf") {
		t.Fatalf("lead form: %v", m)
	}
	// A forged or unknown token is not found.
	for _, bad := range []string{fmt.Sprintf("%d-%d-00000000000000000000000000000000", network, id), fmt.Sprintf("%d-%d", network, id), "x"} {
		if r := f.do(httptest.NewRequest("GET", "/lead-forms/"+bad, nil)); r.StatusCode != 404 {
			t.Fatalf("token %q: %d", bad, r.StatusCode)
		}
	}

	// The hosted page needs no sign-in, in both languages.
	req := httptest.NewRequest("GET", form, nil)
	req.Header.Set("Accept-Language", "pt-BR")
	r := f.do(req)
	page, _ := io.ReadAll(r.Body)
	if r.StatusCode != 200 || !strings.Contains(string(page), "Winter webinar") || !strings.Contains(string(page), "Free trial for 60 days") ||
		!strings.Contains(string(page), "LGPD") || !strings.Contains(string(page), "Empresa") || !strings.Contains(string(page), `name="ts"`) {
		t.Fatalf("public page: %d %.600s", r.StatusCode, page)
	}

	old := f.srv.LeadFormStamp(token, time.Now().Add(-10*time.Second))
	good := func() url.Values {
		return url.Values{"company": {"Padaria São João"}, "contact_name": {"João"}, "email": {"joao@padaria.example"}, "region": {"BR"},
			"notes": {"Preços?"}, "consent": {"yes"}, "ts": {old}, "lang": {"pt-BR"}}
	}
	// Bad input: every problem beside its field, what was typed kept, 422, nothing stored.
	bad := good()
	bad.Set("company", " ")
	bad.Set("email", "joao at padaria")
	bad.Del("consent")
	resp, body := leadFormPost(t, f.srv, form, bad, "")
	if resp.StatusCode != 422 {
		t.Fatalf("bad input: %d", resp.StatusCode)
	}
	for _, want := range []string{`id="lead-form-company-error"`, `id="lead-form-email-error"`, `id="lead-form-consent-error"`, `id="error-summary"`,
		`value="João"`, "Empresa: é obrigatório", `aria-invalid="true"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the rejected form lacks %q", want)
		}
	}
	if strings.Contains(body, `id="lead-form-contact_name-error"`) {
		t.Error("a good field is marked wrong")
	}
	// The honeypot is thanked, and nothing is stored.
	trap := good()
	trap.Set("website", "http://spam.example")
	if resp, _ := leadFormPost(t, f.srv, form, trap, ""); resp.StatusCode != 303 || resp.Header.Get("Location") != form+"/thanks" {
		t.Fatalf("honeypot: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The snippet's post (no render time) and a post right after the page was
	// drawn come back filled in, to send again.
	for name, ts := range map[string]string{"snippet": "", "too fast": f.srv.LeadFormStamp(token, time.Now()), "forged": "1.00"} {
		in := good()
		in.Set("ts", ts)
		resp, body := leadFormPost(t, f.srv, form, in, "")
		if resp.StatusCode != 200 || !strings.Contains(body, `id="lead-form-confirm"`) || !strings.Contains(body, `value="Padaria São João"`) ||
			!strings.Contains(body, `checked`) || !stampRE.MatchString(body) {
			t.Fatalf("%s: %d %.400s", name, resp.StatusCode, body)
		}
	}
	if n, _ := f.leadCount(v); n != 0 {
		t.Fatalf("%d leads stored by refused posts", n)
	}

	// A good post from another site, riding on a signed-in visitor's cookies
	// without a CSRF token: one lead of the vendor's, no one's own.
	b := f.browser()
	if resp := b.login("partner-admin@acme.example", pw); resp.StatusCode != 303 {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	resp, _ = b.req("POST", form, good())
	if resp.StatusCode != 303 || resp.Header.Get("Location") != form+"/thanks" {
		t.Fatalf("sign-up: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body = b.req("GET", form+"/thanks", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "Winter webinar") {
		t.Fatalf("thanks: %d", resp.StatusCode)
	}
	n, lead := f.leadCount(v)
	if n != 1 || lead["company"] != "Padaria São João" || lead["email"] != "joao@padaria.example" || lead["promotion_id"] != float64(id) ||
		lead["owner_user_id"] != nil || lead["assignment"] != "pool" || !strings.Contains(fmt.Sprint(lead["consent_text"]), "Concordo que Acme") ||
		lead["consent_at"] == nil {
		t.Fatalf("the captured lead: %d %v", n, lead)
	}
	if n, _ := f.leadCount(p); n != 0 {
		t.Fatalf("the signed-in visitor's organization sees %d leads", n)
	}

	// A partner's promotion: the form names both, and the lead is offered to the partner.
	resp, m = f.api("POST", "/api/v1/promotions", p, `{"title":"Rio roadshow","starts_on":"2031-06-01","ends_on":"2031-08-31"}`)
	wantStatus(t, "partner's promotion", resp, m, 201, "")
	pid := int64(m["id"].(float64))
	resp, m = f.api("POST", fmt.Sprintf("/api/v1/promotions/%d/publish", pid), p, "")
	wantStatus(t, "publish partner's", resp, m, 200, "")
	resp, m = f.api("GET", fmt.Sprintf("/api/v1/promotions/%d/lead-form", pid), v, "")
	wantStatus(t, "the vendor gets a partner's form", resp, m, 403, "")
	resp, m = f.api("GET", fmt.Sprintf("/api/v1/promotions/%d/lead-form", pid), p, "")
	wantStatus(t, "the partner's form", resp, m, 200, "")
	if s := m["snippet"].(string); !strings.Contains(s, "shares them with Rio Revenda") {
		t.Fatalf("partner's snippet: %s", s)
	}
	ptoken := f.srv.LeadFormToken(network, pid)
	in := good()
	in.Set("ts", f.srv.LeadFormStamp(ptoken, time.Now().Add(-time.Minute)))
	in.Set("company", "Roadshow Visitor")
	if resp, body := leadFormPost(t, f.srv, "/lead-forms/"+ptoken, in, ""); resp.StatusCode != 303 {
		t.Fatalf("partner's form: %d %.300s", resp.StatusCode, body)
	}
	n, lead = f.leadCount(p)
	if n != 1 || lead["company"] != "Roadshow Visitor" || lead["assignment"] != "offered" || lead["promotion_id"] != float64(pid) {
		t.Fatalf("the partner's offered lead: %d %v", n, lead)
	}

	// An ended promotion takes no more sign-ups.
	for _, step := range []string{"activate", "end"} {
		resp, m = f.api("POST", path+"/"+step, v, "")
		wantStatus(t, step, resp, m, 200, "")
	}
	if resp, body := leadFormPost(t, f.srv, form, good(), ""); resp.StatusCode != 410 || !strings.Contains(body, `id="lead-form-closed"`) {
		t.Fatalf("ended: %d", resp.StatusCode)
	}
	if n, _ := f.leadCount(v); n != 2 {
		t.Fatalf("%d vendor leads after the ended promotion's post, want 2", n)
	}
}

// The public form's rate limits: per client address and per promotion, over
// the hub's shared counter; a refused post is a 429 with Retry-After and
// stores nothing.
func TestPromotionLeadFormRateLimits(t *testing.T) {
	f := newFixture(t)
	v := f.keys["vendor"]
	network := f.users["vendor-admin"].Network
	promotion := func(title string) string {
		resp, m := f.api("POST", "/api/v1/promotions", v, `{"title":"`+title+`","starts_on":"2031-06-01","ends_on":"2031-08-31"}`)
		wantStatus(t, "create", resp, m, 201, "")
		id := int64(m["id"].(float64))
		resp, m = f.api("POST", fmt.Sprintf("/api/v1/promotions/%d/publish", id), v, "")
		wantStatus(t, "publish", resp, m, 200, "")
		return f.srv.LeadFormToken(network, id)
	}
	server := func(perAddress, perPromotion int) *web.Server {
		return web.New(web.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), Dev: true, BaseURL: "http://hub.test",
			LeadFormLimit: perAddress, LeadFormPromotionLimit: perPromotion, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, f.d.App)
	}
	post := func(srv *web.Server, token, company string) *http.Response {
		resp, _ := leadFormPost(t, srv, "/lead-forms/"+token, url.Values{"company": {company}, "contact_name": {"Ana"}, "email": {"ana@example.com"},
			"consent": {"yes"}, "ts": {srv.LeadFormStamp(token, time.Now().Add(-time.Minute))}}, "")
		return resp
	}
	// Per address: three posts an hour.
	one := promotion("Address limit")
	srv := server(3, 1000)
	for i := range 3 {
		if resp := post(srv, one, fmt.Sprintf("Company %d", i)); resp.StatusCode != 303 {
			t.Fatalf("post %d: %d", i, resp.StatusCode)
		}
	}
	resp := post(srv, one, "Refused Company")
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("fourth post from one address: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Per promotion, whatever the address: two posts an hour of another one.
	two := promotion("Promotion limit")
	srv = server(1000, 2)
	for i := range 2 {
		if resp := post(srv, two, fmt.Sprintf("Second %d", i)); resp.StatusCode != 303 {
			t.Fatalf("post %d: %d", i, resp.StatusCode)
		}
	}
	if resp := post(srv, two, "Refused Too"); resp.StatusCode != 429 {
		t.Fatalf("third post to one promotion: %d", resp.StatusCode)
	}
	if resp := post(srv, promotion("Third"), "Other Promotion"); resp.StatusCode != 303 {
		t.Fatalf("another promotion's form, limited apart: %d", resp.StatusCode)
	}
	n, _ := f.leadCount(v)
	if n != 6 {
		t.Fatalf("%d leads, want the 6 admitted posts' (refused posts store nothing)", n)
	}
}
