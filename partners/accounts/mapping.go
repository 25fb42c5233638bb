package accounts

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

// MappingSummary is what the actor's organization may know of its overlap with a
// partner. Overlap and Greenfield are nil where the partner's policy withholds them.
type MappingSummary struct {
	Partnership int64  `json:"partnership_id"`
	Partner     int64  `json:"partner_id"`
	PartnerName string `json:"partner_name"`
	MyAccounts  int64  `json:"my_accounts"`
	Overlap     *int64 `json:"overlap"`
	Greenfield  *int64 `json:"greenfield"`
	// TheirLevel is what the partner lets you see: hidden, counts or records.
	TheirLevel string `json:"their_level"`
	// MyLevel is what you let the partner see.
	MyLevel string `json:"my_level"`
}

// MappedAccount is a partner's account as its policy lets the actor see it.
type MappedAccount struct {
	Kind      string          `db:"kind" json:"kind"` // overlap or greenfield
	PartnerID int64           `db:"partner_account_id" json:"partner_account_id"`
	MyAccount *int64          `db:"my_account_id" json:"my_account_id,omitempty"`
	Fields    json.RawMessage `db:"fields" json:"fields"`
}

type mappingRow struct {
	Kind       string `db:"kind"`
	PartnerID  *int64 `db:"partner_account_id"`
	MyAccount  *int64 `db:"my_account_id"`
	Fields     []byte `db:"fields"`
	MyTotal    *int64 `db:"my_total"`
	Overlap    *int64 `db:"overlap"`
	Greenfield *int64 `db:"greenfield"`
	Level      string `db:"level"`
}

func mappingErr(err error, partnership int64) error {
	// ph_account_mapping raises no_data_found (P0002) for a partnership that is
	// not an active one of the caller's organization.
	if pe := (*pq.Error)(nil); errors.As(err, &pe) && pe.Code == "P0002" {
		return apperr.E(apperr.NotFound, "No active partnership %d of your organization.", partnership)
	}
	return err
}

// Mapping computes, inside the database, the overlap of the actor's organization's
// accounts with a partner's on the matching keys, revealing only what the
// partner's sharing policy allows. Errors: NotFound (no such active partnership).
func (s *Service) Mapping(ctx context.Context, a partners.Actor, partnership int64) (*MappingSummary, error) {
	p, err := s.Partners.Partnership(ctx, a, partnership)
	if err != nil {
		return nil, err
	}
	mine, _, err := s.Partners.SharingPolicies(ctx, a, partnership)
	if err != nil {
		return nil, err
	}
	out := &MappingSummary{Partnership: partnership, Partner: p.Partner, PartnerName: p.PartnerName, MyLevel: mine.Level}
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var r mappingRow
		if err := tx.GetContext(ctx, &r, `SELECT * FROM ph_account_mapping($1, false, 0, 0)`, partnership); err != nil {
			return mappingErr(err, partnership)
		}
		out.MyAccounts = *r.MyTotal
		out.Overlap, out.Greenfield, out.TheirLevel = r.Overlap, r.Greenfield, r.Level
		return nil
	})
	return out, err
}

// MappedAccounts lists the partner's overlapping accounts (and, where allowed,
// greenfield accounts) with only the fields its policy shares, after a partner
// account id, up to limit of each kind. Empty where the policy is not records.
// Errors: NotFound.
func (s *Service) MappedAccounts(ctx context.Context, a partners.Actor, partnership, after int64, limit int) ([]MappedAccount, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	out := []MappedAccount{}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var rows []mappingRow
		if err := tx.SelectContext(ctx, &rows, `SELECT * FROM ph_account_mapping($1, true, $2, $3)`, partnership, after, limit); err != nil {
			return mappingErr(err, partnership)
		}
		for _, r := range rows {
			out = append(out, MappedAccount{Kind: r.Kind, PartnerID: *r.PartnerID, MyAccount: r.MyAccount, Fields: r.Fields})
		}
		return nil
	})
	return out, err
}
