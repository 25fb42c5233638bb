// Package accounts holds accounts (customer companies) and their contacts: matching
// keys and duplicates, lists and search along explicit visibility paths, merging,
// account mapping between partners and the account rules of the access
// explanation. Sharing itself (shares rows, the records' reader/writer arrays,
// explain) is the partners core's: accounts register as a shareable type.
package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/audit"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/activity"
)

// Service holds what account operations need.
type Service struct {
	DB       *db.DB
	Partners *partners.Service
}

// Account is a customer company.
type Account struct {
	Network    int64          `db:"network_id" json:"-"`
	ID         int64          `db:"id" json:"id"`
	OwnerOrg   int64          `db:"owner_org_id" json:"owner_org_id"`
	OwnerOrgNm string         `db:"owner_org_name" json:"owner_org_name"`
	OwnerUser  *int64         `db:"owner_user_id" json:"owner_user_id"`
	Name       string         `db:"name" json:"name"`
	Domains    pq.StringArray `db:"domains" json:"domains"`
	DUNS       string         `db:"duns" json:"duns"`
	CNPJ       string         `db:"cnpj" json:"cnpj"`
	VAT        string         `db:"vat" json:"vat"`
	Industry   string         `db:"industry" json:"industry"`
	Size       string         `db:"size" json:"size"`
	Region     string         `db:"region" json:"region"`
	Street     string         `db:"street" json:"street"`
	City       string         `db:"city" json:"city"`
	State      string         `db:"state" json:"state"`
	PostalCode string         `db:"postal_code" json:"postal_code"`
	Country    string         `db:"country" json:"country"`
	Tags       pq.StringArray `db:"tags" json:"tags"`
	ReaderOrgs pq.Int64Array  `db:"reader_orgs" json:"-"`
	WriterOrgs pq.Int64Array  `db:"writer_orgs" json:"-"`
	ArchivedAt *time.Time     `db:"archived_at" json:"archived_at"`
	CreatedAt  time.Time      `db:"created_at" json:"created_at"`
	UpdatedAt  time.Time      `db:"updated_at" json:"updated_at"`
	SharedToMe bool           `db:"-" json:"shared_with_you"`
	CanWrite   bool           `db:"-" json:"can_write"`
	SortName   string         `db:"sort_name" json:"-"`
}

const columns = `a.network_id, a.id, a.owner_org_id, o.name AS owner_org_name, a.owner_user_id, a.name, a.domains, a.duns, a.cnpj, a.vat,
	a.industry, a.size, a.region, a.street, a.city, a.state, a.postal_code, a.country, a.tags, a.reader_orgs, a.writer_orgs,
	a.archived_at, a.created_at, a.updated_at, a.sort_name`

const fromAccounts = ` FROM accounts a` + partners.JoinOwnerOrg

// Sizes are the allowed company-size bands.
var Sizes = []string{"", "1-10", "11-50", "51-200", "201-1000", "1001-5000", "5001+"}

// Input creates or changes an account; nil fields are left as they are.
type Input struct {
	Name       *string   `json:"name"`
	Domains    *[]string `json:"domains"`
	DUNS       *string   `json:"duns"`
	CNPJ       *string   `json:"cnpj"`
	VAT        *string   `json:"vat"`
	Industry   *string   `json:"industry"`
	Size       *string   `json:"size"`
	Region     *string   `json:"region"`
	Street     *string   `json:"street"`
	City       *string   `json:"city"`
	State      *string   `json:"state"`
	PostalCode *string   `json:"postal_code"`
	Country    *string   `json:"country"`
	Tags       *[]string `json:"tags"`
	OwnerUser  *int64    `json:"owner_user_id"`
}

func trimmed(field string, p *string, max int) error {
	if p == nil {
		return nil
	}
	*p = strings.TrimSpace(*p)
	if len(*p) > max {
		return apperr.Field(field, "must be at most %d characters", max)
	}
	return nil
}

// normalize validates the input and normalizes its matching keys in place.
func (in *Input) normalize(creating bool) error {
	if creating && (in.Name == nil || strings.TrimSpace(*in.Name) == "") {
		return apperr.Field("name", "is required")
	}
	if in.Name != nil {
		if err := trimmed("name", in.Name, 200); err != nil {
			return err
		}
		if *in.Name == "" {
			return apperr.Field("name", "must not be empty")
		}
	}
	if in.Domains != nil {
		seen := map[string]bool{}
		var out []string
		for _, d := range *in.Domains {
			if strings.TrimSpace(d) == "" {
				continue
			}
			n, err := NormalizeDomain(d)
			if err != nil {
				return err
			}
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
		if len(out) > 20 {
			return apperr.Field("domains", "at most 20 domains")
		}
		if out == nil {
			out = []string{}
		}
		*in.Domains = out
	}
	var err error
	if in.DUNS != nil {
		if *in.DUNS, err = NormalizeDUNS(*in.DUNS); err != nil {
			return err
		}
	}
	if in.CNPJ != nil {
		if *in.CNPJ, err = NormalizeCNPJ(*in.CNPJ); err != nil {
			return err
		}
	}
	if in.VAT != nil {
		if *in.VAT, err = NormalizeVAT(*in.VAT); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name string
		p    *string
		max  int
	}{{"industry", in.Industry, 80}, {"region", in.Region, 60}, {"street", in.Street, 200}, {"city", in.City, 100}, {"state", in.State, 100}, {"postal_code", in.PostalCode, 20}} {
		if err := trimmed(f.name, f.p, f.max); err != nil {
			return err
		}
	}
	if in.Size != nil {
		ok := false
		for _, s := range Sizes {
			ok = ok || *in.Size == s
		}
		if !ok {
			return apperr.Field("size", "must be one of %s", strings.Join(Sizes[1:], ", "))
		}
	}
	if in.Country != nil {
		c := strings.ToUpper(strings.TrimSpace(*in.Country))
		if c != "" && (len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z') {
			return apperr.Field("country", "must be a two-letter ISO 3166 code such as BR or US")
		}
		*in.Country = c
	}
	if in.Tags != nil {
		seen := map[string]bool{}
		var out []string
		for _, t := range *in.Tags {
			t = strings.ToLower(strings.TrimSpace(t))
			if t == "" || seen[t] {
				continue
			}
			if len(t) > 40 {
				return apperr.Field("tags", "%q is longer than 40 characters", t)
			}
			seen[t] = true
			out = append(out, t)
		}
		if len(out) > 30 {
			return apperr.Field("tags", "at most 30 tags")
		}
		sort.Strings(out)
		if out == nil {
			out = []string{}
		}
		*in.Tags = out
	}
	return nil
}

type key struct{ kind, value string }

func keysOf(a *Account) []key {
	var ks []key
	for _, d := range a.Domains {
		ks = append(ks, key{"domain", d})
	}
	for _, k := range []key{{"duns", a.DUNS}, {"cnpj", a.CNPJ}, {"vat", a.VAT}} {
		if k.value != "" {
			ks = append(ks, k)
		}
	}
	return ks
}

// duplicateOf returns the id of another account of the org holding one of keys.
func duplicateOf(ctx context.Context, tx *sqlx.Tx, network, org, self int64, keys []key) (int64, string, error) {
	for _, k := range keys {
		var id int64
		err := tx.GetContext(ctx, &id, `SELECT account_id FROM account_keys WHERE network_id = $1 AND org_id = $2 AND kind = $3 AND value = $4 AND account_id <> $5`,
			network, org, k.kind, k.value, self)
		if err == nil {
			return id, k.kind + " " + k.value, nil
		}
		if !isNoRows(err) {
			return 0, "", err
		}
	}
	return 0, "", nil
}

func duplicateError(id int64, what string) error {
	return apperr.E(apperr.Conflict, "Your organization already has account %d with %s: open it, or merge the two.", id, what).
		On(strings.Fields(what)[0] + "s").Linking(fmt.Sprintf("/api/v1/accounts/%d", id))
}

// writeKeys replaces the account's matching keys with those of its current fields.
func writeKeys(ctx context.Context, tx *sqlx.Tx, a *Account) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM account_keys WHERE network_id = $1 AND account_id = $2`, a.Network, a.ID); err != nil {
		return err
	}
	return insertKeys(ctx, tx, a)
}

// insertKeys stores the keys of an account that has none yet, in one statement.
func insertKeys(ctx context.Context, tx *sqlx.Tx, a *Account) error {
	_, err := insertKeyRows(ctx, tx, a, keysOf(a), "")
	return err
}

// insertKeyRows inserts the account's keys ks (under its owner organization) as one
// multi-row INSERT … VALUES, which Citus routes to the network's node: an
// INSERT … SELECT FROM unnest(…) becomes a COPY there, which row-level security
// refuses (DESIGN §9). suffix follows the VALUES (an ON CONFLICT clause). It
// returns how many keys it stored.
func insertKeyRows(ctx context.Context, tx *sqlx.Tx, a *Account, ks []key, suffix string) (int64, error) {
	if len(ks) == 0 {
		return 0, nil
	}
	var q strings.Builder
	q.WriteString(`INSERT INTO account_keys (network_id, org_id, kind, value, account_id) VALUES `)
	args := []any{a.Network, a.OwnerOrg, a.ID}
	for i, k := range ks {
		if i > 0 {
			q.WriteString(", ")
		}
		fmt.Fprintf(&q, "($1, $2, $%d, $%d, $3)", len(args)+1, len(args)+2)
		args = append(args, k.kind, k.value)
	}
	q.WriteString(suffix)
	res, err := tx.ExecContext(ctx, q.String(), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (in Input) apply(a *Account) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&a.Name, in.Name)
	set(&a.DUNS, in.DUNS)
	set(&a.CNPJ, in.CNPJ)
	set(&a.VAT, in.VAT)
	set(&a.Industry, in.Industry)
	set(&a.Size, in.Size)
	set(&a.Region, in.Region)
	set(&a.Street, in.Street)
	set(&a.City, in.City)
	set(&a.State, in.State)
	set(&a.PostalCode, in.PostalCode)
	set(&a.Country, in.Country)
	if in.Domains != nil {
		a.Domains = *in.Domains
	}
	if in.Tags != nil {
		a.Tags = *in.Tags
	}
	if in.OwnerUser != nil {
		a.OwnerUser = in.OwnerUser
	}
	if a.Domains == nil {
		a.Domains = pq.StringArray{}
	}
	if a.Tags == nil {
		a.Tags = pq.StringArray{}
	}
}

// Create adds an account owned by the actor's organization. A matching key held by
// another account of the organization is a Conflict linking to it. Sales and above.
// Errors: Forbidden, Invalid, Conflict.
func (s *Service) Create(ctx context.Context, a partners.Actor, in Input) (*Account, error) {
	if err := a.Require(partners.Sales); err != nil {
		return nil, err
	}
	if err := in.normalize(true); err != nil {
		return nil, err
	}
	acc := &Account{Network: a.Network, OwnerOrg: a.Org}
	if a.User != 0 {
		acc.OwnerUser = &a.User
	}
	in.apply(acc)
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if err := checkOwnerUser(ctx, tx, a, acc.OwnerUser); err != nil {
			return err
		}
		if err := s.insert(ctx, tx, a, acc); err != nil {
			return err
		}
		if err := activity.Log(ctx, tx, a, "account", acc.ID, "account.created", map[string]any{"name": acc.Name}); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{Network: a.Network, Org: a.Org, User: a.User, Actor: a.Label(), Action: "account.create",
			TargetType: "account", TargetID: fmt.Sprint(acc.ID), Detail: map[string]any{"name": acc.Name}})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, acc.ID)
}

func checkOwnerUser(ctx context.Context, tx *sqlx.Tx, a partners.Actor, u *int64) error {
	if u == nil {
		return nil
	}
	ok, err := partners.ActiveUserOf(ctx, tx, a.Network, a.Org, *u)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.Field("owner_user_id", "no active user %d in your organization", *u)
	}
	return nil
}

// insert stores a new account and its keys inside tx (Create and imports use it;
// an import records one audit entry for the whole file).
func (s *Service) insert(ctx context.Context, tx *sqlx.Tx, a partners.Actor, acc *Account) error {
	if id, what, err := duplicateOf(ctx, tx, a.Network, a.Org, 0, keysOf(acc)); err != nil {
		return err
	} else if id != 0 {
		return duplicateError(id, what)
	}
	if err := tx.GetContext(ctx, &acc.ID, `
		INSERT INTO accounts (network_id, owner_org_id, owner_user_id, name, domains, duns, cnpj, vat, industry, size, region, street, city, state, postal_code, country, tags)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id`,
		a.Network, a.Org, acc.OwnerUser, acc.Name, acc.Domains, acc.DUNS, acc.CNPJ, acc.VAT, acc.Industry, acc.Size, acc.Region,
		acc.Street, acc.City, acc.State, acc.PostalCode, acc.Country, acc.Tags); err != nil {
		return err
	}
	return insertKeys(ctx, tx, acc)
}

// Get returns an account the actor may see (owned by its organization or shared
// with it). Errors: NotFound.
func (s *Service) Get(ctx context.Context, a partners.Actor, id int64) (*Account, error) {
	var acc Account
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &acc, `SELECT `+columns+fromAccounts+` WHERE a.network_id = $1 AND a.id = $2`, a.Network, id)
	})
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.E(apperr.NotFound, "Account %d not found.", id)
	}
	if err != nil {
		return nil, err
	}
	acc.decorate(a)
	return &acc, nil
}

func (acc *Account) decorate(a partners.Actor) {
	acc.SharedToMe = acc.OwnerOrg != a.Org
	acc.CanWrite = canWrite(a, acc)
}

// canWrite is the core's rule for shared records (partners.CanWrite).
func canWrite(a partners.Actor, acc *Account) bool {
	return partners.CanWrite(a, acc.OwnerOrg, acc.OwnerUser, acc.WriterOrgs)
}

// Update changes an account the actor may write. Errors: Forbidden, Invalid,
// NotFound, Conflict.
func (s *Service) Update(ctx context.Context, a partners.Actor, id int64, in Input) (*Account, error) {
	if err := a.Require(partners.Sales); err != nil {
		return nil, err
	}
	if err := in.normalize(false); err != nil {
		return nil, err
	}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		acc, err := lockForWrite(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if in.OwnerUser != nil && acc.OwnerOrg != a.Org {
			return apperr.Field("owner_user_id", "only the owner organization assigns the account's owner")
		}
		if err := checkOwnerUser(ctx, tx, a, in.OwnerUser); err != nil {
			return err
		}
		before := keysOf(acc)
		in.apply(acc)
		owner := acc.OwnerOrg == a.Org
		// A writer organization learns nothing of the owner's other accounts: a
		// clash with one is settled on the owner's side (writerKeys), and the
		// writer's reply is the same whatever the owner holds.
		if owner {
			if id2, what, err := duplicateOf(ctx, tx, a.Network, acc.OwnerOrg, acc.ID, keysOf(acc)); err != nil {
				return err
			} else if id2 != 0 {
				return duplicateError(id2, what)
			}
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE accounts SET name = $3, domains = $4, duns = $5, cnpj = $6, vat = $7, industry = $8, size = $9, region = $10,
			       street = $11, city = $12, state = $13, postal_code = $14, country = $15, tags = $16, owner_user_id = $17, updated_at = now()
			 WHERE network_id = $1 AND id = $2`,
			a.Network, id, acc.Name, acc.Domains, acc.DUNS, acc.CNPJ, acc.VAT, acc.Industry, acc.Size, acc.Region,
			acc.Street, acc.City, acc.State, acc.PostalCode, acc.Country, acc.Tags, acc.OwnerUser); err != nil {
			return err
		}
		if owner {
			if err := writeKeys(ctx, tx, acc); err != nil {
				return err
			}
		} else if err := s.writerKeys(ctx, tx, a, acc, before); err != nil {
			return err
		}
		if err := partners.RecordChanged(ctx, tx, a.Network, "account", id); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{Network: a.Network, Org: a.Org, User: a.User, Actor: a.Label(), Action: "account.update",
			TargetType: "account", TargetID: fmt.Sprint(id)})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

// writerKeys rewrites the keys of an account a writer organization changed. The
// keys are the owner's: the writer may touch those of this one account only, which
// it has locked for writing, once the transaction names it in
// app.writable_account (the account_keys "writer" policy). An identifier another
// account of the owner already holds stays in the account's fields but is no
// matching key (a duplicate of the owner's is the owner's to settle): the insert
// skips it without reading the owner's other keys, and the owner's admins are told
// about each one this change brought, by a notification; the writer is told
// nothing (DESIGN §3: no answer may depend on what another organization holds).
func (s *Service) writerKeys(ctx context.Context, tx *sqlx.Tx, a partners.Actor, acc *Account, before []key) error {
	if err := db.SetLocal(ctx, tx, "app.writable_account", acc.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM account_keys WHERE network_id = $1 AND account_id = $2`, acc.Network, acc.ID); err != nil {
		return err
	}
	want := keysOf(acc)
	if _, err := insertKeyRows(ctx, tx, acc, want, ` ON CONFLICT DO NOTHING`); err != nil {
		return err
	}
	var stored []struct {
		Kind  string `db:"kind"`
		Value string `db:"value"`
	}
	if err := tx.SelectContext(ctx, &stored, `SELECT kind, value FROM account_keys WHERE network_id = $1 AND account_id = $2`, acc.Network, acc.ID); err != nil {
		return err
	}
	if err := db.SetLocal(ctx, tx, "app.writable_account", 0); err != nil {
		return err
	}
	kept := make(map[key]bool, len(stored))
	for _, x := range stored {
		kept[key{x.Kind, x.Value}] = true
	}
	for _, k := range want {
		if kept[k] || slices.Contains(before, k) {
			continue // a matching key now, or already there (and told) before this change
		}
		if err := s.Partners.NotifyOrgAdmins(ctx, tx, a, acc.OwnerOrg, "account.key_clash", fmt.Sprintf("/accounts/%d", acc.ID),
			l10n.M("A partner's change duplicates one of your accounts"), func(from string) l10n.Msg {
				return l10n.M("%s changed your account %d to hold %s, which another of your accounts already holds. The account keeps it, but it is no matching key until you merge the two accounts or remove it from one of them.",
					from, acc.ID, k.value)
			}); err != nil {
			return err
		}
	}
	return nil
}

func lockForWrite(ctx context.Context, tx *sqlx.Tx, a partners.Actor, id int64) (*Account, error) {
	var acc Account
	q := `SELECT ` + columns + fromAccounts + ` WHERE a.network_id = $1 AND a.id = $2`
	if err := tx.GetContext(ctx, &acc, q, a.Network, id); errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.E(apperr.NotFound, "Account %d not found.", id)
	} else if err != nil {
		return nil, err
	}
	if !canWrite(a, &acc) {
		return nil, apperr.E(apperr.Forbidden, "You may read this account but not change it.")
	}
	// Locking needs the update policy, which a reader does not pass: lock only now.
	if err := tx.GetContext(ctx, &acc, q+` FOR UPDATE OF a`, a.Network, id); errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.E(apperr.Forbidden, "You may read this account but not change it.")
	} else if err != nil {
		return nil, err
	}
	return &acc, nil
}

// SetArchived archives or restores an account of the actor's organization. An
// archived account keeps its keys (restoring it needs no re-entry) but leaves lists,
// mapping and exports. Errors: Forbidden, NotFound.
func (s *Service) SetArchived(ctx context.Context, a partners.Actor, id int64, archived bool) (*Account, error) {
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		acc, err := lockForWrite(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if acc.OwnerOrg != a.Org {
			return apperr.E(apperr.Forbidden, "Only the owner organization archives or restores an account.")
		}
		q := `UPDATE accounts SET archived_at = now(), updated_at = now() WHERE network_id = $1 AND id = $2 AND archived_at IS NULL`
		action := "account.archive"
		if !archived {
			q = `UPDATE accounts SET archived_at = NULL, updated_at = now() WHERE network_id = $1 AND id = $2 AND archived_at IS NOT NULL`
			action = "account.restore"
		}
		if _, err := tx.ExecContext(ctx, q, a.Network, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, strings.Replace(strings.Replace(q, "accounts", "contacts", 1), "AND id = $2", "AND account_id = $2", 1), a.Network, id); err != nil {
			return err
		}
		if err := partners.RecordChanged(ctx, tx, a.Network, "account", id); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{Network: a.Network, Org: a.Org, User: a.User, Actor: a.Label(), Action: action, TargetType: "account", TargetID: fmt.Sprint(id)})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
