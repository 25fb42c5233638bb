package promotions

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/deals"
)

// MaxProof is the largest proof file a claim takes.
const MaxProof = 5 << 20

// proofTypes are the proof files taken, by the type their content shows.
var proofTypes = []string{"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"}

// States of a claim.
const (
	Submitted = "submitted"
	Paid      = "paid"
)

// Claim is a partner's claim against an approved fund request.
type Claim struct {
	Network      int64      `db:"network_id" json:"-"`
	ID           int64      `db:"id" json:"id"`
	Request      int64      `db:"request_id" json:"request_id"`
	Org          int64      `db:"org_id" json:"org_id"`
	User         *int64     `db:"user_id" json:"user_id"`
	AmountMinor  int64      `db:"amount_minor" json:"amount_minor"`
	Currency     string     `db:"currency" json:"currency"`
	Amount       string     `db:"-" json:"amount"`
	Note         string     `db:"note" json:"note"`
	ProofName    string     `db:"proof_name" json:"proof_name"`
	ProofType    string     `db:"proof_type" json:"proof_type"`
	ProofSize    int        `db:"proof_size" json:"proof_size"`
	State        string     `db:"state" json:"state"`
	DecisionNote string     `db:"decision_note" json:"decision_note"`
	DecidedAt    *time.Time `db:"decided_at" json:"decided_at"`
	PaidAt       *time.Time `db:"paid_at" json:"paid_at"`
	CreatedAt    time.Time  `db:"created_at" json:"created_at"`
}

const claimColumns = `network_id, id, request_id, org_id, user_id, amount_minor, currency, note, proof_name, proof_type, octet_length(proof) AS proof_size,
	state, decision_note, decided_at, paid_at, created_at`

// ClaimInput claims part of an approved request, with its proof: a PDF or an
// image, base64-encoded, at most MaxProof bytes.
type ClaimInput struct {
	Amount      string `json:"amount"`
	Currency    string `json:"currency"`
	Note        string `json:"note"`
	ProofName   string `json:"proof_name"`
	ProofBase64 string `json:"proof_base64"`
}

// proof decodes and checks a claim's file: its type is read from its content,
// never from its name. Errors: Invalid naming proof_base64 or proof_name.
func (in ClaimInput) proof() ([]byte, string, string, error) {
	name := strings.TrimSpace(in.ProofName)
	if name == "" || len(name) > 200 || strings.ContainsAny(name, "/\\\x00") {
		return nil, "", "", apperr.Field("proof_name", "must be a file name of 1 to 200 characters")
	}
	if base64.StdEncoding.DecodedLen(len(in.ProofBase64)) > MaxProof+3 {
		return nil, "", "", apperr.Field("proof_base64", "the file is larger than %d bytes", MaxProof)
	}
	b, err := base64.StdEncoding.DecodeString(in.ProofBase64)
	if err != nil || len(b) == 0 {
		return nil, "", "", apperr.Field("proof_base64", "is not a file in base64")
	}
	if len(b) > MaxProof {
		return nil, "", "", apperr.Field("proof_base64", "the file is larger than %d bytes", MaxProof)
	}
	kind, _, _ := strings.Cut(http.DetectContentType(b), ";")
	if !contains(proofTypes, kind) {
		return nil, "", "", apperr.Field("proof_base64", "the file is %s, not a PDF or an image (PNG, JPEG, GIF, WebP)", kind)
	}
	return b, name, kind, nil
}

// Claim claims part of an approved request of the actor's organization with
// a proof file. Claims never add up to more than was approved: the request row
// is locked while its claimed amount grows. Partner managers.
// Errors: Conflict (not approved), Forbidden, Invalid, NotFound.
func (s *Service) Claim(ctx context.Context, a partners.Actor, request int64, in ClaimInput) (*Claim, error) {
	if err := a.Require(partners.Manager); err != nil {
		return nil, err
	}
	if a.VendorOrg {
		return nil, apperr.E(apperr.Forbidden, "Claims are made by the partner organization that requested the funds.")
	}
	note := strings.TrimSpace(in.Note)
	if len(note) > 1000 {
		return nil, apperr.Field("note", "must be at most 1000 characters")
	}
	file, name, kind, err := in.proof()
	if err != nil {
		return nil, err
	}
	var out Claim
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var r Request
		if err := tx.GetContext(ctx, &r, `SELECT `+requestColumns+` FROM mdf_requests WHERE network_id = $1 AND id = $2 AND org_id = $3 FOR UPDATE`,
			a.Network, request, a.Org); err != nil {
			return db.Absent(err, "Fund request %d not found.", request)
		}
		if r.State != Approved {
			return apperr.E(apperr.Conflict, "This fund request is %s: only an approved request can be claimed.", r.State)
		}
		amount, cur, err := deals.MinorUnits(in.Amount, in.Currency)
		if err != nil {
			return err
		}
		if cur != r.Currency {
			return apperr.Field("currency", "%s is not the request's currency %s", cur, r.Currency)
		}
		if amount <= 0 || amount > *r.ApprovedMinor-r.ClaimedMinor {
			return apperr.Field("amount", "claim more than zero and at most the %s left of the approved amount", deals.Decimal(*r.ApprovedMinor-r.ClaimedMinor, cur))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE mdf_requests SET claimed_minor = claimed_minor + $3, updated_at = now() WHERE network_id = $1 AND id = $2`,
			a.Network, request, amount); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &out, `INSERT INTO mdf_claims (network_id, request_id, org_id, user_id, amount_minor, currency, note, proof_name, proof_type, proof)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING `+claimColumns,
			a.Network, request, a.Org, nullID(a.User), amount, cur, note, name, kind, file); err != nil {
			return err
		}
		return audit(ctx, tx, a, "mdf_claim.submit", "mdf_claim", out.ID, map[string]any{"request": request, "amount": amount, "currency": cur, "proof_type": kind})
	})
	if err != nil {
		return nil, err
	}
	out.Amount = deals.Decimal(out.AmountMinor, out.Currency)
	return &out, nil
}

// GetClaim returns a claim: the claiming partner's, or any for the vendor's
// managers. Errors: NotFound.
func (s *Service) GetClaim(ctx context.Context, a partners.Actor, id int64) (*Claim, error) {
	var out Claim
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &out, `SELECT `+claimColumns+` FROM mdf_claims WHERE network_id = $1 AND id = $2`, a.Network, id)
	})
	if err != nil {
		return nil, db.Absent(err, "Claim %d not found.", id)
	}
	out.Amount = deals.Decimal(out.AmountMinor, out.Currency)
	return &out, nil
}

// Proof returns a claim's proof file, its name and its type. Errors: NotFound.
func (s *Service) Proof(ctx context.Context, a partners.Actor, id int64) (file []byte, name, kind string, err error) {
	var row struct {
		File []byte `db:"proof"`
		Name string `db:"proof_name"`
		Type string `db:"proof_type"`
	}
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &row, `SELECT proof, proof_name, proof_type FROM mdf_claims WHERE network_id = $1 AND id = $2`, a.Network, id)
	})
	if err != nil {
		return nil, "", "", db.Absent(err, "Claim %d not found.", id)
	}
	return row.File, row.Name, row.Type, nil
}

// Claims lists the claims the actor may see, newest first, before a cursor.
func (s *Service) Claims(ctx context.Context, a partners.Actor, before int64, limit int) ([]Claim, error) {
	if limit <= 0 || limit > 201 {
		limit = 50
	}
	if before <= 0 {
		before = 1 << 62
	}
	out := []Claim{}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if a.Scope().Vendor {
			return tx.SelectContext(ctx, &out, `SELECT `+claimColumns+` FROM mdf_claims WHERE network_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, a.Network, before, limit)
		}
		return tx.SelectContext(ctx, &out, `SELECT `+claimColumns+` FROM mdf_claims WHERE network_id = $1 AND org_id = $2 AND id < $3 ORDER BY id DESC LIMIT $4`,
			a.Network, a.Org, before, limit)
	})
	for i := range out {
		out[i].Amount = deals.Decimal(out[i].AmountMinor, out[i].Currency)
	}
	return out, err
}

// claimSteps are the vendor's steps on a claim: the state each leaves.
var claimSteps = map[string][]string{Approved: {Submitted}, Rejected: {Submitted}, Paid: {Approved}}

// DecideClaim moves a claim: approved or rejected (a rejected claim's amount
// is free to claim again, the note says why), then paid. Vendor managers.
// Errors: Conflict (naming both states), Forbidden, Invalid, NotFound.
func (s *Service) DecideClaim(ctx context.Context, a partners.Actor, id int64, to, note string) (*Claim, error) {
	if err := a.RequireVendor(partners.Manager); err != nil {
		return nil, err
	}
	from, ok := claimSteps[to]
	if !ok {
		return nil, apperr.Field("state", "%q is not one of approved, rejected, paid", to)
	}
	note = strings.TrimSpace(note)
	if len(note) > 1000 {
		return nil, apperr.Field("note", "must be at most 1000 characters")
	}
	if to == Rejected && note == "" {
		return nil, apperr.Field("note", "say why the claim is rejected")
	}
	var out Claim
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var c Claim
		if err := tx.GetContext(ctx, &c, `SELECT `+claimColumns+` FROM mdf_claims WHERE network_id = $1 AND id = $2 FOR UPDATE`, a.Network, id); err != nil {
			return db.Absent(err, "Claim %d not found.", id)
		}
		if !contains(from, c.State) {
			return apperr.E(apperr.Conflict, "This claim is %s: it cannot become %s.", c.State, to)
		}
		if to == Rejected {
			if _, err := tx.ExecContext(ctx, `UPDATE mdf_requests SET claimed_minor = claimed_minor - $3, updated_at = now() WHERE network_id = $1 AND id = $2`,
				a.Network, c.Request, c.AmountMinor); err != nil {
				return err
			}
		}
		set := `decision_note = $4, decided_at = now(), decided_by = $5`
		if to == Paid {
			set = `paid_at = now()`
		}
		args := []any{a.Network, id, to}
		if to != Paid {
			args = append(args, note, nullID(a.User))
		}
		if err := tx.GetContext(ctx, &out, `UPDATE mdf_claims SET state = $3, updated_at = now(), `+set+` WHERE network_id = $1 AND id = $2 RETURNING `+claimColumns, args...); err != nil {
			return err
		}
		if s.Partners != nil {
			amount := deals.Decimal(c.AmountMinor, c.Currency) + " " + c.Currency
			if err := s.Partners.NotifyOrgAdmins(ctx, tx, a, c.Org, "mdf_claim."+to, "/api/v1/fund-claims", l10n.M("Claim %s", to), func(from string) l10n.Msg {
				return l10n.M("%s marked your claim for %s as %s.", from, amount, to)
			}); err != nil {
				return err
			}
		}
		return audit(ctx, tx, a, "mdf_claim."+to, "mdf_claim", id, map[string]any{"from": c.State, "to": to, "amount": c.AmountMinor, "currency": c.Currency})
	})
	if err != nil {
		return nil, err
	}
	out.Amount = deals.Decimal(out.AmountMinor, out.Currency)
	return &out, nil
}
