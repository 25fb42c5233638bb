package accounts

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"golang.org/x/text/encoding/charmap"
	unicodeenc "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/audit"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/partners"
)

// MaxImportBytes is the largest CSV file an import takes.
const MaxImportBytes = 20 << 20

// MaxImportRows is the most data rows an import takes.
const MaxImportRows = 200_000

// ImportOptions say how to read a CSV file.
type ImportOptions struct {
	// Kind is "accounts" or "contacts".
	Kind string `json:"kind"`
	// DryRun previews: everything is checked and counted, nothing is kept.
	DryRun bool `json:"dry_run"`
	// Mapping maps a header (as written in the file) to a field, or to "ignore".
	// Headers not in it are recognized by name in English or Portuguese.
	Mapping map[string]string `json:"mapping"`
}

// RowError is a problem with one row of the file.
type RowError struct {
	Line    int    `json:"line"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

// ImportResult is what an import did, or would do in a dry run.
type ImportResult struct {
	Kind      string            `json:"kind"`
	DryRun    bool              `json:"dry_run"`
	Applied   bool              `json:"applied"`
	Encoding  string            `json:"encoding"`
	Delimiter string            `json:"delimiter"`
	Columns   map[string]string `json:"columns"` // header → field
	Rows      int               `json:"rows"`
	Created   int               `json:"created"`
	Updated   int               `json:"updated"`
	Unchanged int               `json:"unchanged"`
	Errors    []RowError        `json:"errors"`
}

var accountAliases = map[string][]string{
	"name":        {"name", "company", "companyname", "account", "accountname", "nome", "empresa", "razaosocial", "nomefantasia", "conta"},
	"domains":     {"domain", "domains", "website", "site", "url", "web", "dominio", "dominios"},
	"cnpj":        {"cnpj"},
	"duns":        {"duns", "dunsnumber"},
	"vat":         {"vat", "vatnumber", "taxid"},
	"industry":    {"industry", "setor", "segmento", "ramo"},
	"size":        {"size", "companysize", "tamanho", "porte"},
	"region":      {"region", "regiao"},
	"street":      {"street", "address", "endereco", "logradouro"},
	"city":        {"city", "cidade", "municipio"},
	"state":       {"state", "estado", "uf"},
	"postal_code": {"postalcode", "zip", "zipcode", "cep"},
	"country":     {"country", "pais"},
	"tags":        {"tags", "tag", "etiquetas", "labels"},
}

var contactAliases = map[string][]string{
	"account":   {"account", "company", "accountdomain", "domain", "conta", "empresa", "dominio"},
	"name":      {"name", "contact", "contactname", "fullname", "nome", "contato"},
	"emails":    {"email", "emails", "emailaddress", "mail"},
	"phones":    {"phone", "phones", "telephone", "mobile", "telefone", "celular"},
	"title":     {"title", "jobtitle", "position", "cargo", "funcao"},
	"best_time": {"besttime", "besttimetocall", "melhorhorario", "horario"},
}

// headerKey normalizes a header for matching: no accents, case, spaces or punctuation.
func headerKey(h string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	s, _, _ := transform.String(t, strings.ToLower(strings.TrimSpace(h)))
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// decodeCSV turns the file into UTF-8: a UTF-8 or UTF-16 byte-order mark decides;
// otherwise valid UTF-8 is kept and anything else is read as Windows-1252 (the
// Latin-1 superset that Brazilian spreadsheets write).
func decodeCSV(data []byte) (string, string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return string(data[3:]), "UTF-8 (BOM)", nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		out, err := unicodeenc.UTF16(unicodeenc.BigEndian, unicodeenc.UseBOM).NewDecoder().Bytes(data)
		if err != nil {
			return "", "", apperr.Field("file", "the file says it is UTF-16 but is not readable as such")
		}
		return string(out), "UTF-16", nil
	case utf8.Valid(data):
		return string(data), "UTF-8", nil
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(data)
	if err != nil {
		return "", "", apperr.Field("file", "the file's text encoding is not recognized")
	}
	return string(out), "Windows-1252 (Latin-1)", nil
}

// sniffDelimiter picks comma, semicolon or tab from the header line.
func sniffDelimiter(text string) rune {
	line, _, _ := strings.Cut(text, "\n")
	best, n := ',', -1
	for _, d := range []rune{',', ';', '\t'} {
		if c := strings.Count(line, string(d)); c > n {
			best, n = d, c
		}
	}
	return best
}

func delimiterName(d rune) string {
	return map[rune]string{',': "comma", ';': "semicolon", '\t': "tab"}[d]
}

// Import reads a CSV file of accounts or contacts and upserts it for the actor's
// organization on the matching keys (accounts: domains, CNPJ, DUNS, VAT, else the
// exact name; contacts: email). It is all or nothing: a file with any row error
// changes nothing and the result lists every error with its line and column; a dry
// run never changes anything. Importing the same file twice changes nothing the
// second time. progress, if set, is called as rows are processed.
// Errors: Forbidden, Invalid (unreadable file, unknown columns).
func (s *Service) Import(ctx context.Context, a partners.Actor, data []byte, opts ImportOptions, progress func(done, total int)) (*ImportResult, error) {
	if err := a.Require(partners.Sales); err != nil {
		return nil, err
	}
	if opts.Kind == "" {
		opts.Kind = "accounts"
	}
	if opts.Kind != "accounts" && opts.Kind != "contacts" {
		return nil, apperr.Field("kind", "must be accounts or contacts")
	}
	if len(data) > MaxImportBytes {
		return nil, apperr.Field("file", "the file is %d bytes; the limit is %d MiB", len(data), MaxImportBytes>>20)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, apperr.Field("file", "the file is empty")
	}
	text, enc, err := decodeCSV(data)
	if err != nil {
		return nil, err
	}
	delim := sniffDelimiter(text)
	res := &ImportResult{Kind: opts.Kind, DryRun: opts.DryRun, Encoding: enc, Delimiter: delimiterName(delim), Columns: map[string]string{}, Errors: []RowError{}}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = delim
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, csvError(err)
	}
	aliases := accountAliases
	if opts.Kind == "contacts" {
		aliases = contactAliases
	}
	byAlias := map[string]string{}
	for field, as := range aliases {
		for _, x := range as {
			byAlias[x] = field
		}
	}
	cols := make([]string, len(header)) // column index → field ("" ignored)
	seen := map[string]string{}
	for i, h := range header {
		field, mapped := opts.Mapping[h]
		if !mapped {
			field = byAlias[headerKey(h)]
			if field == "" {
				return nil, apperr.Field("columns", "column %d %q is not a known %s field: map it to one (%s) or to ignore", i+1, h, strings.TrimSuffix(opts.Kind, "s"), fieldList(aliases))
			}
		} else if field == "ignore" || field == "" {
			continue
		} else if _, ok := aliases[field]; !ok {
			return nil, apperr.Field("mapping", "%q is not a %s field (%s)", field, strings.TrimSuffix(opts.Kind, "s"), fieldList(aliases))
		}
		if prev, dup := seen[field]; dup {
			return nil, apperr.Field("columns", "columns %q and %q both map to %s", prev, h, field)
		}
		seen[field] = h
		cols[i] = field
		res.Columns[h] = field
	}
	if _, ok := seen["name"]; !ok {
		return nil, apperr.Field("columns", "the file has no name column")
	}
	if opts.Kind == "contacts" {
		if _, ok := seen["account"]; !ok {
			return nil, apperr.Field("columns", "a contacts file needs an account column (the account's domain, CNPJ or exact name)")
		}
	}
	type row struct {
		line   int
		values map[string]string
	}
	var rows []row
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rows) >= MaxImportRows {
			return nil, apperr.Field("file", "the file has more than %d rows: split it", MaxImportRows)
		}
		if len(rec) != len(header) {
			res.Errors = append(res.Errors, RowError{Line: line, Message: fmt.Sprintf("has %d fields, the header has %d", len(rec), len(header))})
			continue
		}
		v := map[string]string{}
		for i, x := range rec {
			if cols[i] != "" {
				v[cols[i]] = strings.TrimSpace(x)
			}
		}
		rows = append(rows, row{line, v})
	}
	res.Rows = len(rows) + len(res.Errors)
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		for i, rw := range rows {
			var outcome string
			// A savepoint per row: a row the database refuses must not abort the
			// transaction for the rows after it (their errors are reported too).
			if _, err := tx.ExecContext(ctx, `SAVEPOINT import_row`); err != nil {
				return err
			}
			var err error
			if opts.Kind == "accounts" {
				outcome, err = s.upsertAccountRow(ctx, tx, a, rw.values)
			} else {
				outcome, err = s.upsertContactRow(ctx, tx, a, rw.values)
			}
			err = db.Translate(err)
			if err != nil {
				if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT import_row`); rerr != nil {
					return rerr
				}
			} else if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT import_row`); err != nil {
				return err
			}
			if err != nil {
				ae, ok := apperr.As(err)
				if !ok || ae.Kind == apperr.Internal {
					return fmt.Errorf("import line %d: %w", rw.line, err)
				}
				col := ""
				if ae.Field != "" {
					col = seen[ae.Field]
					if col == "" {
						col = ae.Field
					}
				}
				res.Errors = append(res.Errors, RowError{Line: rw.line, Column: col,
					Message: ae.Translated(func(f string) string { return l10n.Lookup(a.Locale, f) })})
			}
			switch outcome {
			case "created":
				res.Created++
			case "updated":
				res.Updated++
			case "unchanged":
				res.Unchanged++
			}
			if progress != nil && (i%200 == 0 || i == len(rows)-1) {
				progress(i+1, len(rows))
			}
		}
		if len(res.Errors) > 0 || opts.DryRun {
			return errRollback
		}
		res.Applied = true
		return audit.Append(ctx, tx, audit.Entry{Network: a.Network, Org: a.Org, User: a.User, Actor: a.Label(), Action: "import." + opts.Kind,
			Detail: map[string]any{"rows": res.Rows, "created": res.Created, "updated": res.Updated, "unchanged": res.Unchanged}})
	})
	if err != nil && !errors.Is(err, errRollback) {
		return nil, err
	}
	if len(res.Errors) > 0 {
		res.Applied = false
	}
	return res, nil
}

var errRollback = errors.New("rollback")

func fieldList(aliases map[string][]string) string {
	var fs []string
	for f := range aliases {
		fs = append(fs, f)
	}
	sortStrings(fs)
	return strings.Join(fs, ", ")
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return apperr.Field("file", "line %d, column %d: %v", pe.StartLine, pe.Column, pe.Err)
	}
	return apperr.Field("file", "%v", err)
}

func optional(v map[string]string, k string) *string {
	x, ok := v[k]
	if !ok {
		return nil
	}
	return &x
}

// upsertAccountRow creates or updates the account a row names. Empty cells leave
// fields as they are.
func (s *Service) upsertAccountRow(ctx context.Context, tx *sqlx.Tx, a partners.Actor, v map[string]string) (string, error) {
	in := Input{Name: optional(v, "name"), DUNS: optional(v, "duns"), CNPJ: optional(v, "cnpj"), VAT: optional(v, "vat"),
		Industry: optional(v, "industry"), Size: optional(v, "size"), Region: optional(v, "region"), Street: optional(v, "street"),
		City: optional(v, "city"), State: optional(v, "state"), PostalCode: optional(v, "postal_code"), Country: optional(v, "country")}
	if d, ok := v["domains"]; ok {
		in.Domains = splitList(d)
	}
	if t, ok := v["tags"]; ok {
		in.Tags = splitList(t)
	}
	// Empty cells mean "no change".
	for _, p := range []**string{&in.DUNS, &in.CNPJ, &in.VAT, &in.Industry, &in.Size, &in.Region, &in.Street, &in.City, &in.State, &in.PostalCode, &in.Country} {
		if *p != nil && **p == "" {
			*p = nil
		}
	}
	if in.Domains != nil && len(*in.Domains) == 0 {
		in.Domains = nil
	}
	if in.Tags != nil && len(*in.Tags) == 0 {
		in.Tags = nil
	}
	if err := in.normalize(true); err != nil {
		return "", err
	}
	probe := &Account{Network: a.Network, OwnerOrg: a.Org}
	in.apply(probe)
	ids := map[int64]bool{}
	for _, k := range keysOf(probe) {
		var id int64
		err := tx.GetContext(ctx, &id, `SELECT account_id FROM account_keys WHERE network_id = $1 AND org_id = $2 AND kind = $3 AND value = $4`, a.Network, a.Org, k.kind, k.value)
		if err == nil {
			ids[id] = true
		} else if !isNoRows(err) {
			return "", err
		}
	}
	if len(ids) == 0 && len(keysOf(probe)) == 0 {
		var id int64
		err := tx.GetContext(ctx, &id, `SELECT id FROM accounts WHERE network_id = $1 AND owner_org_id = $2 AND sort_name = lower($3) ORDER BY id LIMIT 1`, a.Network, a.Org, *in.Name)
		if err == nil {
			ids[id] = true
		} else if !isNoRows(err) {
			return "", err
		}
	}
	if len(ids) > 1 {
		var list []string
		for id := range ids {
			list = append(list, fmt.Sprint(id))
		}
		sortStrings(list)
		return "", apperr.E(apperr.Conflict, "the row's identifiers match several of your accounts (%s): merge them first", strings.Join(list, ", "))
	}
	if len(ids) == 0 {
		if a.User != 0 {
			probe.OwnerUser = &a.User
		}
		return "created", s.insert(ctx, tx, a, probe)
	}
	var id int64
	for x := range ids {
		id = x
	}
	var cur Account
	if err := tx.GetContext(ctx, &cur, `SELECT `+columns+fromAccounts+` WHERE a.network_id = $1 AND a.id = $2 FOR UPDATE OF a`, a.Network, id); err != nil {
		return "", err
	}
	if !canWrite(a, &cur) {
		return "", apperr.E(apperr.Forbidden, "account %d is not yours to change", id)
	}
	next := cur
	if in.Domains != nil {
		// Imports add domains; they never drop ones the account already has.
		merged := append([]string{}, cur.Domains...)
		for _, d := range *in.Domains {
			if !contains(merged, d) {
				merged = append(merged, d)
			}
		}
		in.Domains = &merged
	}
	if in.Tags != nil {
		merged := append([]string{}, cur.Tags...)
		for _, t := range *in.Tags {
			if !contains(merged, t) {
				merged = append(merged, t)
			}
		}
		sortStrings(merged)
		in.Tags = &merged
	}
	in.apply(&next)
	if sameAccount(&cur, &next) {
		return "unchanged", nil
	}
	if other, what, err := duplicateOf(ctx, tx, a.Network, a.Org, id, keysOf(&next)); err != nil {
		return "", err
	} else if other != 0 {
		return "", duplicateError(other, what)
	}
	if _, err := tx.ExecContext(ctx, `
		UPDATE accounts SET name = $3, domains = $4, duns = $5, cnpj = $6, vat = $7, industry = $8, size = $9, region = $10,
		       street = $11, city = $12, state = $13, postal_code = $14, country = $15, tags = $16, updated_at = now()
		 WHERE network_id = $1 AND id = $2`,
		a.Network, id, next.Name, next.Domains, next.DUNS, next.CNPJ, next.VAT, next.Industry, next.Size, next.Region,
		next.Street, next.City, next.State, next.PostalCode, next.Country, next.Tags); err != nil {
		return "", err
	}
	return "updated", writeKeys(ctx, tx, &next)
}

func sameAccount(x, y *Account) bool {
	return x.Name == y.Name && strings.Join(x.Domains, ",") == strings.Join(y.Domains, ",") && x.DUNS == y.DUNS && x.CNPJ == y.CNPJ &&
		x.VAT == y.VAT && x.Industry == y.Industry && x.Size == y.Size && x.Region == y.Region && x.Street == y.Street &&
		x.City == y.City && x.State == y.State && x.PostalCode == y.PostalCode && x.Country == y.Country && strings.Join(x.Tags, ",") == strings.Join(y.Tags, ",")
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func splitList(s string) *[]string {
	out := []string{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '|' || r == '\n' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return &out
}

// upsertContactRow creates or updates the contact a row names, on its email, on the
// account the row's account cell names (domain, CNPJ or exact name).
func (s *Service) upsertContactRow(ctx context.Context, tx *sqlx.Tx, a partners.Actor, v map[string]string) (string, error) {
	ref := v["account"]
	if ref == "" {
		return "", apperr.Field("account", "is empty")
	}
	var account int64
	found := false
	if d, err := NormalizeDomain(ref); err == nil {
		found = tx.GetContext(ctx, &account, `SELECT account_id FROM account_keys WHERE network_id = $1 AND org_id = $2 AND kind = 'domain' AND value = $3`, a.Network, a.Org, d) == nil
	}
	if !found {
		if c, err := NormalizeCNPJ(ref); err == nil && c != "" {
			found = tx.GetContext(ctx, &account, `SELECT account_id FROM account_keys WHERE network_id = $1 AND org_id = $2 AND kind = 'cnpj' AND value = $3`, a.Network, a.Org, c) == nil
		}
	}
	if !found {
		found = tx.GetContext(ctx, &account, `SELECT id FROM accounts WHERE network_id = $1 AND owner_org_id = $2 AND sort_name = lower($3) ORDER BY id LIMIT 1`, a.Network, a.Org, ref) == nil
	}
	if !found {
		return "", apperr.Field("account", "no account of yours has the domain, CNPJ or name %q", ref)
	}
	in := ContactInput{Account: &account, Name: optional(v, "name"), Title: optional(v, "title"), BestTime: optional(v, "best_time")}
	if e, ok := v["emails"]; ok {
		in.Emails = splitList(e)
	}
	if p, ok := v["phones"]; ok {
		in.Phones = splitList(p)
	}
	if err := in.normalize(true); err != nil {
		return "", err
	}
	var existing int64
	if in.Emails != nil {
		for _, e := range *in.Emails {
			if tx.GetContext(ctx, &existing, `SELECT contact_id FROM contact_keys WHERE network_id = $1 AND org_id = $2 AND email = $3`, a.Network, a.Org, e) == nil {
				break
			}
		}
	}
	if existing == 0 {
		acc, err := lockForWrite(ctx, tx, a, account)
		if err != nil {
			return "", err
		}
		c := Contact{Network: a.Network, Account: account, OwnerOrg: acc.OwnerOrg}
		in.apply(&c)
		if err := tx.GetContext(ctx, &c.ID, `INSERT INTO contacts (network_id, account_id, owner_org_id, name, emails, phones, title, best_time, reader_orgs, writer_orgs)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`, a.Network, account, acc.OwnerOrg, c.Name, c.Emails, c.Phones, c.Title, c.BestTime, acc.ReaderOrgs, acc.WriterOrgs); err != nil {
			return "", err
		}
		return "created", writeContactKeys(ctx, tx, &c, true)
	}
	var cur Contact
	if err := tx.GetContext(ctx, &cur, `SELECT `+contactColumns+` FROM contacts WHERE network_id = $1 AND id = $2 FOR UPDATE`, a.Network, existing); err != nil {
		return "", err
	}
	next := cur
	if in.Emails != nil {
		merged := append([]string{}, cur.Emails...)
		for _, e := range *in.Emails {
			if !contains(merged, e) {
				merged = append(merged, e)
			}
		}
		in.Emails = &merged
	}
	if in.Phones != nil && len(*in.Phones) == 0 {
		in.Phones = nil
	}
	for _, p := range []**string{&in.Title, &in.BestTime} {
		if *p != nil && **p == "" {
			*p = nil
		}
	}
	in.apply(&next)
	if next.Name == cur.Name && strings.Join(next.Emails, ",") == strings.Join(cur.Emails, ",") && strings.Join(next.Phones, ",") == strings.Join(cur.Phones, ",") &&
		next.Title == cur.Title && next.BestTime == cur.BestTime && cur.Account == account {
		return "unchanged", nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE contacts SET name = $3, emails = $4, phones = $5, title = $6, best_time = $7, updated_at = now() WHERE network_id = $1 AND id = $2`,
		a.Network, existing, next.Name, next.Emails, next.Phones, next.Title, next.BestTime); err != nil {
		return "", err
	}
	return "updated", writeContactKeys(ctx, tx, &next, true)
}

// ExportColumns are the account CSV columns, named as the import reads them.
var ExportColumns = []string{"name", "domains", "cnpj", "duns", "vat", "industry", "size", "region", "street", "city", "state", "postal_code", "country", "tags", "owner"}

// Export writes the accounts the actor may see under the filter as CSV (UTF-8,
// comma), page by page, in the columns Import reads.
func (s *Service) Export(ctx context.Context, a partners.Actor, f Filter, w io.Writer) (int, error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(ExportColumns); err != nil {
		return 0, err
	}
	n := 0
	f.Limit = 200
	for {
		page, next, err := s.List(ctx, a, f)
		if err != nil {
			return n, err
		}
		for _, x := range page {
			if err := cw.Write([]string{x.Name, strings.Join(x.Domains, ";"), x.CNPJ, x.DUNS, x.VAT, x.Industry, x.Size, x.Region, x.Street, x.City, x.State,
				x.PostalCode, x.Country, strings.Join(x.Tags, ";"), x.OwnerOrgNm}); err != nil {
				return n, err
			}
			n++
		}
		if next == "" {
			break
		}
		f.Cursor = next
	}
	cw.Flush()
	return n, cw.Error()
}
