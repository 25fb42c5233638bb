package deals

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

// SpecialPricingKind is the record family of special-pricing authorizations
// (an X12 845 from the exchange): registrations approved as special pricing,
// upserted on the authorization number per sender.
const SpecialPricingKind = "special_pricing"

// ImportFamilies are the record families deal registrations bring to the
// exchange (exchange/interchange): special-pricing authorizations, each
// upserted as an approved registration of the receiving partner on the end
// customer's account (which the row before it, of the accounts family,
// made or matched by name), keyed by its authorization number and the
// interchange's sender.
func (s *Service) ImportFamilies() []imports.Family {
	col := func(f string) imports.Column {
		return imports.Column{Field: f, Aliases: []string{strings.ReplaceAll(f, "_", "")}}
	}
	return []imports.Family{{Kind: SpecialPricingKind, Record: "special-pricing authorization",
		Columns: []imports.Column{col("authorization"), col("sender"), col("account"), col("products"), col("amount"), col("currency"),
			col("valid_from"), col("valid_until"), col("reference")},
		Open: func(ctx context.Context, tx *sqlx.Tx, a partners.Actor) (imports.Rows, error) {
			if err := a.Require(partners.Sales); err != nil {
				return nil, err
			}
			vendor, err := partners.VendorOrgOf(ctx, tx, a.Network)
			if err != nil {
				return nil, err
			}
			return &pricingRows{s: s, tx: tx, a: a, vendor: vendor}, nil
		},
		Export: s.exportApproved}}
}

// exportApproved hands each approved registration the actor's organization
// can see (its own; the vendor's, those shared with it), oldest first, to
// each as a special-pricing row: its authorization number (REG-<id> for one
// registered by hand), account, products, value and validity (from its
// decision to the last day of its protection). It is what the exchange sends
// as an 845.
func (s *Service) exportApproved(ctx context.Context, a partners.Actor, each func(map[string]string) error) error {
	var rows []struct {
		ID       int64          `db:"id"`
		Account  string         `db:"account_name"`
		Products pq.StringArray `db:"products"`
		Amount   int64          `db:"amount_minor"`
		Currency string         `db:"currency"`
		Decided  *time.Time     `db:"decided_at"`
		Expires  *time.Time     `db:"expires_at"`
		Number   string         `db:"authorization_number"`
		Sender   string         `db:"authorization_sender"`
	}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &rows, `SELECT id, account_name, products, amount_minor, currency, decided_at, expires_at,
			coalesce(authorization_number, '') AS authorization_number, coalesce(authorization_sender, '') AS authorization_sender
			FROM deal_registrations WHERE network_id = $1 AND state = 'approved' ORDER BY id`, a.Network)
	})
	if err != nil {
		return err
	}
	for _, r := range rows {
		v := map[string]string{"authorization": r.Number, "sender": r.Sender, "account": r.Account, "products": strings.Join(r.Products, ";"),
			"amount": decimal(r.Amount, r.Currency), "currency": r.Currency}
		if v["authorization"] == "" {
			v["authorization"] = fmt.Sprintf("REG-%d", r.ID)
		}
		if r.Decided != nil {
			v["valid_from"] = r.Decided.UTC().Format("2006-01-02")
		}
		if r.Expires != nil {
			v["valid_until"] = r.Expires.UTC().AddDate(0, 0, -1).Format("2006-01-02")
		}
		if err := each(v); err != nil {
			return err
		}
	}
	return nil
}

// pricingRows upserts special-pricing authorizations inside one transaction.
type pricingRows struct {
	s      *Service
	tx     *sqlx.Tx
	a      partners.Actor
	vendor int64
}

// authorization is a special-pricing row read and checked.
type authorization struct {
	number, sender, account, currency, reference string
	products                                     []string
	amount                                       int64
	from, until                                  time.Time
}

func readAuthorization(v map[string]string) (authorization, error) {
	var z authorization
	z.number, z.sender, z.account = strings.TrimSpace(v["authorization"]), strings.TrimSpace(v["sender"]), strings.TrimSpace(v["account"])
	z.reference = strings.TrimSpace(v["reference"])
	for _, f := range []struct{ name, v string }{{"authorization", z.number}, {"sender", z.sender}, {"account", z.account}} {
		if f.v == "" {
			return z, apperr.Field(f.name, "is required")
		}
	}
	if len(z.number) > 50 {
		return z, apperr.Field("authorization", "must be at most 50 characters")
	}
	z.products = []string{}
	for _, p := range strings.Split(v["products"], ";") {
		if p = strings.TrimSpace(p); p != "" {
			if len(p) > 100 {
				p = strings.TrimSpace(p[:100])
			}
			z.products = append(z.products, p)
		}
	}
	if len(z.products) > 50 {
		return z, apperr.Field("products", "at most 50 products")
	}
	amount := strings.TrimSpace(v["amount"])
	if amount == "" {
		amount = "0"
	}
	var err error
	if z.amount, z.currency, err = minorUnits(amount, v["currency"]); err != nil {
		return z, err
	}
	date := func(field string, required bool) (time.Time, error) {
		raw := strings.TrimSpace(v[field])
		if raw == "" {
			if required {
				return time.Time{}, apperr.Field(field, "is required")
			}
			return time.Time{}, nil
		}
		t, err := time.Parse("2006-01-02", raw)
		if err != nil {
			return t, apperr.Field(field, "%q is not a date (YYYY-MM-DD)", raw)
		}
		return t, nil
	}
	if z.from, err = date("valid_from", false); err != nil {
		return z, err
	}
	if z.until, err = date("valid_until", false); err != nil {
		return z, err
	}
	if !z.from.IsZero() && !z.until.IsZero() && z.until.Before(z.from) {
		return z, apperr.Field("valid_until", "is before the authorization's start (%s)", z.from.Format("2006-01-02"))
	}
	return z, nil
}

// Row upserts one authorization: a new one is an approved registration
// (shared with the vendor for reading, by workflow), protected until the end
// of its last valid day; the same number from the same sender again changes
// that registration, whatever its state, or leaves it as it is.
func (r *pricingRows) Row(ctx context.Context, v map[string]string) (string, error) {
	if r.vendor == r.a.Org {
		return "", apperr.E(apperr.Forbidden, "Special pricing is authorized to partner organizations; the vendor's own deals are joint deals.")
	}
	z, err := readAuthorization(v)
	if err != nil {
		return "", err
	}
	a, tx := r.a, r.tx
	accountID, name, err := accounts.IDByName(ctx, tx, a.Network, a.Org, z.account)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return "", apperr.Field("account", "no account named %q that your organization can see", z.account)
		}
		return "", err
	}
	if z.until.IsZero() {
		// No expiration in the authorization: protected for the network's
		// period, counted from when it was first received.
		var first time.Time
		err := tx.GetContext(ctx, &first, `SELECT decided_at FROM deal_registrations
			WHERE network_id = $1 AND owner_org_id = $2 AND authorization_sender = $3 AND authorization_number = $4`, a.Network, a.Org, z.sender, z.number)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			first = r.s.now()
		case err != nil:
			return "", err
		}
		set, err := settingsIn(ctx, tx, a.Network)
		if err != nil {
			return "", err
		}
		z.until = first.UTC().Truncate(24*time.Hour).AddDate(0, 0, set.ProtectionDays)
	}
	title := "Special pricing " + z.number + " for " + name
	if len(title) > 200 {
		title = title[:200]
	}
	notes := fmt.Sprintf("Price authorization %s from %s, valid until %s.", z.number, z.sender, z.until.Format("2006-01-02"))
	if !z.from.IsZero() {
		notes = fmt.Sprintf("Price authorization %s from %s, valid from %s until %s.", z.number, z.sender, z.from.Format("2006-01-02"), z.until.Format("2006-01-02"))
	}
	if z.reference != "" {
		notes += " Reference " + z.reference + "."
	}
	expires := z.until.AddDate(0, 0, 1)
	var was struct {
		ID       int64          `db:"id"`
		Account  int64          `db:"account_id"`
		Title    string         `db:"title"`
		Products pq.StringArray `db:"products"`
		Amount   int64          `db:"amount_minor"`
		Currency string         `db:"currency"`
		Close    time.Time      `db:"expected_close"`
		Notes    string         `db:"notes"`
		Expires  *time.Time     `db:"expires_at"`
	}
	err = tx.GetContext(ctx, &was, `SELECT id, account_id, title, products, amount_minor, currency, expected_close, notes, expires_at FROM deal_registrations
		WHERE network_id = $1 AND owner_org_id = $2 AND authorization_sender = $3 AND authorization_number = $4 FOR UPDATE`, a.Network, a.Org, z.sender, z.number)
	now := r.s.now()
	switch {
	case errors.Is(err, sql.ErrNoRows):
		var id int64
		if err := tx.GetContext(ctx, &id, `INSERT INTO deal_registrations (network_id, owner_org_id, owner_user_id, account_id, account_name, title, products, amount_minor, currency,
				expected_close, notes, state, submitted_at, decided_at, expires_at, authorization_number, authorization_sender)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'approved', $12, $12, $13, $14, $15) RETURNING id`,
			a.Network, a.Org, nullID(a.User), accountID, name, title, pq.StringArray(z.products), z.amount, z.currency, z.until, notes, now, expires, z.number, z.sender); err != nil {
			return "", err
		}
		if err := partners.ShareByWorkflow(ctx, tx, a, RecordType, id, r.vendor, "read"); err != nil {
			return "", err
		}
		return "created", audit(ctx, tx, a, "deal_registration.special_pricing", RecordType, id, map[string]any{"authorization": z.number, "sender": z.sender, "account": accountID})
	case err != nil:
		return "", err
	}
	if was.Account == accountID && was.Title == title && slicesEqual(was.Products, z.products) && was.Amount == z.amount && was.Currency == z.currency &&
		was.Close.Equal(z.until) && was.Notes == notes && was.Expires != nil && was.Expires.Equal(expires) {
		return "unchanged", nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE deal_registrations SET account_id = $3, account_name = $4, title = $5, products = $6, amount_minor = $7, currency = $8,
			expected_close = $9, notes = $10, expires_at = $11, updated_at = $12
		WHERE network_id = $1 AND id = $2`, a.Network, was.ID, accountID, name, title, pq.StringArray(z.products), z.amount, z.currency, z.until, notes, expires, now); err != nil {
		return "", err
	}
	return "updated", audit(ctx, tx, a, "deal_registration.special_pricing", RecordType, was.ID, map[string]any{"authorization": z.number, "sender": z.sender, "account": accountID})
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
