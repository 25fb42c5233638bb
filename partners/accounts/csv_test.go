package accounts_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

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
	prev, err := w.acc.Import(w.ctx, w.a, []byte(latin1), accounts.ImportOptions{DryRun: true}, nil)
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
	res, err := w.acc.Import(w.ctx, w.a, []byte(latin1), accounts.ImportOptions{}, func(done, total int) { calls++ })
	if err != nil || !res.Applied || res.Created != 2 || calls == 0 {
		t.Fatalf("import = %+v, %v (progress calls %d)", res, err, calls)
	}
	l, _, _ := w.acc.List(w.ctx, w.a, accounts.Filter{Query: "padaria"})
	if len(l) != 1 || l[0].Name != "Padaria São João" || l[0].City != "São Paulo" || l[0].CNPJ != "11222333000181" {
		t.Fatalf("imported account = %+v", l)
	}
	again, err := w.acc.Import(w.ctx, w.a, []byte(latin1), accounts.ImportOptions{}, nil)
	if err != nil || again.Created != 0 || again.Updated != 0 || again.Unchanged != 2 {
		t.Fatalf("second import = %+v, %v; want 2 unchanged", again, err)
	}
	// A changed cell updates; UTF-8 with BOM and commas work too.
	bom := append([]byte{0xEF, 0xBB, 0xBF}, []byte("name,domain,industry\nAçougue Boa Carne,boacarne.com.br,Food\n")...)
	upd, err := w.acc.Import(w.ctx, w.a, bom, accounts.ImportOptions{}, nil)
	if err != nil || upd.Updated != 1 || upd.Encoding != "UTF-8 (BOM)" {
		t.Fatalf("update import = %+v, %v", upd, err)
	}
}

func TestImportErrorsChangeNothing(t *testing.T) {
	w := newWorld(t)
	w.account(w.a, "Existing", "existing.com")
	file := "name,domains,cnpj\nGood Co,good.com,\nBad CNPJ,bad.com,11.222.333/0001-82\n,noname.com,\n"
	res, err := w.acc.Import(w.ctx, w.a, []byte(file), accounts.ImportOptions{}, nil)
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
	res, err = w.acc.Import(w.ctx, pt, []byte(file), accounts.ImportOptions{}, nil)
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
		_, err := w.acc.Import(w.ctx, w.a, []byte(c.file), accounts.ImportOptions{}, nil)
		ae, ok := apperr.As(err)
		if !ok || ae.Kind != apperr.Invalid || ae.Field != c.field {
			t.Errorf("%s: %v, want Invalid on %s", c.name, err, c.field)
		}
	}
	big := bytes.Repeat([]byte("x"), accounts.MaxImportBytes+1)
	if _, err := w.acc.Import(w.ctx, w.a, big, accounts.ImportOptions{}, nil); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("oversize file: %v", err)
	}
	// An explicit mapping lets an unknown column be ignored.
	res, err = w.acc.Import(w.ctx, w.a, []byte("name,revenue\nMapped Co,10\n"), accounts.ImportOptions{Mapping: map[string]string{"revenue": "ignore"}}, nil)
	if err != nil || res.Created != 1 {
		t.Fatalf("mapped import = %+v, %v", res, err)
	}
}

func TestImportContactsAndExport(t *testing.T) {
	w := newWorld(t)
	w.account(w.a, "Globex", "globex.com")
	file := "account,name,email,phone,title\nglobex.com,Hank Scorpio,hank@globex.com,+1 555 0100,CEO\n"
	res, err := w.acc.Import(w.ctx, w.a, []byte(file), accounts.ImportOptions{Kind: "contacts"}, nil)
	if err != nil || res.Created != 1 {
		t.Fatalf("contacts import = %+v, %v", res, err)
	}
	res, _ = w.acc.Import(w.ctx, w.a, []byte(file), accounts.ImportOptions{Kind: "contacts"}, nil)
	if res.Unchanged != 1 {
		t.Fatalf("second contacts import = %+v", res)
	}
	res, _ = w.acc.Import(w.ctx, w.a, []byte("account,name,email\nnowhere.com,X,x@nowhere.com\n"), accounts.ImportOptions{Kind: "contacts"}, nil)
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
	back, err := w.acc.Import(w.ctx, w.a, buf.Bytes(), accounts.ImportOptions{Mapping: map[string]string{"owner": "ignore"}}, nil)
	if err != nil || back.Unchanged != 1 {
		t.Fatalf("re-import of the export = %+v, %v", back, err)
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
		res, err := w.acc.Import(w.ctx, w.a, []byte(file.String()), accounts.ImportOptions{}, nil)
		if err != nil || res.Created != 1000 {
			b.Fatalf("import: %+v, %v", res, err)
		}
		res, err = w.acc.Import(w.ctx, w.a, []byte(file.String()), accounts.ImportOptions{}, nil)
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
