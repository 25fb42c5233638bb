package accounts

import (
	"context"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/db"
)

// Visible is what another record family needs of an account it hangs on, read
// in the caller's transaction under its row-level security: the name, and
// whether it is archived. Errors: NotFound (no such account the scope may see).
func Visible(ctx context.Context, tx *sqlx.Tx, network, id int64) (name string, archived bool, err error) {
	var r struct {
		Name     string `db:"name"`
		Archived bool   `db:"archived"`
	}
	if err := tx.GetContext(ctx, &r, `SELECT name, archived_at IS NOT NULL AS archived FROM accounts WHERE network_id = $1 AND id = $2`, network, id); err != nil {
		return "", false, db.Absent(err, "Account %d not found.", id)
	}
	return r.Name, r.Archived, nil
}

// MatchKeys are an account's matching keys as "kind:value" strings
// ("domain:acme.com", "duns:123456789", "cnpj:…", "vat:…"), the same keys
// account_keys indexes, read in the caller's transaction under its row-level
// security. Another record family copies them to find the same company across
// organizations. Errors: NotFound.
func MatchKeys(ctx context.Context, tx *sqlx.Tx, network, id int64) ([]string, error) {
	var r struct {
		Domains pq.StringArray `db:"domains"`
		DUNS    string         `db:"duns"`
		CNPJ    string         `db:"cnpj"`
		VAT     string         `db:"vat"`
	}
	if err := tx.GetContext(ctx, &r, `SELECT domains, duns, cnpj, vat FROM accounts WHERE network_id = $1 AND id = $2`, network, id); err != nil {
		return nil, db.Absent(err, "Account %d not found.", id)
	}
	keys := []string{}
	for _, d := range r.Domains {
		keys = append(keys, "domain:"+d)
	}
	for kind, v := range map[string]string{"duns": r.DUNS, "cnpj": r.CNPJ, "vat": r.VAT} {
		if v != "" {
			keys = append(keys, kind+":"+v)
		}
	}
	sortStrings(keys)
	return keys, nil
}

// Access is who may read and change a record another family hangs on an
// account or a contact (activities): its account, the owner organization and
// the organizations it is shared with, as the account's arrays say.
type Access struct {
	Account  int64         `db:"account_id"`
	Owner    int64         `db:"owner_org_id"`
	Readers  pq.Int64Array `db:"reader_orgs"`
	Writers  pq.Int64Array `db:"writer_orgs"`
	Name     string        `db:"name"`
	Archived bool          `db:"archived"`
}

// AccountAccess reads an account's Access in the caller's transaction, under
// its row-level security. Errors: NotFound.
func AccountAccess(ctx context.Context, tx *sqlx.Tx, network, id int64) (Access, error) {
	var r Access
	err := tx.GetContext(ctx, &r, `SELECT id AS account_id, owner_org_id, reader_orgs, writer_orgs, name, archived_at IS NOT NULL AS archived
		FROM accounts WHERE network_id = $1 AND id = $2`, network, id)
	return r, db.Absent(err, "Account %d not found.", id)
}

// ContactAccess reads a contact's Access (its account's arrays, which the
// contact carries) in the caller's transaction, under its row-level security.
// Errors: NotFound.
func ContactAccess(ctx context.Context, tx *sqlx.Tx, network, id int64) (Access, error) {
	var r Access
	err := tx.GetContext(ctx, &r, `SELECT account_id, owner_org_id, reader_orgs, writer_orgs, name, archived_at IS NOT NULL AS archived
		FROM contacts WHERE network_id = $1 AND id = $2`, network, id)
	return r, db.Absent(err, "Contact %d not found.", id)
}

// ContactRef is a contact found by one of its email addresses.
type ContactRef struct {
	ID      int64  `db:"id"`
	Account int64  `db:"account_id"`
	Email   string `db:"email"`
}

// ContactsByEmail returns the contacts the caller can see that have one of the
// (lower-case) addresses, with the address that matched. Mail links to them.
func ContactsByEmail(ctx context.Context, tx *sqlx.Tx, network int64, emails []string) ([]ContactRef, error) {
	var out []ContactRef
	if len(emails) == 0 {
		return nil, nil
	}
	err := tx.SelectContext(ctx, &out, `SELECT c.id, c.account_id, e.email FROM contacts c, unnest(c.emails) AS e(email)
		WHERE c.network_id = $1 AND c.emails && $2 AND c.archived_at IS NULL AND e.email = ANY ($2) ORDER BY c.id, e.email`, network, pq.StringArray(emails))
	return out, err
}
