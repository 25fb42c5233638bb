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

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

// Settings are a network's deal rules.
type Settings struct {
	ProtectionDays int `db:"protection_days" json:"protection_days"`
	ReviewSLAHours int `db:"review_sla_hours" json:"review_sla_hours"`
	// ConflictRule decides a conflict found on submit: ManualReview or
	// FirstToRegister.
	ConflictRule string `db:"conflict_rule" json:"conflict_rule"`
	// ReminderDays is how long before its protection ends the partner is
	// reminded (0: no reminder).
	ReminderDays int `db:"reminder_days" json:"reminder_days"`
	// The probability (percent) of a joint deal in each open stage, which
	// weighs the pipeline; closed won counts 100, closed lost 0.
	ProbabilityQualify   int `db:"probability_qualify" json:"probability_qualify"`
	ProbabilityDevelop   int `db:"probability_develop" json:"probability_develop"`
	ProbabilityPropose   int `db:"probability_propose" json:"probability_propose"`
	ProbabilityNegotiate int `db:"probability_negotiate" json:"probability_negotiate"`
}

// DefaultSettings hold for a network whose vendor set none.
var DefaultSettings = Settings{ProtectionDays: 90, ReviewSLAHours: 48, ConflictRule: ManualReview, ReminderDays: 14,
	ProbabilityQualify: 10, ProbabilityDevelop: 30, ProbabilityPropose: 60, ProbabilityNegotiate: 80}

func settingsIn(ctx context.Context, tx *sqlx.Tx, network int64) (Settings, error) {
	out := DefaultSettings
	err := tx.GetContext(ctx, &out, `SELECT protection_days, review_sla_hours, conflict_rule, reminder_days,
		probability_qualify, probability_develop, probability_propose, probability_negotiate FROM deal_settings WHERE network_id = $1`, network)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultSettings, nil
	}
	return out, err
}

// Settings returns the network's deal rules.
func (s *Service) Settings(ctx context.Context, a partners.Actor) (Settings, error) {
	var out Settings
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var err error
		out, err = settingsIn(ctx, tx, a.Network)
		return err
	})
	return out, err
}

// SetSettings changes the network's deal rules. Vendor admins.
// Errors: Forbidden, Invalid.
func (s *Service) SetSettings(ctx context.Context, a partners.Actor, in Settings) (Settings, error) {
	if err := a.RequireVendor(partners.Admin); err != nil {
		return Settings{}, err
	}
	if in.ProtectionDays < 1 || in.ProtectionDays > 730 {
		return Settings{}, apperr.Field("protection_days", "must be 1 to 730 days")
	}
	if in.ReviewSLAHours < 1 || in.ReviewSLAHours > 720 {
		return Settings{}, apperr.Field("review_sla_hours", "must be 1 to 720 hours")
	}
	if err := oneOf("conflict_rule", in.ConflictRule, []string{ManualReview, FirstToRegister}); err != nil {
		return Settings{}, err
	}
	if in.ReminderDays < 0 || in.ReminderDays > 365 {
		return Settings{}, apperr.Field("reminder_days", "must be 0 to 365 days")
	}
	for _, p := range []struct {
		field string
		v     int
	}{{"probability_qualify", in.ProbabilityQualify}, {"probability_develop", in.ProbabilityDevelop},
		{"probability_propose", in.ProbabilityPropose}, {"probability_negotiate", in.ProbabilityNegotiate}} {
		if p.v < 0 || p.v > 100 {
			return Settings{}, apperr.Field(p.field, "must be 0 to 100 percent")
		}
	}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO deal_settings (network_id, protection_days, review_sla_hours, conflict_rule, reminder_days,
			  probability_qualify, probability_develop, probability_propose, probability_negotiate) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (network_id) DO UPDATE SET protection_days = $2, review_sla_hours = $3, conflict_rule = $4, reminder_days = $5,
			  probability_qualify = $6, probability_develop = $7, probability_propose = $8, probability_negotiate = $9, updated_at = EXCLUDED.updated_at`,
			a.Network, in.ProtectionDays, in.ReviewSLAHours, in.ConflictRule, in.ReminderDays,
			in.ProbabilityQualify, in.ProbabilityDevelop, in.ProbabilityPropose, in.ProbabilityNegotiate); err != nil {
			return err
		}
		return audit(ctx, tx, a, "deal_settings.set", "network", a.Network, map[string]any{"protection_days": in.ProtectionDays,
			"review_sla_hours": in.ReviewSLAHours, "conflict_rule": in.ConflictRule, "reminder_days": in.ReminderDays,
			"probabilities": []int{in.ProbabilityQualify, in.ProbabilityDevelop, in.ProbabilityPropose, in.ProbabilityNegotiate}})
	})
	return in, err
}

// step is one transition of the workflow.
type step struct {
	action string   // the audit action, "deal_registration.<verb>"
	verb   string   // how a refusal names it: "submitted", "approved", …
	from   []string // the states it leaves
	to     string   // the state it enters ("" keeps the state)
	vendor bool     // the vendor decides it; otherwise the registering partner
	// apply checks the registration and returns the extra SET clauses and their
	// arguments ($3 on); it runs in the transaction, the row locked.
	apply func(tx *sqlx.Tx, r *Registration) (set string, args []any, err error)
	// notice, for a vendor's decision, is what the registering user is told.
	notice func(r *Registration) (title, body l10n.Msg)
}

// move runs a step on registration id for the actor.
func (s *Service) move(ctx context.Context, a partners.Actor, id int64, st step) (*Registration, error) {
	if st.vendor {
		if err := a.RequireVendor(partners.Manager); err != nil {
			return nil, err
		}
	} else if err := a.Require(partners.Sales); err != nil {
		return nil, err
	}
	var out Registration
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var r Registration
		if err := tx.GetContext(ctx, &r, `SELECT `+columns+` FROM deal_registrations WHERE network_id = $1 AND id = $2 FOR UPDATE`, a.Network, id); err != nil {
			return db.Absent(err, "Deal registration %d not found.", id)
		}
		if !st.vendor {
			if r.OwnerOrg != a.Org {
				return apperr.E(apperr.Forbidden, "Only the partner that registered this deal may do this.")
			}
			if !a.Role.AtLeast(partners.Manager) && (r.OwnerUser == nil || *r.OwnerUser != a.User) {
				return apperr.E(apperr.Forbidden, "This needs the manager role, or the sales role on a registration you own.")
			}
		}
		if !contains(st.from, r.State) {
			return apperr.E(apperr.Conflict, "This registration is %s: it cannot be %s.", strings.ReplaceAll(r.State, "_", " "), st.verb)
		}
		set, args := "", []any{}
		if st.apply != nil {
			var err error
			if set, args, err = st.apply(tx, &r); err != nil {
				return err
			}
		}
		to := st.to
		if to == "" {
			to = r.State
		}
		q := `UPDATE deal_registrations SET state = $3, updated_at = now()` + set + ` WHERE network_id = $1 AND id = $2 RETURNING ` + columns
		if err := tx.GetContext(ctx, &out, q, append([]any{a.Network, id, to}, args...)...); err != nil {
			return err
		}
		if st.notice != nil {
			title, body := st.notice(&out)
			if err := s.notifyOwner(ctx, tx, &out, st.action, title, body); err != nil {
				return err
			}
		}
		if to != r.State {
			// submitted, under_review, approved, rejected, withdrawn, converted
			if err := logEvent(ctx, tx, a, id, to, map[string]any{"from": r.State, "to": to}); err != nil {
				return err
			}
		}
		return audit(ctx, tx, a, st.action, RecordType, id, map[string]any{"from": r.State, "to": to})
	})
	if err != nil {
		return nil, err
	}
	out.Amount = decimal(out.AmountMinor, out.Currency)
	return &out, nil
}

// Update changes a draft. The registering partner. Errors: Conflict (not a
// draft), Forbidden, Invalid, NotFound.
func (s *Service) Update(ctx context.Context, a partners.Actor, id int64, in Input) (*Registration, error) {
	return s.move(ctx, a, id, step{action: "deal_registration.update", verb: "changed", from: []string{Draft},
		apply: func(tx *sqlx.Tx, r *Registration) (string, []any, error) {
			f, err := in.check(false, r)
			if err != nil {
				return "", nil, err
			}
			return `, title = $4, products = $5, amount_minor = $6, currency = $7, expected_close = $8, notes = $9`,
				[]any{f.title, pq.StringArray(f.products), f.amount, f.currency, f.close, f.notes}, nil
		}})
}

// Submit sends a draft to the vendor, sharing it with the vendor for writing by
// workflow and copying its account's matching keys onto it; then the conflict
// check runs under the vendor's view (a transaction of its own) and applies the
// network's rule, so the registration returned says whether a conflict was
// found and its outcome, and nothing of who else registered. The registering
// partner. Errors: Conflict, Forbidden, Invalid, NotFound.
func (s *Service) Submit(ctx context.Context, a partners.Actor, id int64) (*Registration, error) {
	var vendor int64
	r, err := s.move(ctx, a, id, step{action: "deal_registration.submit", verb: "submitted", from: []string{Draft}, to: Submitted,
		apply: func(tx *sqlx.Tx, r *Registration) (string, []any, error) {
			if r.ExpectedClose.Before(s.now().Truncate(24 * time.Hour)) {
				return "", nil, apperr.Field("expected_close", "is in the past: change it before submitting")
			}
			keys, err := accounts.MatchKeys(ctx, tx, a.Network, r.AccountID)
			if err != nil {
				if apperr.Is(err, apperr.NotFound) {
					return "", nil, apperr.Field("account_id", "account %d is no longer visible to your organization: withdraw this registration", r.AccountID)
				}
				return "", nil, err
			}
			if vendor, err = partners.VendorOrgOf(ctx, tx, a.Network); err != nil {
				return "", nil, err
			}
			if err := partners.ShareByWorkflow(ctx, tx, a, RecordType, r.ID, vendor, "write"); err != nil {
				return "", nil, err
			}
			title := r.Title
			if err := s.notifyVendor(ctx, tx, a, "deal_registration.submitted", fmt.Sprintf("/deal-registrations/%d", r.ID),
				l10n.M("Deal registration submitted"), func(from string) l10n.Msg {
					return l10n.M("%s submitted the deal registration %q for review.", from, title)
				}); err != nil {
				return "", nil, err
			}
			return `, submitted_at = $4, match_keys = $5`, []any{s.now(), pq.StringArray(keys)}, nil
		}})
	if err != nil {
		return nil, err
	}
	if err := s.checkConflicts(ctx, systemActor(a.Network, vendor, "deal-conflict-check"), id); err != nil {
		logCheck(id, err)
		return r, nil
	}
	return s.Get(ctx, a, id)
}

// StartReview marks a submitted registration as under review. Vendor managers.
func (s *Service) StartReview(ctx context.Context, a partners.Actor, id int64) (*Registration, error) {
	return s.move(ctx, a, id, step{action: "deal_registration.review", verb: "taken into review", from: []string{Submitted}, to: UnderReview, vendor: true})
}

// Approve approves a registration: the deal is protected for the network's
// protection period from now. Vendor managers. Errors: Conflict, Forbidden, NotFound.
func (s *Service) Approve(ctx context.Context, a partners.Actor, id int64) (*Registration, error) {
	return s.move(ctx, a, id, step{action: "deal_registration.approve", verb: "approved", from: []string{Submitted, UnderReview}, to: Approved, vendor: true,
		apply: func(tx *sqlx.Tx, r *Registration) (string, []any, error) {
			set, err := settingsIn(ctx, tx, a.Network)
			if err != nil {
				return "", nil, err
			}
			now := s.now()
			return `, decided_at = $4, decided_by = $5, expires_at = $6, reject_reason = NULL`,
				[]any{now, nullID(a.User), now.AddDate(0, 0, set.ProtectionDays)}, nil
		},
		notice: func(r *Registration) (l10n.Msg, l10n.Msg) {
			return l10n.M("Deal registration approved"), l10n.M("Your registration %q is approved and protected until %s.", r.Title, r.ExpiresAt.UTC().Format("2006-01-02"))
		}})
}

// Reject rejects a registration with a reason the partner reads. Vendor
// managers. Errors: Conflict, Forbidden, Invalid, NotFound.
func (s *Service) Reject(ctx context.Context, a partners.Actor, id int64, reason string) (*Registration, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 1000 {
		return nil, apperr.Field("reason", "say why, in 1 to 1000 characters")
	}
	return s.move(ctx, a, id, step{action: "deal_registration.reject", verb: "rejected", from: []string{Submitted, UnderReview}, to: Rejected, vendor: true,
		apply: func(tx *sqlx.Tx, r *Registration) (string, []any, error) {
			return `, decided_at = $4, decided_by = $5, reject_reason = $6`, []any{s.now(), nullID(a.User), reason}, nil
		},
		notice: func(r *Registration) (l10n.Msg, l10n.Msg) {
			return l10n.M("Deal registration rejected"), l10n.M("Your registration %q was rejected: %s", r.Title, reason)
		}})
}

// Withdraw takes a registration back. The registering partner.
func (s *Service) Withdraw(ctx context.Context, a partners.Actor, id int64) (*Registration, error) {
	return s.move(ctx, a, id, step{action: "deal_registration.withdraw", verb: "withdrawn", from: []string{Draft, Submitted, UnderReview, Approved}, to: Withdrawn})
}

// Convert turns an approved registration into a joint deal with the
// registering partner, in the same transaction (JointOf finds it). Vendor
// managers.
func (s *Service) Convert(ctx context.Context, a partners.Actor, id int64) (*Registration, error) {
	return s.move(ctx, a, id, step{action: "deal_registration.convert", verb: "converted", from: []string{Approved}, to: Converted, vendor: true,
		apply: func(tx *sqlx.Tx, r *Registration) (string, []any, error) {
			if r.ExpiresAt != nil && !r.ExpiresAt.After(s.now()) {
				return "", nil, apperr.E(apperr.Conflict, "This registration's protection ended on %s: it cannot be converted.", r.ExpiresAt.Format("2006-01-02"))
			}
			_, err := s.convertToJoint(ctx, tx, a, r)
			return "", nil, err
		}})
}

// RequestExtension asks the vendor to extend an approved registration's
// protection by days (1 to 365), saying why. The registering partner.
func (s *Service) RequestExtension(ctx context.Context, a partners.Actor, id int64, days int, note string) (*Registration, error) {
	if days < 1 || days > 365 {
		return nil, apperr.Field("days", "must be 1 to 365")
	}
	note = strings.TrimSpace(note)
	if note == "" || len(note) > 1000 {
		return nil, apperr.Field("note", "say why, in 1 to 1000 characters")
	}
	return s.move(ctx, a, id, step{action: "deal_registration.request_extension", verb: "extended", from: []string{Approved},
		apply: func(tx *sqlx.Tx, r *Registration) (string, []any, error) {
			if r.ExtensionDays != nil {
				return "", nil, apperr.E(apperr.Conflict, "An extension of %d days is already waiting for the vendor's answer.", *r.ExtensionDays)
			}
			title := r.Title
			if err := s.notifyVendor(ctx, tx, a, "deal_registration.extension_requested", fmt.Sprintf("/deal-registrations/%d", r.ID),
				l10n.M("Extension requested"), func(from string) l10n.Msg {
					return l10n.M("%s asks to extend the protection of %q by %d days.", from, title, days)
				}); err != nil {
				return "", nil, err
			}
			return `, extension_days = $4, extension_note = $5`, []any{days, note}, nil
		}})
}

// DecideExtension grants or refuses the extension a partner asked for; granted,
// the protection ends that many days later. Vendor managers.
func (s *Service) DecideExtension(ctx context.Context, a partners.Actor, id int64, grant bool) (*Registration, error) {
	verb := "refused an extension"
	if grant {
		verb = "extended"
	}
	return s.move(ctx, a, id, step{action: "deal_registration.extension_" + map[bool]string{true: "granted", false: "refused"}[grant], verb: verb, from: []string{Approved}, vendor: true,
		apply: func(tx *sqlx.Tx, r *Registration) (string, []any, error) {
			if r.ExtensionDays == nil {
				return "", nil, apperr.E(apperr.Conflict, "No extension was asked for this registration.")
			}
			expires := *r.ExpiresAt
			if grant {
				expires = expires.AddDate(0, 0, *r.ExtensionDays)
			}
			// A new end gets its own reminder.
			return `, extension_days = NULL, extension_note = NULL, expires_at = $4, expiry_reminded_at = NULL`, []any{expires}, nil
		},
		notice: func(r *Registration) (l10n.Msg, l10n.Msg) {
			if grant {
				return l10n.M("Deal protection extended"), l10n.M("The protection of your registration %q now ends on %s.", r.Title, r.ExpiresAt.UTC().Format("2006-01-02"))
			}
			return l10n.M("Extension refused"), l10n.M("The extension of your registration %q was refused; its protection still ends on %s.", r.Title, r.ExpiresAt.UTC().Format("2006-01-02"))
		}})
}

// ExpireDue runs the network's clock (Clock) and returns how many
// registrations expired. Vendor managers. Errors: Forbidden.
func (s *Service) ExpireDue(ctx context.Context, a partners.Actor) (int, error) {
	rep, err := s.Clock(ctx, a)
	return rep.Expired, err
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
