package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/audit"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
)

// Merge folds account `merged` into `survivor`, both of the actor's organization:
// contacts and shares move to the survivor (a share keeps the wider access), its
// domains join the survivor's, registry ids fill the survivor's empty ones, and the
// merged account is deleted. The audit log keeps the merged account's fields.
// Managers and admins. Errors: Forbidden, Invalid, NotFound.
func (s *Service) Merge(ctx context.Context, a partners.Actor, survivor, merged int64) (*Account, error) {
	if err := a.Require(partners.Manager); err != nil {
		return nil, err
	}
	if survivor == merged {
		return nil, apperr.Field("merged_id", "an account cannot be merged into itself")
	}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var sv, mg Account
		for _, x := range []struct {
			id  int64
			dst *Account
		}{{survivor, &sv}, {merged, &mg}} {
			if err := tx.GetContext(ctx, x.dst, `SELECT `+columns+fromAccounts+` WHERE a.network_id = $1 AND a.id = $2 AND a.owner_org_id = $3 FOR UPDATE OF a`, a.Network, x.id, a.Org); err != nil {
				return db.Absent(err, "No account %d of your organization.", x.id)
			}
		}
		seen := map[string]bool{}
		for _, d := range sv.Domains {
			seen[d] = true
		}
		for _, d := range mg.Domains {
			if !seen[d] {
				sv.Domains = append(sv.Domains, d)
			}
		}
		for _, f := range []struct{ dst, src *string }{{&sv.DUNS, &mg.DUNS}, {&sv.CNPJ, &mg.CNPJ}, {&sv.VAT, &mg.VAT}, {&sv.Industry, &mg.Industry},
			{&sv.Size, &mg.Size}, {&sv.Region, &mg.Region}, {&sv.City, &mg.City}, {&sv.Country, &mg.Country}} {
			if *f.dst == "" {
				*f.dst = *f.src
			}
		}
		tags := map[string]bool{}
		for _, t := range sv.Tags {
			tags[t] = true
		}
		for _, t := range mg.Tags {
			if !tags[t] {
				sv.Tags = append(sv.Tags, t)
			}
		}
		// The merged account's keys go first, so the survivor can take them.
		if _, err := tx.ExecContext(ctx, `DELETE FROM account_keys WHERE network_id = $1 AND account_id = $2`, a.Network, merged); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET domains = $3, duns = $4, cnpj = $5, vat = $6, industry = $7, size = $8, region = $9,
			city = $10, country = $11, tags = $12, updated_at = now() WHERE network_id = $1 AND id = $2`,
			a.Network, survivor, sv.Domains, sv.DUNS, sv.CNPJ, sv.VAT, sv.Industry, sv.Size, sv.Region, sv.City, sv.Country, sv.Tags); err != nil {
			return err
		}
		if err := writeKeys(ctx, tx, &sv); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE contacts SET account_id = $3, updated_at = now() WHERE network_id = $1 AND account_id = $2`, a.Network, merged, survivor); err != nil {
			return err
		}
		// The merged account's activities (those it may change) hang on the
		// survivor and follow its shares from now on.
		if _, err := tx.ExecContext(ctx, `UPDATE activities SET record_id = $3 WHERE network_id = $1 AND record_type = 'account' AND record_id = $2`, a.Network, merged, survivor); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE activities SET share_id = $3 WHERE network_id = $1 AND share_type = 'account' AND share_id = $2`, a.Network, merged, survivor); err != nil {
			return err
		}
		if err := partners.MoveShares(ctx, tx, a, "account", merged, survivor); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM accounts WHERE network_id = $1 AND id = $2`, a.Network, merged); err != nil {
			return err
		}
		// The merged account's address leads to the survivor from now on.
		if _, err := tx.ExecContext(ctx, `INSERT INTO account_merges (network_id, merged_id, survivor_id, owner_org_id, reader_orgs) VALUES ($1, $2, $3, $4, $5)`,
			a.Network, merged, survivor, a.Org, mg.ReaderOrgs); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{Network: a.Network, Org: a.Org, User: a.User, Actor: a.Label(), Action: "account.merge",
			TargetType: "account", TargetID: fmt.Sprint(survivor), Detail: map[string]any{"merged_id": merged, "merged": mg}})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, survivor)
}

// MergedInto returns the account that account id was merged into (following
// later merges of the survivor), for those who could read the merged account.
// Errors: NotFound when id was never merged, or not visibly.
func (s *Service) MergedInto(ctx context.Context, a partners.Actor, id int64) (int64, error) {
	to := id
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		// A survivor merged later has a row of its own; ten hops is more than
		// anyone makes, and a bound whatever the data.
		for range 10 {
			var next int64
			err := tx.GetContext(ctx, &next, `SELECT survivor_id FROM account_merges WHERE network_id = $1 AND merged_id = $2`, a.Network, to)
			if errors.Is(err, sql.ErrNoRows) {
				break
			}
			if err != nil {
				return err
			}
			to = next
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if to == id {
		return 0, apperr.E(apperr.NotFound, "Account %d not found.", id)
	}
	return to, nil
}
