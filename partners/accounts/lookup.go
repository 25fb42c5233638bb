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
