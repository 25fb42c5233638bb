package leads

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/partners"
)

// Capture is a lead a person left on a joint promotion's public form (issue
// 19, item 3): what they typed, the promotion and the consent they ticked.
type Capture struct {
	Company     string
	ContactName string
	Email       string
	Region      string
	Notes       string
	// Consent is true when the person ticked the consent box; ConsentText is
	// the wording beside it, as shown to them.
	Consent     bool
	ConsentText string
	// Promotion is the promotion's id; PromotionTitle names it in the vendor's
	// notification.
	Promotion      int64
	PromotionTitle string
}

// Problems returns every problem of a captured lead, one per field, in the
// public form's order (none: it may be stored). Each is an Invalid error
// naming its field.
func (in Capture) Problems() []*apperr.Error {
	var out []*apperr.Error
	length := func(field, v string, min, max int) {
		if n := utf8.RuneCountInString(strings.TrimSpace(v)); n < min || n > max {
			if min > 0 && n == 0 {
				out = append(out, apperr.Field(field, "is required"))
				return
			}
			out = append(out, apperr.Field(field, "must be %d to %d characters", min, max))
		}
	}
	length("company", in.Company, 1, 200)
	length("contact_name", in.ContactName, 1, 200)
	if email := strings.TrimSpace(in.Email); email == "" {
		out = append(out, apperr.Field("email", "is required"))
	} else if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		out = append(out, apperr.Field("email", "%q is not an email address", email))
	}
	length("region", in.Region, 0, 60)
	length("notes", in.Notes, 0, 2000)
	if !in.Consent {
		out = append(out, apperr.Field("consent", "tick the box to agree, or we cannot contact you"))
	}
	return out
}

// CreateCaptured records a lead captured by a promotion's public form as the
// vendor's (a is the hub acting for the vendor organization): in the pool like
// any lead, naming the promotion and keeping the consent; the vendor's admins
// are notified. The caller routes it further (an offer) as other leads are.
// Nothing is stored when the capture has a problem. Errors: Forbidden,
// Invalid.
func (s *Service) CreateCaptured(ctx context.Context, a partners.Actor, in Capture) (*Lead, error) {
	if err := a.RequireVendor(partners.Sales); err != nil {
		return nil, err
	}
	if p := in.Problems(); len(p) > 0 {
		return nil, p[0]
	}
	if in.Promotion <= 0 {
		return nil, apperr.Field("promotion_id", "is required")
	}
	consent := strings.TrimSpace(in.ConsentText)
	if consent == "" || utf8.RuneCountInString(consent) > 2000 {
		return nil, apperr.Field("consent", "the consent wording is missing")
	}
	var out Lead
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &out, `INSERT INTO leads (network_id, owner_org_id, company, contact_name, email, region, notes, promotion_id, consent_at, consent_text)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING `+columns,
			a.Network, a.Org, strings.TrimSpace(in.Company), strings.TrimSpace(in.ContactName), strings.TrimSpace(in.Email),
			strings.TrimSpace(in.Region), strings.TrimSpace(in.Notes), in.Promotion, s.now(), consent); err != nil {
			return err
		}
		company, title := out.Company, in.PromotionTitle
		if err := s.Partners.NotifyOrgAdmins(ctx, tx, a, a.Org, "lead.captured", fmt.Sprintf("/leads/%d", out.ID), l10n.M("New lead from a promotion"), func(string) l10n.Msg {
			return l10n.M("%s signed up through the promotion %q: the lead is in the pool.", company, title)
		}); err != nil {
			return err
		}
		return audit(ctx, tx, a, "lead.capture", out.ID, map[string]any{"company": out.Company, "promotion": in.Promotion})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// CapturedActor is the vendor organization as the hub acts for it on a
// promotion's public form, named so in the audit log.
func CapturedActor(network, vendor int64) partners.Actor {
	return partners.Actor{Network: network, Org: vendor, Role: partners.Manager, VendorOrg: true, Name: "lead form", Email: "system:lead-form"}
}

// PromotionCounts is how many leads each of the promotions ids captured, as
// the vendor a reads them (results of a promotion, issue 19 item 4).
func (s *Service) PromotionCounts(ctx context.Context, a partners.Actor, ids []int64) (map[int64]int, error) {
	out := map[int64]int{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID    int64 `db:"promotion_id"`
		Count int   `db:"n"`
	}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &rows, `SELECT promotion_id, count(*) AS n FROM leads
			WHERE network_id = $1 AND promotion_id = ANY ($2::bigint[]) GROUP BY promotion_id`, a.Network, pq.Array(ids))
	})
	for _, r := range rows {
		out[r.ID] = r.Count
	}
	return out, err
}
