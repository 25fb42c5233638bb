package accounts

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
)

// ImportFamilies are the record families accounts brings to the import pipeline
// (exchange/imports): accounts, upserted on their matching keys (domains, CNPJ,
// DUNS, VAT, else the exact name), the default; and contacts, upserted on their
// email, on the account their account cell names.
func (s *Service) ImportFamilies() []imports.Family {
	open := func(kind string) func(context.Context, *sqlx.Tx, partners.Actor) (imports.Rows, error) {
		return func(ctx context.Context, tx *sqlx.Tx, a partners.Actor) (imports.Rows, error) {
			return newImporter(ctx, tx, a, kind)
		}
	}
	return []imports.Family{
		{Kind: "accounts", Record: "account", Columns: accountImportColumns, Open: open("accounts"), Keys: accountRowKeys, Export: s.exportOwn},
		{Kind: "contacts", Record: "contact", Columns: contactImportColumns, Open: open("contacts"), Keys: contactRowKeys},
	}
}

// keyFields are the columns the matching keys come from.
var keyFields = map[string]string{"domain": "domains", "duns": "duns", "cnpj": "cnpj", "vat": "vat"}

// accountRowKeys are the keys an account row is matched on, as account matches
// them: its normalized identifiers, else its name.
func accountRowKeys(v map[string]string) []imports.Key {
	in, err := accountRowInput(v)
	if err != nil {
		return nil
	}
	var probe Account
	in.apply(&probe)
	var out []imports.Key
	for _, k := range keysOf(&probe) {
		out = append(out, imports.Key{Field: keyFields[k.kind], Label: k.kind, Value: k.value})
	}
	if len(out) == 0 && strings.TrimSpace(probe.Name) != "" {
		out = append(out, imports.Key{Field: "name", Label: "name", Value: strings.ToLower(strings.TrimSpace(probe.Name))})
	}
	return out
}

// contactRowKeys are the emails a contact row is matched on, normalized.
func contactRowKeys(v map[string]string) []imports.Key {
	e, ok := v["emails"]
	if !ok {
		return nil
	}
	var account int64
	in := ContactInput{Account: &account, Name: optional(v, "name"), Emails: splitList(e)}
	if in.normalize(true) != nil || in.Emails == nil {
		return nil
	}
	var out []imports.Key
	for _, x := range *in.Emails {
		out = append(out, imports.Key{Field: "emails", Label: "email", Value: x})
	}
	return out
}

var accountImportColumns = []imports.Column{
	{Field: "name", Aliases: []string{"name", "company", "companyname", "account", "accountname", "nome", "empresa", "razaosocial", "nomefantasia", "conta"},
		Missing: apperr.Field("columns", "the file has no name column")},
	{Field: "domains", Aliases: []string{"domain", "domains", "website", "site", "url", "web", "dominio", "dominios"}},
	{Field: "cnpj", Aliases: []string{"cnpj"}},
	{Field: "duns", Aliases: []string{"duns", "dunsnumber"}},
	{Field: "vat", Aliases: []string{"vat", "vatnumber", "taxid"}},
	{Field: "industry", Aliases: []string{"industry", "setor", "segmento", "ramo"}},
	{Field: "size", Aliases: []string{"size", "companysize", "tamanho", "porte"}},
	{Field: "region", Aliases: []string{"region", "regiao"}},
	{Field: "street", Aliases: []string{"street", "address", "endereco", "logradouro"}},
	{Field: "city", Aliases: []string{"city", "cidade", "municipio"}},
	{Field: "state", Aliases: []string{"state", "estado", "uf"}},
	{Field: "postal_code", Aliases: []string{"postalcode", "zip", "zipcode", "cep"}},
	{Field: "country", Aliases: []string{"country", "pais"}},
	{Field: "tags", Aliases: []string{"tags", "tag", "etiquetas", "labels"}},
}

var contactImportColumns = []imports.Column{
	{Field: "name", Aliases: []string{"name", "contact", "contactname", "fullname", "nome", "contato"},
		Missing: apperr.Field("columns", "the file has no name column")},
	{Field: "account", Aliases: []string{"account", "company", "accountdomain", "domain", "conta", "empresa", "dominio"},
		Missing: apperr.Field("columns", "a contacts file needs an account column (the account's domain, CNPJ or exact name)")},
	{Field: "emails", Aliases: []string{"email", "emails", "emailaddress", "mail"}},
	{Field: "phones", Aliases: []string{"phone", "phones", "telephone", "mobile", "telefone", "celular"}},
	{Field: "title", Aliases: []string{"title", "jobtitle", "position", "cargo", "funcao"}},
	{Field: "best_time", Aliases: []string{"besttime", "besttimetocall", "melhorhorario", "horario"}},
}

func optional(v map[string]string, k string) *string {
	x, ok := v[k]
	if !ok {
		return nil
	}
	return &x
}

// importer runs the rows of one import inside its transaction.
//
// Round trips were most of an import's time (pg_stat_statements: a lookup runs in a
// few hundredths of a millisecond, a round trip takes about a tenth). So the
// statements a row repeats are prepared once per import (lib/pq sends a query with
// parameters as an unnamed statement, parsed and planned anew, in two round trips;
// a prepared one takes one), the lookups of a row are one statement each, a row
// takes a savepoint only before its first write, and a new account or contact
// needs none (see row, create and createContactRow).
type importer struct {
	tx   *sqlx.Tx
	a    partners.Actor
	kind string
	// savepoint says whether the current row has taken its savepoint.
	savepoint bool

	// accounts
	matchKeys, matchName, lockAccount, otherKey, createAccount, updateAccount, deleteAccount, deleteKeys *sqlx.Stmt
	// contacts
	matchRef, contactByEmail, lockContact, createContact, deleteContact, updateContact *sqlx.Stmt
}

// newImporter prepares the statements an import of kind repeats on tx.
func newImporter(ctx context.Context, tx *sqlx.Tx, a partners.Actor, kind string) (*importer, error) {
	imp := &importer{tx: tx, a: a, kind: kind}
	stmts := map[**sqlx.Stmt]string{
		&imp.matchKeys:     sqlMatchKeys,
		&imp.matchName:     sqlMatchName,
		&imp.lockAccount:   lockAccount,
		&imp.otherKey:      sqlOtherKey,
		&imp.createAccount: sqlCreateAccount,
		&imp.updateAccount: sqlUpdateAccount,
		&imp.deleteAccount: `DELETE FROM accounts WHERE network_id = $1 AND id = $2`,
		&imp.deleteKeys:    `DELETE FROM account_keys WHERE network_id = $1 AND account_id = $2`,
	}
	if kind == "contacts" {
		stmts = map[**sqlx.Stmt]string{
			&imp.matchRef:       sqlMatchRef,
			&imp.contactByEmail: sqlContactByEmail,
			&imp.lockContact:    `SELECT ` + contactColumns + ` FROM contacts WHERE network_id = $1 AND id = $2 FOR UPDATE`,
			&imp.lockAccount:    lockAccount,
			&imp.createContact:  sqlCreateContact,
			&imp.deleteContact:  `DELETE FROM contacts WHERE network_id = $1 AND id = $2`,
			&imp.updateContact:  `UPDATE contacts SET name = $3, emails = $4, phones = $5, title = $6, best_time = $7, updated_at = now() WHERE network_id = $1 AND id = $2`,
		}
	}
	for dst, q := range stmts {
		st, err := tx.PreparexContext(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("prepare import statement: %w", err)
		}
		*dst = st
	}
	return imp, nil
}

// Row imports one row and says what it did: "created", "updated" or "unchanged"
// (a row that fails while writing still says what it was doing).
//
// A row that only reads needs no savepoint: reads change nothing, and the one
// error a read meets that does not end the import anyway, "no rows", is the
// driver's, not the database's, so the transaction stays usable for the rows after
// it. The row's first write takes the savepoint (write); rolling back to it when
// the row fails undoes the row's writes and keeps the transaction alive for the
// rows after it, whose errors are reported too.
func (imp *importer) Row(ctx context.Context, v map[string]string) (string, error) {
	imp.savepoint = false
	var outcome string
	var err error
	if imp.kind == "accounts" {
		outcome, err = imp.account(ctx, v)
	} else {
		outcome, err = imp.contact(ctx, v)
	}
	err = db.Translate(err)
	if !imp.savepoint {
		return outcome, err
	}
	if err != nil {
		if _, rerr := imp.tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT import_row`); rerr != nil {
			return "", fmt.Errorf("roll back the row: %w", rerr)
		}
		return outcome, err
	}
	if _, err := imp.tx.ExecContext(ctx, `RELEASE SAVEPOINT import_row`); err != nil {
		return "", fmt.Errorf("release the row: %w", err)
	}
	return outcome, nil
}

// write takes the current row's savepoint, once, before a statement that may fail
// in the database after changing something.
func (imp *importer) write(ctx context.Context) error {
	if imp.savepoint {
		return nil
	}
	if _, err := imp.tx.ExecContext(ctx, `SAVEPOINT import_row`); err != nil {
		return err
	}
	imp.savepoint = true
	return nil
}

// lockWritable locks account id for the row and says whether the actor may change
// it, by the rule the API applies (canWrite, as lockForWrite does): every row of
// every record type the import carries asks it before its first write. The
// account is the organization's own (the row's keys, name or email found it), so
// the update policy lets it be locked at once.
func (imp *importer) lockWritable(ctx context.Context, id int64) (*Account, bool, error) {
	var acc Account
	if err := imp.lockAccount.GetContext(ctx, &acc, imp.a.Network, id); isNoRows(err) {
		return nil, false, apperr.E(apperr.NotFound, "Account %d not found.", id)
	} else if err != nil {
		return nil, false, err
	}
	return &acc, canWrite(imp.a, &acc), nil
}

const lockAccount = `SELECT ` + columns + fromAccounts + ` WHERE a.network_id = $1 AND a.id = $2 FOR UPDATE OF a`

// sqlMatchKeys finds the accounts of the organization holding any of the keys
// ($3 kinds, $4 values), in one round trip however many keys a row has. One
// primary-key read per key: OFFSET 0 keeps the planner from joining the keys
// another way in the generic plan of the prepared statement (which read the
// organization's keys by scan, about 0.4 ms a row at 1,000 accounts).
const sqlMatchKeys = `SELECT DISTINCT k.account_id
	  FROM unnest($3::text[], $4::text[]) AS t(kind, value)
	 CROSS JOIN LATERAL (SELECT account_id FROM account_keys
	                      WHERE network_id = $1 AND org_id = $2 AND kind = t.kind AND value = t.value OFFSET 0) k`

const sqlMatchName = `SELECT id FROM accounts WHERE network_id = $1 AND owner_org_id = $2 AND sort_name = lower($3) ORDER BY id LIMIT 1`

// sqlOtherKey finds the first of the keys ($3 kinds, $4 values, in their order)
// that another account than $5 holds: duplicateOf in one round trip.
const sqlOtherKey = `SELECT k.account_id, k.kind, k.value
	  FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS t(kind, value, n)
	  JOIN account_keys k ON k.network_id = $1 AND k.org_id = $2 AND k.kind = t.kind AND k.value = t.value
	 WHERE k.account_id <> $5
	 ORDER BY t.n LIMIT 1`

// sqlCreateAccount stores an account and returns its id; create then stores its
// keys with insertKeyRows, a multi-row INSERT … VALUES (an INSERT … SELECT FROM
// unnest(…) becomes a COPY on Citus, which row-level security refuses: DESIGN §9).
const sqlCreateAccount = `INSERT INTO accounts (network_id, owner_org_id, owner_user_id, name, domains, duns, cnpj, vat, industry, size, region, street, city, state, postal_code, country, tags)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id`

const sqlUpdateAccount = `UPDATE accounts SET name = $3, domains = $4, duns = $5, cnpj = $6, vat = $7, industry = $8, size = $9, region = $10,
	       street = $11, city = $12, state = $13, postal_code = $14, country = $15, tags = $16, updated_at = now()
	 WHERE network_id = $1 AND id = $2`

// keyArrays splits keys into their kinds and values, the arrays the lookups
// above take.
func keyArrays(keys []key) (kinds, values pq.StringArray) {
	kinds, values = make(pq.StringArray, len(keys)), make(pq.StringArray, len(keys))
	for i, k := range keys {
		kinds[i], values[i] = k.kind, k.value
	}
	return kinds, values
}

// accountRowInput reads a row's cells into an Input and validates it. Empty cells
// mean "no change".
func accountRowInput(v map[string]string) (Input, error) {
	in := Input{Name: optional(v, "name"), DUNS: optional(v, "duns"), CNPJ: optional(v, "cnpj"), VAT: optional(v, "vat"),
		Industry: optional(v, "industry"), Size: optional(v, "size"), Region: optional(v, "region"), Street: optional(v, "street"),
		City: optional(v, "city"), State: optional(v, "state"), PostalCode: optional(v, "postal_code"), Country: optional(v, "country")}
	if d, ok := v["domains"]; ok {
		in.Domains = splitList(d)
	}
	if t, ok := v["tags"]; ok {
		in.Tags = splitList(t)
	}
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
	return in, in.normalize(true)
}

// account creates or updates the account a row names: the one holding its
// matching keys, or with no keys, the first with its exact name. Empty cells leave
// fields as they are.
func (imp *importer) account(ctx context.Context, v map[string]string) (string, error) {
	in, err := accountRowInput(v)
	if err != nil {
		return "", err
	}
	a := imp.a
	probe := &Account{Network: a.Network, OwnerOrg: a.Org}
	in.apply(probe)
	var ids []int64
	if keys := keysOf(probe); len(keys) > 0 {
		kinds, values := keyArrays(keys)
		err = imp.matchKeys.SelectContext(ctx, &ids, a.Network, a.Org, kinds, values)
	} else {
		err = imp.matchName.SelectContext(ctx, &ids, a.Network, a.Org, probe.Name)
	}
	if err != nil {
		return "", err
	}
	switch {
	case len(ids) > 1:
		var list []string
		for _, id := range ids {
			list = append(list, fmt.Sprint(id))
		}
		sortStrings(list)
		return "", apperr.E(apperr.Conflict, "the row's identifiers match several of your accounts (%s): merge them first", strings.Join(list, ", "))
	case len(ids) == 0:
		if a.User != 0 {
			probe.OwnerUser = &a.User
		}
		return "created", imp.create(ctx, probe)
	}
	return imp.update(ctx, ids[0], in)
}

// create stores a new account with its keys in one statement and no savepoint.
// The lookup the row just made stands for Create's duplicate check: nothing has
// written in this transaction since. After Go validation (normalize checks every
// column the table's constraints check, the organization and user are the actor's
// own, and nothing deletes users), the one way the statement could fail in the
// database is a matching key stored by another transaction that committed after
// that lookup: a unique violation, which would abort the transaction. The keys are
// inserted ON CONFLICT DO NOTHING instead, so a key missing from the count stored
// tells that race happened; the account is then deleted again, as rolling back a
// savepoint would have, and the row reports what the unique violation reported
// when every row had its savepoint.
func (imp *importer) create(ctx context.Context, acc *Account) error {
	a := imp.a
	keys := keysOf(acc)
	if err := imp.createAccount.QueryRowxContext(ctx, a.Network, a.Org, acc.OwnerUser, acc.Name, acc.Domains, acc.DUNS, acc.CNPJ, acc.VAT,
		acc.Industry, acc.Size, acc.Region, acc.Street, acc.City, acc.State, acc.PostalCode, acc.Country, acc.Tags).Scan(&acc.ID); err != nil {
		return err
	}
	acc.Network, acc.OwnerOrg = a.Network, a.Org
	stored, err := insertKeyRows(ctx, imp.tx, acc, keys, " ON CONFLICT DO NOTHING")
	if err != nil {
		return err
	}
	if stored == int64(len(keys)) {
		return nil
	}
	if _, err := imp.deleteAccount.ExecContext(ctx, a.Network, acc.ID); err != nil {
		return err
	}
	return db.Translate(&pq.Error{Code: "23505", Constraint: "account_keys_pkey"})
}

// update changes the account id as the row says; domains and tags are added to the
// account's, never dropped.
func (imp *importer) update(ctx context.Context, id int64, in Input) (string, error) {
	a := imp.a
	cur, may, err := imp.lockWritable(ctx, id)
	if err != nil {
		return "", err
	}
	if !may {
		return "", apperr.E(apperr.Forbidden, "you may not change account %d: your role does not allow it, or it is not yours", id)
	}
	next := *cur
	if in.Domains != nil {
		merged := union(cur.Domains, *in.Domains)
		in.Domains = &merged
	}
	if in.Tags != nil {
		merged := union(cur.Tags, *in.Tags)
		sortStrings(merged)
		in.Tags = &merged
	}
	in.apply(&next)
	if sameAccount(cur, &next) {
		return "unchanged", nil
	}
	if other, what, err := imp.duplicateOf(ctx, id, keysOf(&next)); err != nil {
		return "", err
	} else if other != 0 {
		return "", duplicateError(other, what)
	}
	if err := imp.write(ctx); err != nil {
		return "", err
	}
	if _, err := imp.updateAccount.ExecContext(ctx, a.Network, id, next.Name, next.Domains, next.DUNS, next.CNPJ, next.VAT, next.Industry, next.Size, next.Region,
		next.Street, next.City, next.State, next.PostalCode, next.Country, next.Tags); err != nil {
		return "", err
	}
	if _, err := imp.deleteKeys.ExecContext(ctx, a.Network, id); err != nil {
		return "updated", err
	}
	next.ID = id
	if _, err := insertKeyRows(ctx, imp.tx, &next, keysOf(&next), ""); err != nil {
		return "updated", err
	}
	if err := partners.RecordChanged(ctx, imp.tx, a.Network, "account", id); err != nil {
		return "updated", err
	}
	return "updated", nil
}

// duplicateOf returns the id of another account than self of the organization
// holding one of keys (the first in their order), and which key.
func (imp *importer) duplicateOf(ctx context.Context, self int64, keys []key) (int64, string, error) {
	if len(keys) == 0 {
		return 0, "", nil
	}
	kinds, values := keyArrays(keys)
	var m struct {
		ID    int64  `db:"account_id"`
		Kind  string `db:"kind"`
		Value string `db:"value"`
	}
	err := imp.otherKey.GetContext(ctx, &m, imp.a.Network, imp.a.Org, kinds, values, self)
	if isNoRows(err) {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", err
	}
	return m.ID, m.Kind + " " + m.Value, nil
}

func sameAccount(x, y *Account) bool {
	return x.Name == y.Name && strings.Join(x.Domains, ",") == strings.Join(y.Domains, ",") && x.DUNS == y.DUNS && x.CNPJ == y.CNPJ &&
		x.VAT == y.VAT && x.Industry == y.Industry && x.Size == y.Size && x.Region == y.Region && x.Street == y.Street &&
		x.City == y.City && x.State == y.State && x.PostalCode == y.PostalCode && x.Country == y.Country && strings.Join(x.Tags, ",") == strings.Join(y.Tags, ",")
}

// union is cur with the values of add it lacks appended, in their order: an
// import adds domains, tags and emails, it never drops one.
func union(cur, add []string) []string {
	out := append([]string{}, cur...)
	for _, x := range add {
		if !contains(out, x) {
			out = append(out, x)
		}
	}
	return out
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

// sqlMatchRef finds the account a contact row's account cell names, in one round
// trip: the organization's account with that domain ($3), else with that CNPJ
// ($4), else the first with that exact name ($5). An empty $3 or $4 (the cell is
// no domain, or no CNPJ) matches no key.
const sqlMatchRef = `SELECT id FROM (
		(SELECT account_id AS id, 1 AS rank FROM account_keys WHERE network_id = $1 AND org_id = $2 AND kind = 'domain' AND value = $3)
		UNION ALL
		(SELECT account_id, 2 FROM account_keys WHERE network_id = $1 AND org_id = $2 AND kind = 'cnpj' AND value = $4)
		UNION ALL
		(SELECT id, 3 FROM accounts WHERE network_id = $1 AND owner_org_id = $2 AND sort_name = lower($5) ORDER BY id LIMIT 1)
	) m ORDER BY rank LIMIT 1`

// sqlContactByEmail finds the organization's contact holding the first of the
// emails ($3, in their order) that one holds, and which email.
const sqlContactByEmail = `SELECT k.contact_id, k.email
	  FROM unnest($3::text[]) WITH ORDINALITY AS t(email, n)
	  JOIN contact_keys k ON k.network_id = $1 AND k.org_id = $2 AND k.email = t.email
	 ORDER BY t.n LIMIT 1`

// emailHolder is a row of sqlContactByEmail.
type emailHolder struct {
	ID    int64  `db:"contact_id"`
	Email string `db:"email"`
}

// sqlCreateContact stores a contact and returns its id; createContactRow then
// stores its emails' keys with insertContactKeys, skipping a key another contact
// holds.
const sqlCreateContact = `INSERT INTO contacts (network_id, account_id, owner_org_id, name, emails, phones, title, best_time, reader_orgs, writer_orgs)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`

// contact creates or updates the contact a row names, on its email, on the
// account the row's account cell names (domain, CNPJ or exact name).
func (imp *importer) contact(ctx context.Context, v map[string]string) (string, error) {
	a := imp.a
	ref := v["account"]
	if ref == "" {
		return "", apperr.Field("account", "is empty")
	}
	// A cell that is no domain or no CNPJ leaves that key empty, which matches nothing.
	domain, _ := NormalizeDomain(ref)
	cnpj, _ := NormalizeCNPJ(ref)
	var account int64
	if err := imp.matchRef.GetContext(ctx, &account, a.Network, a.Org, domain, cnpj, ref); isNoRows(err) {
		return "", apperr.Field("account", "no account of yours has the domain, CNPJ or name %q", ref)
	} else if err != nil {
		return "", err
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
	if in.Emails != nil && len(*in.Emails) > 0 {
		var m emailHolder
		if err := imp.contactByEmail.GetContext(ctx, &m, a.Network, a.Org, pq.StringArray(*in.Emails)); err != nil && !isNoRows(err) {
			return "", err
		}
		existing = m.ID
	}
	if existing == 0 {
		acc, may, err := imp.lockWritable(ctx, account)
		if err != nil {
			return "", err
		}
		if !may {
			return "", apperr.E(apperr.Forbidden, "you may not add a contact to account %d: your role does not allow it, or it is not yours", account)
		}
		c := Contact{Network: a.Network, Account: account, OwnerOrg: acc.OwnerOrg}
		in.apply(&c)
		return imp.createContactRow(ctx, &c, acc)
	}
	var cur Contact
	if err := imp.lockContact.GetContext(ctx, &cur, a.Network, existing); err != nil {
		return "", err
	}
	// The contact found by its email may be on another account than the row names:
	// the rule is its own account's, as for PATCH /contacts/{id}.
	if _, may, err := imp.lockWritable(ctx, cur.Account); err != nil {
		return "", err
	} else if !may {
		return "", apperr.E(apperr.Forbidden, "you may not change contact %d (account %d): your role does not allow it, or the account is not yours", existing, cur.Account)
	}
	next := cur
	if in.Emails != nil {
		merged := union(cur.Emails, *in.Emails)
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
	if err := imp.write(ctx); err != nil {
		return "", err
	}
	if _, err := imp.updateContact.ExecContext(ctx, a.Network, existing, next.Name, next.Emails, next.Phones, next.Title, next.BestTime); err != nil {
		return "", err
	}
	return "updated", writeContactKeys(ctx, imp.tx, &next, true)
}

// createContactRow stores a new contact with its emails' keys in one statement and
// no savepoint, for the reasons create gives for accounts: the row's email lookup
// found none of its emails held, normalize checks what the table's constraints
// check, and a key another transaction committed since that lookup is skipped,
// which undoes the contact. The row then reports the email's holder, as the check
// writeContactKeys makes after the account's lock did (that lock is where such a
// race mostly waits).
func (imp *importer) createContactRow(ctx context.Context, c *Contact, acc *Account) (string, error) {
	if err := imp.createContact.QueryRowxContext(ctx, c.Network, c.Account, c.OwnerOrg, c.Name, c.Emails, c.Phones, c.Title, c.BestTime,
		acc.ReaderOrgs, acc.WriterOrgs).Scan(&c.ID); err != nil {
		return "", err
	}
	stored, err := insertContactKeys(ctx, imp.tx, c, " ON CONFLICT DO NOTHING")
	if err != nil {
		return "", err
	}
	if stored == int64(len(c.Emails)) {
		return "created", nil
	}
	if _, err := imp.deleteContact.ExecContext(ctx, c.Network, c.ID); err != nil {
		return "created", err
	}
	var m emailHolder
	if err := imp.contactByEmail.GetContext(ctx, &m, c.Network, c.OwnerOrg, c.Emails); isNoRows(err) {
		// The holder is gone again: say what the unique violation would have.
		return "created", db.Translate(&pq.Error{Code: "23505", Constraint: "contact_keys_pkey"})
	} else if err != nil {
		return "created", err
	}
	return "created", apperr.E(apperr.Conflict, "Your organization already has contact %d with the email %s.", m.ID, m.Email).
		On("emails").Linking(fmt.Sprintf("/api/v1/contacts/%d", m.ID))
}

// insertContactKeys stores the keys of contact c's emails as one multi-row
// INSERT … VALUES (see insertKeyRows) and returns how many it stored; suffix follows
// the VALUES (an ON CONFLICT clause).
func insertContactKeys(ctx context.Context, tx *sqlx.Tx, c *Contact, suffix string) (int64, error) {
	if len(c.Emails) == 0 {
		return 0, nil
	}
	var q strings.Builder
	q.WriteString(`INSERT INTO contact_keys (network_id, org_id, email, contact_id) VALUES `)
	args := []any{c.Network, c.OwnerOrg, c.ID}
	for i, e := range c.Emails {
		if i > 0 {
			q.WriteString(", ")
		}
		fmt.Fprintf(&q, "($1, $2, $%d, $3)", len(args)+1)
		args = append(args, e)
	}
	q.WriteString(suffix)
	res, err := tx.ExecContext(ctx, q.String(), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
