package accounts_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/internal/notify"
)

// A PNG renamed .csv, and an .xlsx workbook, are refused by their content
// before anything is stored, naming what they are, not read as text.
func TestImportRefusesBinaryFiles(t *testing.T) {
	w := newWorld(t)
	png, _ := base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
	xlsx := append([]byte("PK\x03\x04"), make([]byte, 40)...)
	for name, c := range map[string]struct {
		data []byte
		says string
	}{"png": {png, "image/png"}, "xlsx": {xlsx, "application/zip"}} {
		_, err := w.imp.Start(w.ctx, w.a, name+".csv", c.data, imports.Options{DryRun: true})
		ae, ok := apperr.As(err)
		if !ok || ae.Kind != apperr.Invalid || ae.Field != "file" || !strings.Contains(ae.Error(), c.says) || strings.Contains(ae.Error(), "PNG") {
			t.Errorf("%s upload: %v, want Invalid on file naming %s", name, err, c.says)
		}
	}
	var n int
	if err := w.d.Owner.Get(&n, `SELECT count(*) FROM imports`); err != nil || n != 0 {
		t.Fatalf("refused uploads stored %d imports (%v)", n, err)
	}
}

// Two rows of one file on the same record are refused, each error naming both
// lines, and nothing is stored.
func TestImportReportsDuplicateKeysWithBothLines(t *testing.T) {
	w := newWorld(t)
	file := "name,domains,cnpj\nOne,one.example,\nTwo,two.example,11.222.333/0001-81\nOne again,WWW.One.Example,\nThree,,11222333000181\n"
	res, err := w.imp.Import(w.ctx, w.a, []byte(file), imports.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Applied || len(res.Errors) != 2 {
		t.Fatalf("result = %+v, want 2 errors and nothing applied", res)
	}
	if e := res.Errors[0]; e.Line != 4 || e.Column != "domains" || !strings.Contains(e.Message, "line 2") || !strings.Contains(e.Message, "one.example") {
		t.Errorf("first error = %+v, want line 4 naming line 2 on domains", e)
	}
	if e := res.Errors[1]; e.Line != 5 || e.Column != "cnpj" || !strings.Contains(e.Message, "line 3") {
		t.Errorf("second error = %+v, want line 5 naming line 3 on cnpj", e)
	}
	var n int
	if err := w.d.Owner.Get(&n, `SELECT count(*) FROM accounts`); err != nil || n != 0 {
		t.Fatalf("a refused file stored %d accounts (%v)", n, err)
	}
	// Contacts: the same email twice, whatever its case.
	res, err = w.imp.Import(w.ctx, w.a, []byte("account,name,email\nx.example,A,a@x.example\nx.example,B,A@X.example\n"), imports.Options{Kind: "contacts"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range res.Errors {
		found = found || e.Line == 3 && e.Column == "email" && strings.Contains(e.Message, "line 2")
	}
	if !found {
		t.Fatalf("contacts = %+v, want line 3 naming line 2 on the email column", res.Errors)
	}
}

// A portal upload with an unknown column waits for the matching step with the
// fields ranked for it; the choice queues the import and is remembered, so the
// next file of the same shape goes straight through. The API's uploads fail on
// the column as before.
func TestImportMatchingStepRemembersTheChoice(t *testing.T) {
	w := newWorld(t)
	file := []byte("Company,Web page,Notes\nMatch Co,match.example,call back\n")
	j, err := w.imp.Start(w.ctx, w.a, "crm.csv", file, imports.Options{Match: true})
	if err != nil {
		t.Fatal(err)
	}
	if j.State != "mapping" {
		t.Fatalf("state = %s, want mapping", j.State)
	}
	var queued int
	if err := w.d.Owner.Get(&queued, `SELECT count(*) FROM jobs WHERE kind = $1`, imports.JobKind); err != nil || queued != 0 {
		t.Fatalf("%d jobs queued before the columns are matched (%v)", queued, err)
	}
	m, err := w.imp.Matching(w.ctx, w.a, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	byHeader := map[string]imports.ColumnMatch{}
	for _, c := range m.Columns {
		byHeader[c.Header] = c
	}
	if byHeader["Company"].Field != "name" || byHeader["Notes"].Field != "" {
		t.Fatalf("matching = %+v", m.Columns)
	}
	if byHeader["Web page"].Field != "" {
		t.Fatalf("Web page is known as %q", byHeader["Web page"].Field)
	}
	if s := byHeader["Web page"].Suggestions; len(s) == 0 || s[0] != "domains" {
		t.Errorf("Web page suggestions = %v, want domains first", s)
	}
	// A bad choice changes nothing.
	if _, err := w.imp.MatchColumns(w.ctx, w.a, j.ID, map[string]string{"Web page": "name", "Notes": "ignore"}); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("two columns on name: %v, want Invalid", err)
	}
	if again, err := w.imp.Job(w.ctx, w.a, j.ID); err != nil || again.State != "mapping" {
		t.Fatalf("after a refused choice: %+v, %v", again, err)
	}
	j, err = w.imp.MatchColumns(w.ctx, w.a, j.ID, map[string]string{"Web page": "domains", "Notes": "ignore"})
	if err != nil || j.State != "queued" {
		t.Fatalf("matched = %+v, %v", j, err)
	}
	// The import runs; its end is told to the user who started it, linking to it.
	worker := &jobs.Worker{DB: w.d.App, Handlers: map[string]jobs.Handler{imports.JobKind: w.imp.Handler(), notify.EmailJob: notify.EmailHandler(w.d.App, nil, "")}}
	if _, err := worker.RunOnce(w.ctx, 10); err != nil {
		t.Fatal(err)
	}
	if j, err = w.imp.Job(w.ctx, w.a, j.ID); err != nil || j.State != "done" {
		t.Fatalf("after the worker: %+v, %v", j, err)
	}
	var note struct {
		Title string `db:"title"`
		Body  string `db:"body"`
		Link  string `db:"link"`
	}
	if err := w.d.Owner.Get(&note, `SELECT title, body, link FROM notifications WHERE user_id = $1 AND kind = 'import.done'`, w.a.User); err != nil {
		t.Fatalf("no notification of the import's end: %v", err)
	}
	if !strings.Contains(note.Title, "crm.csv") || !strings.Contains(note.Body, "1 created") || note.Link != fmt.Sprintf("/imports/%d", j.ID) {
		t.Errorf("notification = %+v", note)
	}
	// The same shape (case and spacing aside) is matched by the remembered choice.
	next, err := w.imp.Start(w.ctx, w.a, "crm2.csv", []byte("company,WEB PAGE,notes\nOther Co,other.example,x\n"), imports.Options{Match: true})
	if err != nil || next.State != "queued" {
		t.Fatalf("same shape = %+v, %v; want queued", next, err)
	}
	// Another organization has no such memory.
	other, err := w.imp.Start(w.ctx, w.b, "crm.csv", file, imports.Options{Match: true})
	if err != nil || other.State != "mapping" {
		t.Fatalf("another organization = %+v, %v; want mapping", other, err)
	}
	// Without Match (the API), the file is queued and its job reports the column.
	api, err := w.imp.Start(w.ctx, w.c, "crm.csv", file, imports.Options{})
	if err != nil || api.State != "queued" {
		t.Fatalf("API upload = %+v, %v; want queued", api, err)
	}
}
