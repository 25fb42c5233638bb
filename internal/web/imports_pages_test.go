package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// upload posts a file to the portal's import form as a browser does (multipart,
// with the form's CSRF token) and returns the answer and its body.
func (b *browser) upload(t *testing.T, kind, filename string, data []byte) (*http.Response, string) {
	t.Helper()
	_, page := b.req("GET", "/accounts/import", nil)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("_csrf", csrfOf(t, page))
	mw.WriteField("kind", kind)
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
	out := new(bytes.Buffer)
	out.ReadFrom(resp.Body)
	return resp, out.String()
}

var importLink = regexp.MustCompile(`^/imports/(\d+)$`)

// The portal's import with an unknown column: the matching step offers the
// fields ranked for it, refuses a bad choice keeping the import waiting, and on
// a good one runs the import, which tells its user when it ends. A PNG renamed
// .csv is refused by its content. On the Jobs page, the import's job is named
// for what it did, links to it, and shows its import's failure as failed.
func TestPortalImportMatchingStepAndJobs(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b := f.browser()
	b.login("vendor-admin@acme.example", pw)

	resp, _ := b.upload(t, "accounts", "crm.csv", []byte("Name,Web page,Notes\nPortal Co,portal.example,call back\n"))
	m := importLink.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("upload: %d to %q, want 303 to the import", resp.StatusCode, resp.Header.Get("Location"))
	}
	page := "/imports/" + m[1]
	_, html := b.req("GET", page, nil)
	if !strings.Contains(html, `action="`+page+`/columns"`) || !strings.Contains(html, `name="col_2"`) || strings.Contains(html, `name="col_0"`) {
		t.Fatalf("the matching step asks for columns 1 and 2 (Name is known): %s", html)
	}
	sel := regexp.MustCompile(`(?s)<select id="match-columns-col_1" name="col_1"[^>]*>\s*<option value="">[^<]*</option>\s*<option value="([a-z_]+)"`).FindStringSubmatch(html)
	if sel == nil || sel[1] != "domains" {
		t.Fatalf("Web page's first suggestion = %v, want domains", sel)
	}
	csrf := csrfOf(t, html)

	// Two columns on one field: refused (PRG: 303 back to the step) beside the
	// choice it names, with the summary on top and the choices as sent; a
	// reload shows the step afresh; nothing changes.
	resp, _ = b.req("POST", page+"/columns", map[string][]string{"_csrf": {csrf}, "col_1": {"name"}, "col_2": {"ignore"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page+"#error-summary" {
		t.Fatalf("bad choice: %d to %q, want 303 back to the step", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, html = b.req("GET", page, nil)
	if !strings.Contains(html, "both map to name") || !strings.Contains(html, `id="error-summary"`) ||
		!strings.Contains(html, `<select id="match-columns-col_1" name="col_1" required aria-invalid="true" aria-describedby="match-columns-col_1-error">`) ||
		!strings.Contains(html, `href="#match-columns-col_1"`) {
		t.Fatalf("the rejected step: no message beside the column, or no summary: %s", html)
	}
	if !regexp.MustCompile(`<option value="name" selected>`).MatchString(html) || !regexp.MustCompile(`<option value="ignore" selected>`).MatchString(html) {
		t.Errorf("the rejected choices are not kept in the form")
	}
	if _, again := b.req("GET", page, nil); strings.Contains(again, "both map to name") || strings.Contains(again, `aria-invalid`) {
		t.Errorf("a reload shows the refusal again")
	}
	csrf = csrfOf(t, html)
	var state string
	if err := f.d.Owner.Get(&state, `SELECT state FROM imports WHERE id = $1`, m[1]); err != nil || state != "mapping" {
		t.Fatalf("after a bad choice the import is %q (%v), want mapping", state, err)
	}

	resp, _ = b.req("POST", page+"/columns", map[string][]string{"_csrf": {csrf}, "col_1": {"domains"}, "col_2": {"ignore"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page {
		t.Fatalf("good choice: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, err := f.importWorker().RunOnce(ctx, 10); err != nil {
		t.Fatal(err)
	}
	_, html = b.req("GET", page, nil)
	if !strings.Contains(html, `<b id="created">1</b>`) || !strings.Contains(html, "state-done") {
		t.Fatalf("after the worker: %s", html)
	}
	var title string
	if err := f.d.Owner.Get(&title, `SELECT title FROM notifications WHERE user_id = $1 AND link = $2`, f.users["vendor-admin"].User, page); err != nil || !strings.Contains(title, "crm.csv") {
		t.Fatalf("notification of the end: %q, %v", title, err)
	}

	// A PNG renamed .csv: refused by its content, nothing stored.
	png, _ := base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
	resp, _ = b.upload(t, "accounts", "logo.csv", png)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/accounts/import#error-summary" {
		t.Fatalf("PNG upload: %d to %q, want 303 back to the form", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, html = b.req("GET", "/accounts/import", nil); !strings.Contains(html, "image/png") || strings.Contains(html, "PNG") || !strings.Contains(html, `id="import-file-error"`) {
		t.Fatalf("PNG upload: the form does not say why beside the file: %s", html)
	}
	var n int
	if err := f.d.Owner.Get(&n, `SELECT count(*) FROM imports WHERE filename = 'logo.csv'`); err != nil || n != 0 {
		t.Fatalf("the PNG was stored (%d, %v)", n, err)
	}

	// An import that fails in its job (a quote left open): its job ended, the
	// import failed; the Jobs page shows it failed, named and linked.
	resp, _ = b.upload(t, "contacts", "broken.csv", []byte("account,name\n\"x.example,Open quote\n"))
	broken := importLink.FindStringSubmatch(resp.Header.Get("Location"))
	if broken == nil {
		t.Fatalf("broken upload: %d", resp.StatusCode)
	}
	if _, err := f.importWorker().RunOnce(ctx, 10); err != nil {
		t.Fatal(err)
	}
	_, html = b.req("GET", "/jobs", nil)
	row := regexp.MustCompile(`(?s)<tr id="job-\d+"><td>\d+</td>\s*<td><a href="/imports/` + broken[1] + `">([^<]*)</a></td>\s*<td><span class="badge state-(\w+)">([^<]*)</span>`).FindStringSubmatch(html)
	if row == nil {
		t.Fatalf("no linked job row for import %s: %s", broken[1], html)
	}
	if row[1] != "Contact import" || row[2] != "failed" || !strings.Contains(row[3], "✕") {
		t.Errorf("job row = %q, want Contact import, failed with its icon", row[1:])
	}
	if strings.Contains(html, ">import.csv<") {
		t.Errorf("the Jobs page shows a raw kind")
	}
	// Filters: by kind (no import among the emails), by state; a bad one is refused.
	if _, html = b.req("GET", "/jobs?kind=notify.email", nil); strings.Contains(html, `href="/imports/`) {
		t.Errorf("kind=notify.email lists import jobs")
	}
	if _, html = b.req("GET", "/jobs?state=failed", nil); strings.Contains(html, "state-done") {
		t.Errorf("state=failed lists done jobs")
	}
	if resp, _ = b.req("GET", "/jobs?state=bogus", nil); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("state=bogus: %d, want 422", resp.StatusCode)
	}
}

// A portal upload past the import limit is refused from its Content-Length,
// before the file is sent, with a 413 that says so in the user's terms.
func TestPortalUploadPastTheLimitIsRefusedFromItsLength(t *testing.T) {
	f := newFixture(t)
	addr := f.listenApp(t)
	b := f.browser()
	b.login("vendor-admin@acme.example", pw)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	head := "POST /accounts/import HTTP/1.1\r\nHost: hub\r\nCookie: ph_session=" + b.cookies["ph_session"] +
		"\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: " + strconv.Itoa(21<<20) + "\r\n\r\n"
	// The first 16 KiB of the file, no more (the server reads ahead that far).
	if _, err := conn.Write([]byte(head + "--x\r\n" + strings.Repeat("a", 16<<10))); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(time.Minute))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer before the file was sent: %v", err)
	}
	defer resp.Body.Close()
	body := new(bytes.Buffer)
	body.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body.String(), "larger than the import limit of 20 MiB") {
		t.Fatalf("21 MiB announced: %d %s", resp.StatusCode, body)
	}
}
