package accounts

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
	"github.com/partnerhub/partnerhub/internal/audit"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/activity"
)

// Contact is a person at an account. It is visible and writable under the same
// rules as its account (its reader and writer arrays follow the account's shares).
type Contact struct {
	Network    int64          `db:"network_id" json:"-"`
	ID         int64          `db:"id" json:"id"`
	Account    int64          `db:"account_id" json:"account_id"`
	OwnerOrg   int64          `db:"owner_org_id" json:"owner_org_id"`
	Name       string         `db:"name" json:"name"`
	Emails     pq.StringArray `db:"emails" json:"emails"`
	Phones     pq.StringArray `db:"phones" json:"phones"`
	Title      string         `db:"title" json:"title"`
	BestTime   string         `db:"best_time" json:"best_time"`
	ArchivedAt *time.Time     `db:"archived_at" json:"archived_at"`
	CreatedAt  time.Time      `db:"created_at" json:"created_at"`
	UpdatedAt  time.Time      `db:"updated_at" json:"updated_at"`
}

const contactColumns = `network_id, id, account_id, owner_org_id, name, emails, phones, title, best_time, archived_at, created_at, updated_at`

// ContactInput creates or changes a contact; nil fields stay as they are.
type ContactInput struct {
	Account  *int64    `json:"account_id"`
	Name     *string   `json:"name"`
	Emails   *[]string `json:"emails"`
	Phones   *[]string `json:"phones"`
	Title    *string   `json:"title"`
	BestTime *string   `json:"best_time"`
}

func (in *ContactInput) normalize(creating bool) error {
	if creating {
		if in.Account == nil {
			return apperr.Field("account_id", "is required")
		}
		if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
			return apperr.Field("name", "is required")
		}
	}
	if in.Name != nil {
		if err := trimmed("name", in.Name, 200); err != nil {
			return err
		}
		if *in.Name == "" {
			return apperr.Field("name", "must not be empty")
		}
	}
	if err := trimmed("title", in.Title, 120); err != nil {
		return err
	}
	if err := trimmed("best_time", in.BestTime, 120); err != nil {
		return err
	}
	if in.Emails != nil {
		seen := map[string]bool{}
		out := []string{}
		for _, e := range *in.Emails {
			if strings.TrimSpace(e) == "" {
				continue
			}
			n, err := NormalizeEmail(e)
			if err != nil {
				return err
			}
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
		if len(out) > 10 {
			return apperr.Field("emails", "at most 10 email addresses")
		}
		*in.Emails = out
	}
	if in.Phones != nil {
		out := []string{}
		for _, p := range *in.Phones {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			if len(p) > 40 || strings.Trim(p, "+0123456789 ()-./x") != "" {
				return apperr.Field("phones", "%q is not a phone number", p)
			}
			out = append(out, p)
		}
		if len(out) > 10 {
			return apperr.Field("phones", "at most 10 phone numbers")
		}
		*in.Phones = out
	}
	return nil
}

func (in ContactInput) apply(c *Contact) {
	if in.Name != nil {
		c.Name = *in.Name
	}
	if in.Emails != nil {
		c.Emails = *in.Emails
	}
	if in.Phones != nil {
		c.Phones = *in.Phones
	}
	if in.Title != nil {
		c.Title = *in.Title
	}
	if in.BestTime != nil {
		c.BestTime = *in.BestTime
	}
	if c.Emails == nil {
		c.Emails = pq.StringArray{}
	}
	if c.Phones == nil {
		c.Phones = pq.StringArray{}
	}
}

// contactKeys are kept for the account's owner organization: an email names at most
// one contact of an org.
func writeContactKeys(ctx context.Context, tx *sqlx.Tx, c *Contact, self bool) error {
	if !self {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM contact_keys WHERE network_id = $1 AND contact_id = $2`, c.Network, c.ID); err != nil {
		return err
	}
	for _, e := range c.Emails {
		var other int64
		err := tx.GetContext(ctx, &other, `SELECT contact_id FROM contact_keys WHERE network_id = $1 AND org_id = $2 AND email = $3`, c.Network, c.OwnerOrg, e)
		if err == nil {
			return apperr.E(apperr.Conflict, "Your organization already has contact %d with the email %s.", other, e).
				On("emails").Linking(fmt.Sprintf("/api/v1/contacts/%d", other))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO contact_keys (network_id, org_id, email, contact_id) VALUES ($1, $2, $3, $4)`, c.Network, c.OwnerOrg, e, c.ID); err != nil {
			return err
		}
	}
	return nil
}

// CreateContact adds a contact to an account the actor may write. Errors:
// Forbidden, Invalid, NotFound, Conflict (an email of another contact).
func (s *Service) CreateContact(ctx context.Context, a partners.Actor, in ContactInput) (*Contact, error) {
	if err := a.Require(partners.Sales); err != nil {
		return nil, err
	}
	if err := in.normalize(true); err != nil {
		return nil, err
	}
	var c Contact
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		acc, err := lockForWrite(ctx, tx, a, *in.Account)
		if err != nil {
			if apperr.Is(err, apperr.NotFound) {
				return apperr.Field("account_id", "no account %d that you can see", *in.Account)
			}
			return err
		}
		c = Contact{Network: a.Network, Account: acc.ID, OwnerOrg: acc.OwnerOrg}
		in.apply(&c)
		if err := tx.GetContext(ctx, &c.ID, `
			INSERT INTO contacts (network_id, account_id, owner_org_id, name, emails, phones, title, best_time, reader_orgs, writer_orgs, archived_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			a.Network, acc.ID, acc.OwnerOrg, c.Name, c.Emails, c.Phones, c.Title, c.BestTime, acc.ReaderOrgs, acc.WriterOrgs, acc.ArchivedAt); err != nil {
			return err
		}
		if err := writeContactKeys(ctx, tx, &c, acc.OwnerOrg == a.Org); err != nil {
			return err
		}
		if err := activity.Log(ctx, tx, a, "contact", c.ID, "contact.created", map[string]any{"name": c.Name}); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{Network: a.Network, Org: a.Org, User: a.User, Actor: a.Label(), Action: "contact.create",
			TargetType: "contact", TargetID: fmt.Sprint(c.ID), Detail: map[string]any{"account": acc.ID}})
	})
	if err != nil {
		return nil, err
	}
	return s.Contact(ctx, a, c.ID)
}

// Contact returns a contact the actor may see. Errors: NotFound.
func (s *Service) Contact(ctx context.Context, a partners.Actor, id int64) (*Contact, error) {
	var c Contact
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &c, `SELECT `+contactColumns+` FROM contacts WHERE network_id = $1 AND id = $2`, a.Network, id)
	})
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.E(apperr.NotFound, "Contact %d not found.", id)
	}
	return &c, err
}

// UpdateContact changes a contact whose account the actor may write. Errors:
// Forbidden, Invalid, NotFound, Conflict.
func (s *Service) UpdateContact(ctx context.Context, a partners.Actor, id int64, in ContactInput) (*Contact, error) {
	if err := a.Require(partners.Sales); err != nil {
		return nil, err
	}
	if in.Account != nil {
		return nil, apperr.Field("account_id", "a contact stays on its account; create it on the other account instead")
	}
	if err := in.normalize(false); err != nil {
		return nil, err
	}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var c Contact
		// The account is locked before its contact, in the order archiving an
		// account takes them (account, then its contacts): the other order
		// deadlocks against it.
		var account int64
		if err := tx.GetContext(ctx, &account, `SELECT account_id FROM contacts WHERE network_id = $1 AND id = $2`, a.Network, id); errors.Is(err, sql.ErrNoRows) {
			return apperr.E(apperr.NotFound, "Contact %d not found.", id)
		} else if err != nil {
			return err
		}
		acc, err := lockForWrite(ctx, tx, a, account)
		if err != nil {
			return err
		}
		// A contact stays on its account, so the row read under the lock is the
		// same contact of the same account.
		if err := tx.GetContext(ctx, &c, `SELECT `+contactColumns+` FROM contacts WHERE network_id = $1 AND id = $2 AND account_id = $3 FOR UPDATE`, a.Network, id, account); errors.Is(err, sql.ErrNoRows) {
			return apperr.E(apperr.NotFound, "Contact %d not found.", id)
		} else if err != nil {
			return err
		}
		in.apply(&c)
		if _, err := tx.ExecContext(ctx, `UPDATE contacts SET name = $3, emails = $4, phones = $5, title = $6, best_time = $7, updated_at = now()
			WHERE network_id = $1 AND id = $2`, a.Network, id, c.Name, c.Emails, c.Phones, c.Title, c.BestTime); err != nil {
			return err
		}
		if err := writeContactKeys(ctx, tx, &c, acc.OwnerOrg == a.Org); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{Network: a.Network, Org: a.Org, User: a.User, Actor: a.Label(), Action: "contact.update", TargetType: "contact", TargetID: fmt.Sprint(id)})
	})
	if err != nil {
		return nil, err
	}
	return s.Contact(ctx, a, id)
}

// SetContactArchived archives or restores a contact whose account the actor may
// write. Errors: Forbidden, NotFound.
func (s *Service) SetContactArchived(ctx context.Context, a partners.Actor, id int64, archived bool) (*Contact, error) {
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		var account int64
		if err := tx.GetContext(ctx, &account, `SELECT account_id FROM contacts WHERE network_id = $1 AND id = $2`, a.Network, id); errors.Is(err, sql.ErrNoRows) {
			return apperr.E(apperr.NotFound, "Contact %d not found.", id)
		} else if err != nil {
			return err
		}
		if _, err := lockForWrite(ctx, tx, a, account); err != nil {
			return err
		}
		q, action := `UPDATE contacts SET archived_at = now(), updated_at = now() WHERE network_id = $1 AND id = $2`, "contact.archive"
		if !archived {
			q, action = `UPDATE contacts SET archived_at = NULL, updated_at = now() WHERE network_id = $1 AND id = $2`, "contact.restore"
		}
		if _, err := tx.ExecContext(ctx, q, a.Network, id); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{Network: a.Network, Org: a.Org, User: a.User, Actor: a.Label(), Action: action, TargetType: "contact", TargetID: fmt.Sprint(id)})
	})
	if err != nil {
		return nil, err
	}
	return s.Contact(ctx, a, id)
}

// Contacts lists an account's contacts (the account must be visible), by name.
// Errors: NotFound.
func (s *Service) Contacts(ctx context.Context, a partners.Actor, account int64, archived bool) ([]Contact, error) {
	if _, err := s.Get(ctx, a, account); err != nil {
		return nil, err
	}
	var out []Contact
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `SELECT `+contactColumns+` FROM contacts
			WHERE network_id = $1 AND account_id = $2 AND (archived_at IS NOT NULL) = $3 ORDER BY lower(name), id`, a.Network, account, archived)
	})
	if out == nil {
		out = []Contact{}
	}
	return out, err
}
