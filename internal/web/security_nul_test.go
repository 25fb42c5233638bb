package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/text/encoding/unicode"

	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

// driverText is what PostgreSQL and lib/pq say, which must never reach a user.
var driverText = []string{"pq:", "byte sequence", "UTF8", "0x00", "SQLSTATE", "relation", "does not exist", "42703"}

func noDriverText(t *testing.T, where, text string) {
	t.Helper()
	for _, s := range driverText {
		if strings.Contains(text, s) {
			t.Fatalf("%s shows driver text %q: %s", where, s, text)
		}
	}
}

func (f *fixture) countRows(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := f.d.Owner.Get(&n, `SELECT count(*) FROM `+table); err != nil {
		t.Fatal(err)
	}
	return n
}

// A NUL character (or bytes that are not UTF-8) in a query parameter, a JSON
// string or a form field is a 422 naming the field, before anything is stored;
// before, PostgreSQL refused it mid-request and the client got a 500.
func TestNULInParametersAndBodiesIsRefusedByField(t *testing.T) {
	f := newFixture(t)
	key := f.keys["vendor"]
	resp, acc := f.api("POST", "/api/v1/accounts", key, `{"name":"Null Target","domains":["null-target.example"]}`)
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %v", resp.StatusCode, acc)
	}
	id := int64(acc["id"].(float64))
	before := f.countRows(t, "accounts")
	for _, tc := range []struct {
		name, method, path, body, field, detail string
	}{
		{"search", "GET", "/api/v1/accounts?q=a%00b", "", "q", "must not contain a NUL character"},
		{"filter", "GET", "/api/v1/accounts?region=%00", "", "region", "must not contain a NUL character"},
		{"search, not UTF-8", "GET", "/api/v1/accounts?q=%FF%FE", "", "q", "must be UTF-8 text"},
		{"export filter", "GET", "/api/v1/accounts/export.csv?tag=x%00", "", "tag", "must not contain a NUL character"},
		{"create", "POST", "/api/v1/accounts", `{"name":"Null\u0000Corp"}`, "name", "must not contain a NUL character"},
		{"create, in a list", "POST", "/api/v1/accounts", `{"name":"Listed","tags":["ok","bad\u0000"]}`, "tags", "must not contain a NUL character"},
		{"update", "PATCH", fmt.Sprintf("/api/v1/accounts/%d", id), `{"city":"S\u0000o Paulo"}`, "city", "must not contain a NUL character"},
		{"contact", "POST", "/api/v1/contacts", fmt.Sprintf(`{"account_id":%d,"name":"Ann","title":"\u0000"}`, id), "title", "must not contain a NUL character"},
		{"a key", "POST", "/api/v1/accounts", `{"na\u0000me":"x"}`, `na\0me`, "must not contain a NUL character"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctype := ""
			if tc.body != "" {
				ctype = "application/json"
			}
			status, b := f.send(tc.method, tc.path, key, ctype, tc.body)
			var p map[string]any
			json.Unmarshal(b, &p)
			if status != 422 || p["field"] != tc.field || p["detail"] != tc.detail {
				t.Fatalf("%d %s, want 422 on %q saying %q", status, b, tc.field, tc.detail)
			}
			noDriverText(t, "the reply", string(b))
		})
	}
	if n := f.countRows(t, "accounts"); n != before {
		t.Fatalf("refused requests changed the accounts: %d, was %d", n, before)
	}
	if got, _ := f.api("GET", fmt.Sprintf("/api/v1/accounts/%d", id), key, ""); got.StatusCode != 200 {
		t.Fatal("account gone")
	}
	// An escaped backslash before u0000 is no NUL: it is stored as typed.
	if resp, m := f.api("POST", "/api/v1/accounts", key, `{"name":"Back\\u0000slash"}`); resp.StatusCode != 201 || m["name"] != `Back\u0000slash` {
		t.Fatalf("escaped backslash: %d %v", resp.StatusCode, m)
	}
	// A portal form too (the sign-in form here: refused before the password check).
	b := f.browser()
	resp, page := b.req("POST", "/login", url.Values{"email": {"vendor-admin@acme.example\x00"}, "password": {pw}})
	if resp.StatusCode != 422 || !strings.Contains(page, "must not contain a NUL character") {
		t.Fatalf("portal form with a NUL: %d %.300s", resp.StatusCode, page)
	}
}

// A CSV with a NUL is refused on upload with its line and column, and nothing is
// stored; a UTF-16 file (a 0x00 byte in every ASCII character) is no such file.
func TestImportOfACSVWithNUL(t *testing.T) {
	f := newFixture(t)
	upload := func(body []byte, query ...string) (int, map[string]any) {
		status, b := f.send("POST", "/api/v1/imports?dry_run=true"+strings.Join(query, ""), f.keys["vendor"], "text/csv", string(body))
		var m map[string]any
		json.Unmarshal(b, &m)
		noDriverText(t, "the upload's reply", string(b))
		return status, m
	}
	file := "name,domains\nGood Co,good.example\nBad\x00Co,bad.example\n"
	utf16 := func(s string) []byte {
		b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for name, data := range map[string][]byte{"UTF-8": []byte(file), "UTF-16": utf16(file)} {
		status, p := upload(data)
		if status != 422 || p["field"] != "file" || p["detail"] != `line 3, column 1 ("name") holds a NUL character, which cannot be stored` {
			t.Fatalf("%s file with a NUL: %d %v", name, status, p)
		}
	}
	if n := f.countRows(t, "imports"); n != 0 {
		t.Fatalf("%d imports stored for refused files", n)
	}
	if status, p := upload(utf16("name,domains\nGood Co,good.example\n")); status != 202 {
		t.Fatalf("UTF-16 file without a NUL: %d %v", status, p)
	}
	// A mapping can spell a NUL in its JSON; a long file name is cut at a character.
	if status, p := upload([]byte("name\nok\n"), "&mapping="+url.QueryEscape(`{"a\u0000":"ignore"}`)); status != 422 || p["field"] != "mapping" {
		t.Fatalf("mapping with a NUL: %d %v", status, p)
	}
	if status, p := upload([]byte("name\nok\n"), "&filename="+url.QueryEscape(strings.Repeat("é", 200)+".csv")); status != 202 || len(p["filename"].(string)) != 254 {
		t.Fatalf("long file name: %d %v", status, p)
	}
	// A file that does not read as CSV up to the NUL: its place in the text.
	if status, p := upload([]byte("name\n\"open quote\nab\x00c\n")); status != 422 || p["detail"] != "line 3, character 3 holds a NUL character, which cannot be stored" {
		t.Fatalf("unreadable file with a NUL: %d %v", status, p)
	}
}

// An import's state follows its job's. A file with a NUL stored before uploads
// were checked fails as a whole with a message for the user; an import whose job
// fails on an error of the database waits (queued) between attempts, is failed
// with the job in the same statement, and is queued again when an admin retries
// the job; and neither the import nor the job shows the driver's text to the
// organization's admins.
func TestImportStateFollowsItsJob(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	as := &accounts.Service{DB: f.d.App, Partners: f.svc}
	imp := imports.New(f.d.App, as.ImportFamilies()...)
	w := f.importWorker()
	run := func() {
		t.Helper()
		f.d.Owner.MustExec(`UPDATE jobs SET run_at = now() - interval '1 second' WHERE state = 'queued'`)
		if _, err := w.RunOnce(ctx, 50); err != nil {
			t.Fatal(err)
		}
	}
	get := func(id int64) (map[string]any, string) {
		t.Helper()
		_, b := f.send("GET", fmt.Sprintf("/api/v1/imports/%d", id), f.keys["vendor"], "", "")
		var m map[string]any
		json.Unmarshal(b, &m)
		return m, string(b)
	}
	jobOf := func(imp int64) (state, lastError string) {
		t.Helper()
		var j struct {
			State     string `db:"state"`
			LastError string `db:"last_error"`
		}
		if err := f.d.Owner.Get(&j, `SELECT state, last_error FROM jobs WHERE kind = $1 AND (payload->>'import')::bigint = $2`, imports.JobKind, imp); err != nil {
			t.Fatal(err)
		}
		return j.State, j.LastError
	}

	// A NUL file stored as uploads were before: the import fails, saying where.
	j, err := imp.Start(ctx, f.users["vendor-admin"], "old.csv", []byte("name\nok\n"), imports.Options{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	f.d.Owner.MustExec(`UPDATE imports SET data = $1 WHERE id = $2`, []byte("name\nfine\nnul\x00here\n"), j.ID)
	run()
	m, body := get(j.ID)
	if m["state"] != "failed" || m["error"] != `file: line 3, column 1 ("name") holds a NUL character, which cannot be stored` {
		t.Fatalf("NUL import = %s", body)
	}
	if state, lastError := jobOf(j.ID); state != "failed" || !strings.Contains(lastError, "NUL") {
		t.Fatalf("its job is %s (%q), want failed with the import, at once, saying why", state, lastError)
	}

	// A database error in the handler (the column the import's result goes to is
	// missing): the job is retried, then fails; the import follows each step.
	j, err = imp.Start(ctx, f.users["vendor-admin"], "ok.csv", []byte("name\nok\n"), imports.Options{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	f.d.Owner.MustExec(`UPDATE jobs SET max_attempts = 2 WHERE (payload->>'import')::bigint = $1`, j.ID)
	f.d.Owner.MustExec(`ALTER TABLE imports RENAME COLUMN result TO result_gone`)
	stateOf := func() string {
		var s string
		f.d.Owner.Get(&s, `SELECT state FROM imports WHERE id = $1`, j.ID)
		return s
	}
	run()
	if js, _ := jobOf(j.ID); js != "queued" || stateOf() != "queued" {
		t.Fatalf("after a failed attempt the job is %s and the import %s, want both queued", js, stateOf())
	}
	run()
	js, lastError := jobOf(j.ID)
	f.d.Owner.MustExec(`ALTER TABLE imports RENAME COLUMN result_gone TO result`)
	if js != "failed" || lastError != "Internal error." {
		t.Fatalf("job after its last attempt: %s %q, want failed with \"Internal error.\"", js, lastError)
	}
	m, body = get(j.ID)
	if m["state"] != "failed" || m["error"] != "Internal error." {
		t.Fatalf("import after its job failed = %s", body)
	}
	_, jobsBody := f.send("GET", "/api/v1/jobs", f.keys["vendor"], "", "")
	noDriverText(t, "GET /api/v1/jobs", string(jobsBody))
	noDriverText(t, "GET /api/v1/imports/{id}", body)
	// Nor does the portal's jobs page.
	br := f.browser()
	br.login("vendor-admin@acme.example", pw)
	_, page := br.req("GET", "/jobs", nil)
	noDriverText(t, "the jobs page", page)
	if !strings.Contains(page, "Internal error.") {
		t.Fatalf("the jobs page does not show the failure: %.2000s", page)
	}
	// An admin retries the job: the import is queued again with it, then done.
	var jobID int64
	f.d.Owner.Get(&jobID, `SELECT id FROM jobs WHERE (payload->>'import')::bigint = $1`, j.ID)
	if status, b := f.send("POST", fmt.Sprintf("/api/v1/jobs/%d/retry", jobID), f.keys["vendor"], "", ""); status != 204 {
		t.Fatalf("retry: %d %s", status, b)
	}
	if m, body = get(j.ID); m["state"] != "queued" || m["error"] != "" {
		t.Fatalf("import after its job's retry = %s", body)
	}
	run()
	if m, body = get(j.ID); m["state"] != "done" {
		t.Fatalf("import after the retried job ran = %s", body)
	}
}
