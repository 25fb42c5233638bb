package accounts_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"golang.org/x/text/encoding/charmap"

	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

func TestImportAccountsPreviewApplyIdempotent(t *testing.T) {
	w := newWorld(t)
	// A semicolon file in Windows-1252, as a Brazilian spreadsheet writes it.
	text := "Razão Social;Site;CNPJ;Região;Cidade;Etiquetas\r\n" +
		"Padaria São João;padariasaojoao.com.br;11.222.333/0001-81;LATAM;São Paulo;varejo\r\n" +
		"Açougue Boa Carne;www.boacarne.com.br;;LATAM;Campinas;varejo, food\r\n"
	latin1, err := charmap.Windows1252.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	prev, err := w.imp.Import(w.ctx, w.a, []byte(latin1), imports.Options{DryRun: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if prev.Created != 2 || prev.Applied || prev.Delimiter != "semicolon" || !strings.Contains(prev.Encoding, "1252") || len(prev.Errors) != 0 {
		t.Fatalf("preview = %+v", prev)
	}
	if l, _, _ := w.acc.List(w.ctx, w.a, accounts.Filter{}); len(l) != 0 {
		t.Fatalf("a preview stored %d accounts", len(l))
	}
	var calls int
	res, err := w.imp.Import(w.ctx, w.a, []byte(latin1), imports.Options{}, func(done, total int) { calls++ })
	if err != nil || !res.Applied || res.Created != 2 || calls == 0 {
		t.Fatalf("import = %+v, %v (progress calls %d)", res, err, calls)
	}
	l, _, _ := w.acc.List(w.ctx, w.a, accounts.Filter{Query: "padaria"})
	if len(l) != 1 || l[0].Name != "Padaria São João" || l[0].City != "São Paulo" || l[0].CNPJ != "11222333000181" {
		t.Fatalf("imported account = %+v", l)
	}
	again, err := w.imp.Import(w.ctx, w.a, []byte(latin1), imports.Options{}, nil)
	if err != nil || again.Created != 0 || again.Updated != 0 || again.Unchanged != 2 {
		t.Fatalf("second import = %+v, %v; want 2 unchanged", again, err)
	}
	// A changed cell updates; UTF-8 with BOM and commas work too.
	bom := append([]byte{0xEF, 0xBB, 0xBF}, []byte("name,domain,industry\nAçougue Boa Carne,boacarne.com.br,Food\n")...)
	upd, err := w.imp.Import(w.ctx, w.a, bom, imports.Options{}, nil)
	if err != nil || upd.Updated != 1 || upd.Encoding != "UTF-8 (BOM)" {
		t.Fatalf("update import = %+v, %v", upd, err)
	}
}

func TestImportErrorsChangeNothing(t *testing.T) {
	w := newWorld(t)
	w.account(w.a, "Existing", "existing.com")
	file := "name,domains,cnpj\nGood Co,good.com,\nBad CNPJ,bad.com,11.222.333/0001-82\n,noname.com,\n"
	res, err := w.imp.Import(w.ctx, w.a, []byte(file), imports.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Applied || len(res.Errors) != 2 {
		t.Fatalf("result = %+v", res)
	}
	if res.Errors[0].Line != 3 || res.Errors[0].Column != "cnpj" || res.Errors[1].Line != 4 || res.Errors[1].Column != "name" {
		t.Fatalf("errors = %+v, want line 3 cnpj and line 4 name", res.Errors)
	}
	if want := `"11.222.333/0001-82" is not a valid CNPJ (14 characters with two check digits)`; res.Errors[0].Message != want {
		t.Fatalf("row error %q, want %q", res.Errors[0].Message, want)
	}
	// The row errors are in the importer's language.
	pt := w.a
	pt.Locale = "pt-BR"
	res, err = w.imp.Import(w.ctx, pt, []byte(file), imports.Options{}, nil)
	if err != nil || len(res.Errors) != 2 || res.Errors[0].Message != `"11.222.333/0001-82" não é um CNPJ válido (14 caracteres com dois dígitos verificadores)` {
		t.Fatalf("pt-BR import: %+v, %v", res, err)
	}
	if l, _, _ := w.acc.List(w.ctx, w.a, accounts.Filter{}); len(l) != 1 {
		t.Fatalf("a failed import stored accounts: %d", len(l))
	}
	for _, c := range []struct {
		name, file, field string
	}{
		{"unknown column", "name,revenue\nX,1\n", "columns"},
		{"broken quoting", "name,domains\n\"Unclosed,x.com\nY,y.com\n", "file"},
		{"no name column", "domain\nx.com\n", "columns"},
		{"empty", "  \n", "file"},
	} {
		_, err := w.imp.Import(w.ctx, w.a, []byte(c.file), imports.Options{}, nil)
		ae, ok := apperr.As(err)
		if !ok || ae.Kind != apperr.Invalid || ae.Field != c.field {
			t.Errorf("%s: %v, want Invalid on %s", c.name, err, c.field)
		}
	}
	big := bytes.Repeat([]byte("x"), imports.MaxBytes+1)
	if _, err := w.imp.Import(w.ctx, w.a, big, imports.Options{}, nil); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("oversize file: %v", err)
	}
	// An explicit mapping lets an unknown column be ignored.
	res, err = w.imp.Import(w.ctx, w.a, []byte("name,revenue\nMapped Co,10\n"), imports.Options{Mapping: map[string]string{"revenue": "ignore"}}, nil)
	if err != nil || res.Created != 1 {
		t.Fatalf("mapped import = %+v, %v", res, err)
	}
}

func TestImportContactsAndExport(t *testing.T) {
	w := newWorld(t)
	w.account(w.a, "Globex", "globex.com")
	file := "account,name,email,phone,title\nglobex.com,Hank Scorpio,hank@globex.com,+1 555 0100,CEO\n"
	res, err := w.imp.Import(w.ctx, w.a, []byte(file), imports.Options{Kind: "contacts"}, nil)
	if err != nil || res.Created != 1 {
		t.Fatalf("contacts import = %+v, %v", res, err)
	}
	res, _ = w.imp.Import(w.ctx, w.a, []byte(file), imports.Options{Kind: "contacts"}, nil)
	if res.Unchanged != 1 {
		t.Fatalf("second contacts import = %+v", res)
	}
	res, _ = w.imp.Import(w.ctx, w.a, []byte("account,name,email\nnowhere.com,X,x@nowhere.com\n"), imports.Options{Kind: "contacts"}, nil)
	if len(res.Errors) != 1 || res.Errors[0].Column != "account" {
		t.Fatalf("unknown account: %+v", res)
	}
	// Export holds only what the exporting organization may see.
	w.account(w.b, "Bravo Only", "bravo-only.com")
	var buf bytes.Buffer
	n, err := w.acc.Export(w.ctx, w.a, accounts.Filter{}, &buf)
	if err != nil || n != 1 || strings.Contains(buf.String(), "Bravo Only") || !strings.Contains(buf.String(), "globex.com") {
		t.Fatalf("export (%d rows): %s %v", n, buf.String(), err)
	}
	// The export reads back as an import that changes nothing.
	back, err := w.imp.Import(w.ctx, w.a, buf.Bytes(), imports.Options{Mapping: map[string]string{"owner": "ignore"}}, nil)
	if err != nil || back.Unchanged != 1 {
		t.Fatalf("re-import of the export = %+v, %v", back, err)
	}
}

// holdUntilWaited runs write in a transaction of its own as w.a's organization,
// and commits it only once another session waits for that transaction: an import that
// looked for what write stored before the commit, and stores the same key after,
// meets a key that was not there when it looked.
func holdUntilWaited(t *testing.T, w *world, write func(tx *sqlx.Tx) error) <-chan error {
	t.Helper()
	tx, err := w.d.App.BeginTxx(w.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(w.ctx, `SELECT set_config('app.network_id', $1, true), set_config('app.org_id', $2, true)`,
		fmt.Sprint(w.a.Network), fmt.Sprint(w.a.Org)); err != nil {
		t.Fatal(err)
	}
	if err := write(tx); err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		defer tx.Rollback()
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			var waiting bool
			if err := w.d.Owner.GetContext(w.ctx, &waiting, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted)`); err != nil {
				done <- err
				return
			}
			if waiting {
				done <- tx.Commit()
				return
			}
		}
		done <- errors.New("no session waited for the held transaction")
	}()
	return done
}

// importRacing imports file while another transaction (committed, from
// holdUntilWaited) holds what the file's rows will look up, and waits for it.
func importRacing(t *testing.T, w *world, file string, opts imports.Options, committed <-chan error) *imports.Result {
	t.Helper()
	res, err := w.imp.Import(w.ctx, w.a, []byte(file), opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-committed; err != nil {
		t.Fatal(err)
	}
	return res
}

// holdKey holds, as holdUntilWaited, a new account of w.a's organization with the
// domain.
func holdKey(t *testing.T, w *world, name, domain string) <-chan error {
	return holdUntilWaited(t, w, func(tx *sqlx.Tx) error {
		var id int64
		if err := tx.GetContext(w.ctx, &id, `INSERT INTO accounts (network_id, owner_org_id, name, domains) VALUES ($1, $2, $3, ARRAY[$4]) RETURNING id`,
			w.a.Network, w.a.Org, name, domain); err != nil {
			return err
		}
		_, err := tx.ExecContext(w.ctx, `INSERT INTO account_keys (network_id, org_id, kind, value, account_id) VALUES ($1, $2, 'domain', $3, $4)`,
			w.a.Network, w.a.Org, domain, id)
		return err
	})
}

// A new account is stored without a savepoint; a matching key that another
// transaction commits between the row's lookup and its insert must still make the
// row a reported duplicate, leave nothing of it behind, and let the rows after
// it run.
func TestImportNewAccountRacingAnotherTransaction(t *testing.T) {
	w := newWorld(t)
	committed := holdKey(t, w, "Racer", "racer.example")
	// Line 3 has no keys: it matches on its name, and would find line 2's account
	// ("unchanged") had that been left behind.
	file := "name,domains\nRacer Two,racer.example\nRacer Two,\nThird Co,third.example\n"
	res := importRacing(t, w, file, imports.Options{}, committed)
	// The database's refusal of the key, as when every row had a savepoint.
	if len(res.Errors) != 1 || res.Errors[0].Line != 2 || !strings.HasSuffix(res.Errors[0].Message, "already exists.") {
		t.Fatalf("errors = %+v, want line 2's key refused", res.Errors)
	}
	// Line 2 counts as created, as a row that fails while creating always has.
	if res.Applied || res.Created != 3 || res.Unchanged != 0 {
		t.Fatalf("result = %+v, want 3 created (line 2 failed) and nothing applied", res)
	}
	l, _, err := w.acc.List(w.ctx, w.a, accounts.Filter{})
	if err != nil || len(l) != 1 || l[0].Name != "Racer" {
		t.Fatalf("accounts after the failed import = %+v, %v; want only the other transaction's", l, err)
	}
}

// An existing account's update runs in a savepoint: a key the database refuses
// (another transaction committed it after the row's duplicate check) fails that
// row alone, and the rows after it run on the account as it was.
func TestImportUpdateRefusedByTheDatabase(t *testing.T) {
	w := newWorld(t)
	w.account(w.a, "Acme", "acme.example")
	committed := holdKey(t, w, "Racer", "racer.example")
	file := "name,domains,industry\nAcme,acme.example;racer.example,Food\nAcme,acme.example,Retail\n"
	res := importRacing(t, w, file, imports.Options{}, committed)
	res.Errors = withoutDuplicate(t, res.Errors, 3)
	if len(res.Errors) != 1 || res.Errors[0].Line != 2 || res.Errors[0].Message == "" {
		t.Fatalf("errors = %+v, want line 2 refused", res.Errors)
	}
	// Line 3 sees Acme as before line 2 (industry Retail, one domain): unchanged.
	if res.Applied || res.Updated != 1 || res.Unchanged != 1 {
		t.Fatalf("result = %+v, want line 2 updated (and failed), line 3 unchanged", res)
	}
	l, _, err := w.acc.List(w.ctx, w.a, accounts.Filter{Query: "acme"})
	if err != nil || len(l) != 1 || l[0].Industry != "Retail" || strings.Join(l[0].Domains, ",") != "acme.example" {
		t.Fatalf("Acme after the failed import = %+v, %v", l, err)
	}
}

// A contact row that fails after its first write (the email it adds belongs to
// another contact) is rolled back to its savepoint: the rows after it see the
// contact as it was, and the failed import changes nothing.
func TestImportContactRowFailingAfterItsWrites(t *testing.T) {
	w := newWorld(t)
	acc := w.account(w.a, "Globex", "globex.com")
	setup := "account,name,email\nglobex.com,Hank,hank@globex.com\nglobex.com,Mindy,mindy@globex.com\n"
	if res, err := w.imp.Import(w.ctx, w.a, []byte(setup), imports.Options{Kind: "contacts"}, nil); err != nil || res.Created != 2 {
		t.Fatalf("setup import = %+v, %v", res, err)
	}
	file := "account,name,email\n" +
		"globex.com,Hank Scorpio,hank@globex.com;mindy@globex.com\n" + // renames Hank, then fails on Mindy's email
		"Globex,Frank,frank@globex.com\n" +
		"globex.com,Hank,hank@globex.com\n" // unchanged only if line 2 left nothing behind
	res, err := w.imp.Import(w.ctx, w.a, []byte(file), imports.Options{Kind: "contacts"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Errors = withoutDuplicate(t, res.Errors, 4)
	if len(res.Errors) != 1 || res.Errors[0].Line != 2 || res.Errors[0].Column != "email" || !strings.Contains(res.Errors[0].Message, "mindy@globex.com") {
		t.Fatalf("errors = %+v, want line 2's email refused", res.Errors)
	}
	if res.Applied || res.Updated != 1 || res.Created != 1 || res.Unchanged != 1 {
		t.Fatalf("result = %+v, want 1 updated (failed), 1 created, 1 unchanged", res)
	}
	cs, err := w.acc.Contacts(w.ctx, w.a, acc.ID, false)
	if err != nil || len(cs) != 2 || cs[0].Name != "Hank" || strings.Join(cs[0].Emails, ",") != "hank@globex.com" || cs[1].Name != "Mindy" {
		t.Fatalf("contacts after the failed import = %+v, %v", cs, err)
	}
}

// A new contact is stored without a savepoint too; an email another transaction
// commits between the row's lookup and its insert fails that row alone and leaves
// nothing of it behind.
func TestImportNewContactRacingAnotherTransaction(t *testing.T) {
	w := newWorld(t)
	acc := w.account(w.a, "Globex", "globex.com")
	committed := holdUntilWaited(t, w, func(tx *sqlx.Tx) error {
		var id int64
		if err := tx.GetContext(w.ctx, &id, `INSERT INTO contacts (network_id, account_id, owner_org_id, name, emails) VALUES ($1, $2, $3, 'Hank', ARRAY['hank@globex.com']) RETURNING id`,
			w.a.Network, acc.ID, w.a.Org); err != nil {
			return err
		}
		_, err := tx.ExecContext(w.ctx, `INSERT INTO contact_keys (network_id, org_id, email, contact_id) VALUES ($1, $2, 'hank@globex.com', $3)`, w.a.Network, w.a.Org, id)
		return err
	})
	// Line 3 would find line 2's contact by its other email ("updated"), had that
	// been left behind.
	file := "account,name,email\nglobex.com,Hank Two,hank@globex.com;h2@globex.com\nglobex.com,Hank Two,h2@globex.com\nglobex.com,Mindy,mindy@globex.com\n"
	res := importRacing(t, w, file, imports.Options{Kind: "contacts"}, committed)
	res.Errors = withoutDuplicate(t, res.Errors, 3)
	if len(res.Errors) != 1 || res.Errors[0].Line != 2 || res.Errors[0].Column != "email" || !strings.Contains(res.Errors[0].Message, "with the email hank@globex.com") {
		t.Fatalf("errors = %+v, want line 2's email refused", res.Errors)
	}
	if res.Applied || res.Created != 3 || res.Updated != 0 {
		t.Fatalf("result = %+v, want 3 created (line 2 failed) and nothing applied", res)
	}
	cs, err := w.acc.Contacts(w.ctx, w.a, acc.ID, false)
	if err != nil || len(cs) != 1 || cs[0].Name != "Hank" {
		t.Fatalf("contacts after the failed import = %+v, %v; want only the other transaction's", cs, err)
	}
}

// An account the row's keys and another account's keys both match is a row
// error, found by the one lookup a row makes for all its keys.
func TestImportRowMatchingTwoAccounts(t *testing.T) {
	w := newWorld(t)
	one := w.account(w.a, "One", "one.example")
	two := w.account(w.a, "Two", "two.example")
	res, err := w.imp.Import(w.ctx, w.a, []byte("name,domains\nBoth,one.example;two.example\nThree,three.example\n"), imports.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("(%d, %d)", one.ID, two.ID); len(res.Errors) != 1 || res.Errors[0].Line != 2 || !strings.Contains(res.Errors[0].Message, want) {
		t.Fatalf("errors = %+v, want line 2 naming %s", res.Errors, want)
	}
	if res.Created != 1 || res.Applied {
		t.Fatalf("result = %+v", res)
	}
}

// BenchmarkImport imports 1,000 new accounts (each with a domain and a CNPJ) in one
// all-or-nothing import, then the same file again (every row unchanged).
//
//	go test ./partners/accounts -run XXX -bench Import -benchtime 3x
func BenchmarkImport(b *testing.B) {
	var file strings.Builder
	file.WriteString("name,domains,cnpj\n")
	for i := range 1000 {
		fmt.Fprintf(&file, "Company %04d,company%04d.example,%s\n", i, i, cnpjFor(i))
	}
	for b.Loop() {
		b.StopTimer()
		w := newWorld(b)
		b.StartTimer()
		res, err := w.imp.Import(w.ctx, w.a, []byte(file.String()), imports.Options{}, nil)
		if err != nil || res.Created != 1000 {
			b.Fatalf("import: %+v, %v", res, err)
		}
		res, err = w.imp.Import(w.ctx, w.a, []byte(file.String()), imports.Options{}, nil)
		if err != nil || res.Unchanged != 1000 {
			b.Fatalf("second import: %+v, %v", res, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/2000, "µs/row")
}

// BenchmarkCSVContacts imports 1,000 new contacts of one account (named by its
// domain, each with an email), then the same file again (every row unchanged).
//
//	go test ./partners/accounts -run XXX -bench CSVContacts -benchtime 2x
func BenchmarkCSVContacts(b *testing.B) {
	var file strings.Builder
	file.WriteString("account,name,email\n")
	for i := range 1000 {
		fmt.Fprintf(&file, "company.example,Person %04d,person%04d@company.example\n", i, i)
	}
	for b.Loop() {
		b.StopTimer()
		w := newWorld(b)
		w.account(w.a, "Company", "company.example")
		b.StartTimer()
		res, err := w.imp.Import(w.ctx, w.a, []byte(file.String()), imports.Options{Kind: "contacts"}, nil)
		if err != nil || res.Created != 1000 {
			b.Fatalf("import: %+v, %v", res, err)
		}
		res, err = w.imp.Import(w.ctx, w.a, []byte(file.String()), imports.Options{Kind: "contacts"}, nil)
		if err != nil || res.Unchanged != 1000 {
			b.Fatalf("second import: %+v, %v", res, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/2000, "µs/row")
}

// cnpjFor makes a valid numeric CNPJ from i (check digits computed).
func cnpjFor(i int) string {
	d := []int{1, 1, 2, 2, 2, 3, 3, 3, i / 1000 % 10, i / 100 % 10, i / 10 % 10, i % 10}
	for _, weights := range [][]int{{5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2}, {6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2}} {
		sum := 0
		for j, w := range weights {
			sum += d[j] * w
		}
		r := sum % 11
		if r < 2 {
			d = append(d, 0)
		} else {
			d = append(d, 11-r)
		}
	}
	var sb strings.Builder
	for _, x := range d {
		sb.WriteByte(byte('0' + x))
	}
	return sb.String()
}

// withoutDuplicate checks that errs report line as repeating an earlier line's
// key (these files repeat a record on purpose, to see what the later row finds)
// and returns the other errors.
func withoutDuplicate(t *testing.T, errs []imports.RowError, line int) []imports.RowError {
	t.Helper()
	var out []imports.RowError
	found := false
	for _, e := range errs {
		if e.Line == line && strings.HasPrefix(e.Message, "has the same ") {
			found = true
			continue
		}
		out = append(out, e)
	}
	if !found {
		t.Fatalf("errors = %+v: line %d is not reported as a duplicate", errs, line)
	}
	return out
}
