package web_test

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/partnerhub/partnerhub/internal/web"
)

func TestBadInputGetsProblems(t *testing.T) {
	f := newFixture(t)
	key := f.keys["vendor"]
	cases := []struct {
		name, method, path, body, ctype string
		status                          int
		field                           string
	}{
		{"malformed JSON", "POST", "/api/v1/organizations", `{"name": "A",`, "application/json", 422, "body"},
		{"not an object", "POST", "/api/v1/organizations", `[1,2]`, "application/json", 422, ""},
		{"unknown field", "POST", "/api/v1/organizations", `{"name":"A","kind":"reseller","colour":"red"}`, "application/json", 422, "colour"},
		{"wrong type", "POST", "/api/v1/organizations", `{"name":5,"kind":"reseller"}`, "application/json", 422, "name"},
		{"trailing data", "POST", "/api/v1/organizations", `{"name":"A","kind":"reseller"} {}`, "application/json", 422, "body"},
		{"empty body", "POST", "/api/v1/organizations", ``, "application/json", 422, ""},
		{"missing field", "POST", "/api/v1/organizations", `{"name":"A"}`, "application/json", 422, "kind"},
		{"bad enum", "POST", "/api/v1/organizations", `{"name":"A","kind":"pirate"}`, "application/json", 422, "kind"},
		{"wrong content type", "POST", "/api/v1/organizations", `name=A`, "application/x-www-form-urlencoded", 415, ""},
		{"bad id", "GET", "/api/v1/organizations/abc", ``, "", 422, "id"},
		{"negative id", "GET", "/api/v1/users/-4", ``, "", 422, "id"},
		{"unknown id", "GET", "/api/v1/organizations/999999", ``, "", 404, ""},
		{"bad cursor", "GET", "/api/v1/organizations?cursor=zzz", ``, "", 422, "cursor"},
		{"bad limit", "GET", "/api/v1/organizations?limit=5000", ``, "", 422, "limit"},
		{"bad filter", "GET", "/api/v1/organizations?kind=pirate", ``, "", 422, "kind"},
		{"unknown route", "GET", "/api/v1/nothing-here", ``, "", 404, ""},
		{"explain of an unregistered type", "GET", "/api/v1/access/explain?record=gizmo:1", ``, "", 422, "record"},
		{"explain without a type", "GET", "/api/v1/access/explain?record=1", ``, "", 422, "record"},
		{"explain of a bad id", "GET", "/api/v1/access/explain?record=account:x", ``, "", 422, "record"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
			if c.ctype != "" {
				req.Header.Set("Content-Type", c.ctype)
			}
			req.Header.Set("Authorization", "Bearer "+key)
			resp := f.do(req)
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, b)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("content type %q, want application/problem+json", ct)
			}
			var p map[string]any
			if err := json.Unmarshal(b, &p); err != nil {
				t.Fatalf("problem is not JSON: %s", b)
			}
			if p["status"].(float64) != float64(c.status) || p["detail"] == "" || p["title"] == "" {
				t.Fatalf("incomplete problem: %v", p)
			}
			if c.field != "" && p["field"] != c.field {
				t.Fatalf("problem names field %v, want %q: %v", p["field"], c.field, p)
			}
			if strings.Contains(string(b), "pq:") || strings.Contains(string(b), "goroutine") {
				t.Fatalf("problem leaks internals: %s", b)
			}
		})
	}
	// Nothing was created by all those failures.
	_, list := f.api("GET", "/api/v1/organizations", key, "")
	if n := len(list["data"].([]any)); n != 2 {
		t.Fatalf("%d organizations after failed creates, want the original 2", n)
	}
}

func TestCursorPagination(t *testing.T) {
	f := newFixture(t)
	key := f.keys["vendor"]
	for i := 0; i < 5; i++ {
		if resp, p := f.api("POST", "/api/v1/organizations", key, fmt.Sprintf(`{"name":"Partner %d","kind":"referral","tier":"gold","region":"EMEA"}`, i)); resp.StatusCode != 201 {
			t.Fatalf("create: %d %v", resp.StatusCode, p)
		}
	}
	var names []string
	path := "/api/v1/organizations?limit=3"
	pages := 0
	for path != "" {
		_, p := f.api("GET", path, key, "")
		pages++
		for _, o := range p["data"].([]any) {
			names = append(names, o.(map[string]any)["name"].(string))
		}
		path = ""
		if c, _ := p["next_cursor"].(string); c != "" {
			path = "/api/v1/organizations?limit=3&cursor=" + c
		}
	}
	if pages != 3 || len(names) != 7 {
		t.Fatalf("%d pages with %d organizations (%v), want 3 pages of 7", pages, len(names), names)
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Fatalf("%s listed twice", n)
		}
		seen[n] = true
	}
	_, p := f.api("GET", "/api/v1/organizations?kind=referral", key, "")
	if n := len(p["data"].([]any)); n != 5 {
		t.Fatalf("kind filter: %d, want 5", n)
	}
}

func TestIdempotencyKey(t *testing.T) {
	f := newFixture(t)
	key := f.keys["vendor"]
	body := `{"name":"Once Only","kind":"agency"}`
	r1, p1 := f.api("POST", "/api/v1/organizations", key, body, "Idempotency-Key", "abc-1")
	r2, p2 := f.api("POST", "/api/v1/organizations", key, body, "Idempotency-Key", "abc-1")
	if r1.StatusCode != 201 || r2.StatusCode != 201 || p1["id"] != p2["id"] || r2.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %v / %d %v", r1.StatusCode, p1, r2.StatusCode, p2)
	}
	r3, p3 := f.api("POST", "/api/v1/organizations", key, `{"name":"Other","kind":"agency"}`, "Idempotency-Key", "abc-1")
	if r3.StatusCode != 409 || p3["field"] != "Idempotency-Key" {
		t.Fatalf("same key, other body: %d %v, want 409", r3.StatusCode, p3)
	}
	_, list := f.api("GET", "/api/v1/organizations", key, "")
	if n := len(list["data"].([]any)); n != 3 {
		t.Fatalf("%d organizations, want 3 (one created once)", n)
	}
	// Keys are per organization: the partner's same key is its own.
	r4, _ := f.api("POST", "/api/v1/api-keys", f.keys["partner"], `{"name":"k","role":"viewer"}`, "Idempotency-Key", "abc-1")
	if r4.StatusCode != 201 {
		t.Fatalf("partner's own use of the key: %d", r4.StatusCode)
	}
}

// TestAccessMatrix is the foundation's access spec: each role, of the vendor and of
// a partner, against each API route, with the expected status.
func TestAccessMatrix(t *testing.T) {
	f := newFixture(t)
	vendorUser := f.users["vendor-sales"].User
	partnerUser := f.users["partner-sales"].User
	type want map[string]int // actor → status
	all := func(s int) want {
		return want{"vendor-admin": s, "vendor-manager": s, "vendor-sales": s, "vendor-viewer": s, "partner-admin": s, "partner-manager": s, "partner-sales": s, "partner-viewer": s}
	}
	adminsOnly := func(ok int) want {
		w := all(403)
		w["vendor-admin"], w["partner-admin"] = ok, ok
		return w
	}
	cases := []struct {
		method, path, body string
		want               want
	}{
		{"GET", "/api/v1/me", "", all(200)},
		{"GET", "/api/v1/organizations", "", all(200)},
		{"GET", fmt.Sprintf("/api/v1/organizations/%d", f.vendor), "", all(200)},
		{"POST", "/api/v1/organizations", `{"name":"New %s","kind":"reseller"}`, want{"vendor-admin": 201, "vendor-manager": 201, "vendor-sales": 403, "vendor-viewer": 403,
			"partner-admin": 403, "partner-manager": 403, "partner-sales": 403, "partner-viewer": 403}},
		{"PATCH", fmt.Sprintf("/api/v1/organizations/%d", f.partner), `{"tier":"gold"}`, want{"vendor-admin": 200, "vendor-manager": 200, "vendor-sales": 403, "vendor-viewer": 403,
			"partner-admin": 403, "partner-manager": 403, "partner-sales": 403, "partner-viewer": 403}},
		{"GET", "/api/v1/users", "", all(200)},
		{"GET", fmt.Sprintf("/api/v1/users?org_id=%d", f.vendor), "", want{"vendor-admin": 200, "vendor-manager": 200, "vendor-sales": 200, "vendor-viewer": 200,
			"partner-admin": 403, "partner-manager": 403, "partner-sales": 403, "partner-viewer": 403}},
		{"GET", fmt.Sprintf("/api/v1/users/%d", vendorUser), "", want{"vendor-admin": 200, "vendor-manager": 200, "vendor-sales": 200, "vendor-viewer": 200,
			"partner-admin": 404, "partner-manager": 404, "partner-sales": 404, "partner-viewer": 404}},
		{"GET", fmt.Sprintf("/api/v1/users/%d", partnerUser), "", want{"vendor-admin": 200, "vendor-manager": 200, "vendor-sales": 404, "vendor-viewer": 404,
			"partner-admin": 200, "partner-manager": 200, "partner-sales": 200, "partner-viewer": 200}},
		{"POST", "/api/v1/users", `{"email":"new-%s@acme.example","name":"N","role":"viewer"}`, adminsOnly(201)},
		{"PATCH", fmt.Sprintf("/api/v1/users/%d", partnerUser), `{"role":"sales"}`, want{"vendor-admin": 404, "vendor-manager": 403, "vendor-sales": 403, "vendor-viewer": 403,
			"partner-admin": 200, "partner-manager": 403, "partner-sales": 403, "partner-viewer": 403}},
		{"GET", "/api/v1/api-keys", "", adminsOnly(200)},
		{"POST", "/api/v1/api-keys", `{"name":"k-%s","role":"viewer"}`, adminsOnly(201)},
		{"GET", "/api/v1/notifications", "", all(200)},
		{"POST", "/api/v1/notifications/read", `{"ids":[]}`, all(200)},
		{"GET", "/api/v1/audit", "", adminsOnly(200)},
		{"GET", "/api/v1/jobs", "", adminsOnly(200)},
		{"POST", "/api/v1/jobs/999/retry", "", want{"vendor-admin": 404, "vendor-manager": 403, "vendor-sales": 403, "vendor-viewer": 403,
			"partner-admin": 404, "partner-manager": 403, "partner-sales": 403, "partner-viewer": 403}},
	}
	actors := make([]string, 0, len(f.users))
	for k := range f.users {
		actors = append(actors, k)
	}
	sort.Strings(actors)
	browsers, tokens := map[string]*browser{}, map[string]string{}
	for _, who := range actors {
		b := f.browser()
		if resp := b.login(who+"@acme.example", pw); resp.StatusCode != 303 {
			t.Fatalf("login %s: %d", who, resp.StatusCode)
		}
		_, page := b.req("GET", "/settings", nil)
		browsers[who], tokens[who] = b, csrfOf(t, page)
	}
	for _, c := range cases {
		for _, who := range actors {
			b, token := browsers[who], tokens[who]
			body := c.body
			if strings.Contains(body, "%s") {
				body = fmt.Sprintf(body, who)
			}
			req := httptest.NewRequest(c.method, c.path, strings.NewReader(body))
			if body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			req.Header.Set("X-CSRF-Token", token)
			for k, v := range b.cookies {
				req.AddCookie(&http.Cookie{Name: k, Value: v})
			}
			resp := f.do(req)
			if resp.StatusCode != c.want[who] {
				out, _ := io.ReadAll(resp.Body)
				t.Errorf("%s %s as %s: %d, want %d: %s", c.method, c.path, who, resp.StatusCode, c.want[who], out)
			}
		}
	}
}

// TestOpenAPICoversRouter fails when a route is added to the router without the
// document, or the document names a route that does not exist.
func TestOpenAPICoversRouter(t *testing.T) {
	f := newFixture(t)
	_, doc := f.api("GET", "/api/v1/openapi.json", "", "")
	if doc["openapi"] != "3.0.3" {
		t.Fatalf("not an OpenAPI 3 document: %v", doc["openapi"])
	}
	documented := map[string]bool{}
	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			documented[strings.ToUpper(method)+" /api/v1"+path] = true
			o := op.(map[string]any)
			if o["summary"] == "" || o["responses"] == nil {
				t.Errorf("%s %s: no summary or responses", method, path)
			}
		}
	}
	routed := map[string]bool{}
	for _, r := range f.srv.App.GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/api/v1/") || r.Method == "HEAD" || r.Method == "USE" {
			continue
		}
		routed[r.Method+" "+web.OpenAPIPath(r.Path)] = true
	}
	if len(routed) < 15 {
		t.Fatalf("only %d API routes found in the router", len(routed))
	}
	for r := range routed {
		if !documented[r] {
			t.Errorf("route %s is not in the OpenAPI document", r)
		}
	}
	var refs []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if k == "$ref" {
					refs = append(refs, e.(string))
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(doc)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for _, r := range refs {
		if schemas[strings.TrimPrefix(r, "#/components/schemas/")] == nil {
			t.Errorf("dangling $ref %s", r)
		}
	}
	for d := range documented {
		if !routed[d] {
			t.Errorf("the OpenAPI document names %s, which the router lacks", d)
		}
	}
}

func TestSecurityHeadersHealthAndMetrics(t *testing.T) {
	f := newFixture(t)
	resp, _ := f.api("GET", "/healthz", "", "")
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin", "X-Frame-Options": "DENY"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q lacks frame-ancestors", csp)
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Error("CORS header sent without configuration")
	}
	// HSTS outside dev only.
	prod := web.New(web.Config{Secret: []byte("0123456789abcdef0123456789abcdef")}, f.d.App)
	presp, _ := prod.App.Test(httptest.NewRequest("GET", "/healthz", nil), -1)
	if presp.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS outside dev")
	}
	if resp.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS in dev")
	}
}

func TestCatalogsHaveTheSameMessages(t *testing.T) {
	read := func(name string) map[string]string {
		b, err := os.ReadFile("locales/" + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	en, pt := read("en"), read("pt-BR")
	for k := range en {
		if pt[k] == "" {
			t.Errorf("pt-BR lacks %q", k)
		}
	}
	for k := range pt {
		if en[k] == "" {
			t.Errorf("en lacks %q", k)
		}
	}
	// Every message a template asks for exists.
	entries, _ := os.ReadDir("templates")
	for _, e := range entries {
		b, _ := os.ReadFile("templates/" + e.Name())
		for _, part := range strings.Split(string(b), `{{T "`)[1:] {
			id := part[:strings.IndexByte(part, '"')]
			if en[id] == "" {
				t.Errorf("%s uses %q, missing from the catalogs", e.Name(), id)
			}
		}
	}
}

func TestPortalInPortuguese(t *testing.T) {
	f := newFixture(t)
	req := httptest.NewRequest("GET", "/login", nil)
	req.Header.Set("Accept-Language", "pt-BR,pt;q=0.9,en;q=0.5")
	resp := f.do(req)
	b, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), "Entrar no Partnerhub") || !strings.Contains(string(b), `lang="pt-BR"`) {
		t.Fatalf("login page not in Portuguese: %.400s", b)
	}
}

// Domain messages reach the portal in the user's language, with their field; the
// API keeps English, whatever Accept-Language says.
func TestDomainMessagesInPortuguese(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.cookies["ph_lang"] = "pt-BR"
	b.login("partner-sales@acme.example", pw)
	_, page := b.req("GET", "/accounts", nil)
	resp, _ := b.req("POST", "/accounts", url.Values{"_csrf": {csrfOf(t, page)}, "name": {"Loja"}, "cnpj": {"11.222.333/0001-00"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/accounts#error-summary" {
		t.Fatalf("bad CNPJ in the portal: status %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, out := b.req("GET", "/accounts", nil)
	// The message names the field by its label, never by its key.
	if want := html.EscapeString(`CNPJ: "11.222.333/0001-00" não é um CNPJ válido (14 caracteres com dois dígitos verificadores)`); !strings.Contains(out, want) || strings.Contains(out, "cnpj: ") {
		t.Fatalf("portal form error not in Portuguese; want %q in %.2000s", want, out)
	}
	resp, out = b.req("GET", "/accounts/999999", nil)
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(out, "Conta 999999 não encontrada.") {
		t.Fatalf("portal 404: status %d, %.1500s", resp.StatusCode, out)
	}
	resp, m := f.api("POST", "/api/v1/accounts", f.keys["partner"], `{"name":"Loja","cnpj":"11.222.333/0001-00"}`, "Accept-Language", "pt-BR")
	if resp.StatusCode != http.StatusUnprocessableEntity || m["detail"] != `"11.222.333/0001-00" is not a valid CNPJ (14 characters with two check digits)` || m["field"] != "cnpj" {
		t.Fatalf("API error: status %d, %v", resp.StatusCode, m)
	}
}

// The API rate limit is counted in PostgreSQL, so two instances share it; each
// organization has its own.
func TestRateLimitSharedAcrossInstances(t *testing.T) {
	f := newFixture(t)
	const limit = 4
	cfg := web.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), Dev: true, BaseURL: "http://hub.test",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), RateLimit: limit, RateWindow: 1000 * time.Hour}
	instances := []*web.Server{web.New(cfg, f.d.App), web.New(cfg, f.d.App)}
	get := func(i int, key string) *http.Response {
		req := httptest.NewRequest("GET", "/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := instances[i%2].App.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	for i := 0; i < limit; i++ {
		resp := get(i, f.keys["partner"])
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-RateLimit-Remaining") != strconv.Itoa(limit-1-i) || resp.Header.Get("X-RateLimit-Limit") != "4" {
			t.Fatalf("request %d: status %d, remaining %q", i+1, resp.StatusCode, resp.Header.Get("X-RateLimit-Remaining"))
		}
	}
	resp := get(limit, f.keys["partner"])
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(b), "Rate limit of 4 requests") {
		t.Fatalf("request over the limit (on the other instance): status %d, Retry-After %q, %s", resp.StatusCode, resp.Header.Get("Retry-After"), b)
	}
	if resp := get(0, f.keys["vendor"]); resp.StatusCode != http.StatusOK || resp.Header.Get("X-RateLimit-Remaining") != "3" {
		t.Fatalf("another organization: status %d, remaining %q", resp.StatusCode, resp.Header.Get("X-RateLimit-Remaining"))
	}
}

// TestRateLimitLeaseBound: instances claim the shared count in leases, not a
// statement per request, and keep the bound the README states: never more
// than the limit admitted in a window across instances, and at most
// (instances − 1) × min(64, limit/32) refused before the limit was used.
func TestRateLimitLeaseBound(t *testing.T) {
	f := newFixture(t)
	const limit, n = 320, 3
	cfg := web.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), Dev: true, BaseURL: "http://hub.test",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), RateLimit: limit, RateWindow: 1000 * time.Hour}
	var instances []*web.Server
	for range n {
		instances = append(instances, web.New(cfg, f.d.App))
	}
	admitted, refusedFrom := 0, 0
	for i := range limit + 80 {
		req := httptest.NewRequest("GET", "/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+f.keys["partner"])
		resp, err := instances[i%n].App.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		switch resp.StatusCode {
		case http.StatusOK:
			admitted++
			if refusedFrom != 0 {
				t.Fatalf("request %d admitted after request %d was refused", i+1, refusedFrom)
			}
		case http.StatusTooManyRequests:
			if refusedFrom == 0 {
				refusedFrom = i + 1
			}
		default:
			t.Fatalf("request %d: status %d", i+1, resp.StatusCode)
		}
	}
	if slack := (n - 1) * min(64, limit/32); admitted > limit || admitted < limit-slack {
		t.Fatalf("admitted %d requests across %d instances: want from %d to %d", admitted, n, limit-slack, limit)
	}
	var claims int64
	for _, s := range instances {
		claims += s.RateClaims()
	}
	var counted int
	if err := f.d.Owner.Get(&counted, `SELECT coalesce(sum(hits), 0) FROM rate_windows`); err != nil {
		t.Fatal(err)
	}
	// Each claim is one statement; leases shrink near the limit (a 32nd of
	// what is left), so the last 64 requests claim one each here; refusals past
	// the first per instance cost none.
	if claims > int64(admitted)/2 || counted < admitted {
		t.Fatalf("%d statements for %d admitted requests; shared count %d", claims, admitted, counted)
	}
}
