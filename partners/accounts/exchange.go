package accounts

import (
	"context"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
)

// exportOwn hands each account the actor's organization owns (archived ones
// left out) to each, as the accounts import reads it, by name: the records
// the outbound exchange sends a trading partner (the family's Export). A
// partner's accounts shared with the organization are not its to send.
func (s *Service) exportOwn(ctx context.Context, a partners.Actor, each func(map[string]string) error) error {
	f := Filter{Owner: "mine", Limit: 200}
	for {
		page, next, err := s.List(ctx, a, f)
		if err != nil {
			return err
		}
		for _, x := range page {
			if err := each(exportValues(&x)); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		f.Cursor = next
	}
}

// exportValues is an account as its import row: the fields of
// accountImportColumns, lists joined with ";".
func exportValues(x *Account) map[string]string {
	return map[string]string{"name": x.Name, "domains": strings.Join(x.Domains, ";"), "cnpj": x.CNPJ, "duns": x.DUNS, "vat": x.VAT,
		"industry": x.Industry, "size": x.Size, "region": x.Region, "street": x.Street, "city": x.City, "state": x.State,
		"postal_code": x.PostalCode, "country": x.Country, "tags": strings.Join(x.Tags, ";")}
}

// IDByName finds, in the caller's transaction under its row-level security,
// the account named name (without regard to case or surrounding spaces)
// that another record family hangs on: the organization's own first, the
// oldest first, archived ones left out; with its name as stored. Errors:
// NotFound.
func IDByName(ctx context.Context, tx *sqlx.Tx, network int64, org int64, name string) (int64, string, error) {
	var r struct {
		ID   int64  `db:"id"`
		Name string `db:"name"`
	}
	err := tx.GetContext(ctx, &r, `SELECT id, name FROM accounts WHERE network_id = $1 AND lower(name) = lower($2) AND archived_at IS NULL
		ORDER BY owner_org_id = $3 DESC, id LIMIT 1`, network, strings.TrimSpace(name), org)
	if err != nil {
		return 0, "", db.Absent(err, "No account named %q.", name)
	}
	return r.ID, r.Name, nil
}
