package partners

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"sync"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
)

// Shareable describes a record type that organizations share with each other.
// A record family registers each of its shareable types once, at init, with
// RegisterShareable; the core then keeps the shares rows, the records' arrays and
// the share rows' sort copies in step, and explains access, for every registered
// type alike.
//
// Table must have network_id, id, owner_org_id, reader_orgs bigint[] and
// writer_orgs bigint[], with forced row-level security as accounts have
// (migration 00003: read by the owner or an organization in reader_orgs, update
// by the owner or one in writer_orgs, insert and delete by the owner). Each
// dependent table has the same columns and policies, and a column naming its
// record. The core writes the arrays as the owner organization, acting for it
// when another organization causes the change (see actFor).
type Shareable struct {
	// Type names the records in shares.record_type and in explain's record=TYPE:ID.
	Type string
	// Table holds the records.
	Table string
	// OwnerUser is the column naming the user who owns a record, who may share it
	// with the sales role; "" when records have none (managers share them).
	OwnerUser string
	// Dependents are tables whose rows carry their record's arrays (an
	// account's contacts), each with the column that holds the record's id.
	Dependents []Dependent
	// SortKey and SortAt are the columns of Table copied onto the record's share
	// rows (shares.sort_key, shares.sort_at), from which lists read the records
	// shared with an organization in order (docs/LISTS.md); "" when none.
	SortKey, SortAt string
	// FilterKey is a column of Table copied onto the record's share rows
	// (shares.filter_key, migration 00038): the filter its list offers most
	// (an account's industry), so that a list filtered by it reads the records
	// shared with an organization in sort order from the shares_grantee_filter
	// index, stopping after a page, rather than testing every shared record
	// on its way; "" when none. It needs the sort columns.
	FilterKey string
	// Noun and Nouns name one record and several in explain's details.
	Noun, Nouns string
	// Explain, when set, adds the record family's own rules to an explanation
	// (an account that a partner's policy shows in account mapping). It runs in
	// the subject's transaction, whether or not the subject can see the record.
	Explain func(ctx context.Context, tx *sqlx.Tx, subject Actor, id int64) ([]Rule, error)
	// Event, when set, is told of a change the core makes to a record, in
	// the change's transaction: "shared" (detail: org_id, access) and
	// "unshared" (org_id) by a person. Families put it on the record's
	// timeline (partners/activity's Log).
	Event func(ctx context.Context, tx *sqlx.Tx, a Actor, id int64, event string, detail map[string]any) error

	// Statements, built once at registration from the names above.
	lockSQL, ownerSQL, arraysSQL, sortSQL string
}

// Dependent is a table whose rows follow a shared record's arrays: those whose
// Column holds the record's id and, when TypeColumn is set (a table holding rows
// of several record types, such as activities), whose TypeColumn holds the
// record's type.
type Dependent struct{ Table, Column, TypeColumn string }

// sql is the statement that writes a dependent's arrays for a record of type t.
func (d Dependent) sql(t string) string {
	q := `UPDATE ` + d.Table + ` SET reader_orgs = $3, writer_orgs = $4 WHERE network_id = $1 AND ` + d.Column + ` = $2`
	if d.TypeColumn != "" {
		q += ` AND ` + d.TypeColumn + ` = ` + pq.QuoteLiteral(t)
	}
	return q
}

var (
	registryMu sync.RWMutex
	registry   = map[string]*Shareable{}
	typeName   = regexp.MustCompile(`^[a-z_]{1,40}$`)
	identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
)

// RegisterShareable adds a shareable record type. It panics on a malformed or
// duplicate registration, which is a programming error caught at start.
func RegisterShareable(t Shareable) {
	if !typeName.MatchString(t.Type) || t.Noun == "" || t.Nouns == "" {
		panic(fmt.Sprintf("partners: shareable type %q needs a name of lower-case letters and a noun", t.Type))
	}
	if !identifier.MatchString(t.Table) {
		panic(fmt.Sprintf("partners: shareable type %s: %q is not a table name", t.Type, t.Table))
	}
	for _, name := range []string{t.OwnerUser, t.SortKey, t.SortAt, t.FilterKey} {
		if name != "" && !identifier.MatchString(name) {
			panic(fmt.Sprintf("partners: shareable type %s: %q is not a column name", t.Type, name))
		}
	}
	if (t.SortKey == "") != (t.SortAt == "") {
		panic(fmt.Sprintf("partners: shareable type %s needs both sort columns or neither", t.Type))
	}
	if t.FilterKey != "" && t.SortKey == "" {
		panic(fmt.Sprintf("partners: shareable type %s: a filter column needs the sort columns", t.Type))
	}
	for _, d := range t.Dependents {
		if !identifier.MatchString(d.Table) || !identifier.MatchString(d.Column) || (d.TypeColumn != "" && !identifier.MatchString(d.TypeColumn)) {
			panic(fmt.Sprintf("partners: shareable type %s: dependent %s.%s is not a table and column", t.Type, d.Table, d.Column))
		}
	}
	ownerUser := "NULL::bigint"
	if t.OwnerUser != "" {
		ownerUser = "t." + t.OwnerUser
	}
	t.lockSQL = `SELECT t.owner_org_id, ` + ownerUser + ` AS owner_user_id FROM ` + t.Table + ` t WHERE t.network_id = $1 AND t.id = $2 FOR UPDATE`
	t.ownerSQL = `SELECT owner_org_id, NULLIF(current_setting('app.org_id', true), '')::bigint AS me,
		coalesce(NULLIF(current_setting('app.org_id', true), '')::bigint = ANY (writer_orgs), false) AS writer
		FROM ` + t.Table + ` WHERE network_id = $1 AND id = $2`
	t.arraysSQL = `UPDATE ` + t.Table + ` SET reader_orgs = $3, writer_orgs = $4 WHERE network_id = $1 AND id = $2`
	if t.SortKey != "" {
		// A type without a filter column leaves filter_key at its default, ''.
		filterSet, filterChanged := ``, ``
		if t.FilterKey != "" {
			filter := `coalesce(t.` + t.FilterKey + `::text, '')`
			filterSet = `, filter_key = ` + filter
			filterChanged = ` OR s.filter_key IS DISTINCT FROM ` + filter
		}
		t.sortSQL = `UPDATE shares s SET sort_key = t.` + t.SortKey + `, sort_at = t.` + t.SortAt + filterSet + `
			FROM ` + t.Table + ` t
			WHERE s.network_id = $1 AND s.record_type = $2 AND s.record_id = $3 AND t.network_id = $1 AND t.id = $3
			  AND (s.sort_key IS DISTINCT FROM t.` + t.SortKey + ` OR s.sort_at IS DISTINCT FROM t.` + t.SortAt + filterChanged + `)`
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[t.Type]; dup {
		panic(fmt.Sprintf("partners: shareable type %s registered twice", t.Type))
	}
	registry[t.Type] = &t
}

// ShareableTypes lists the registered shareable types, sorted.
func ShareableTypes() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	out := make([]string, 0, len(registry))
	for name := range registry {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// shareableType returns a registered type, or Invalid naming field.
func shareableType(field, name string) (*Shareable, error) {
	registryMu.RLock()
	t, ok := registry[name]
	registryMu.RUnlock()
	if !ok {
		return nil, apperr.Field(field, "%q records cannot be shared", name)
	}
	return t, nil
}

// actFor sets the transaction's organization to org, as the tenant transaction
// set it at its start (SET LOCAL, a statement of its own, with an id this code
// formats): the core acts for a record's owner organization, under that
// organization's own policies, for the few statements that keep the owner's
// derived columns in step with a change another organization may make (a
// grantee revoking its partnership, a writer changing the record). It replaces
// the SECURITY DEFINER functions that did it before: one role per transaction
// (DESIGN §9). Callers check under their own scope that they may, act, and set
// their own organization back.
func actFor(ctx context.Context, tx *sqlx.Tx, org int64) error {
	if org <= 0 {
		return fmt.Errorf("act for organization %d: not an organization", org)
	}
	if _, err := tx.ExecContext(ctx, "SET LOCAL app.org_id = '"+strconv.FormatInt(org, 10)+"'"); err != nil {
		return fmt.Errorf("act for organization %d: %w", org, err)
	}
	return nil
}

// asOwner runs fn for the record's owner organization when that is not me, and
// sets me back afterwards.
func asOwner(ctx context.Context, tx *sqlx.Tx, me, owner int64, fn func() error) error {
	if me == owner {
		return fn()
	}
	if err := actFor(ctx, tx, owner); err != nil {
		return err
	}
	if err := fn(); err != nil {
		return err
	}
	return actFor(ctx, tx, me)
}

// syncShares brings a record's reader_orgs and writer_orgs (and its
// dependents'), and its share rows' sort copies, in step with its shares rows,
// in the transaction that changed them, with plain statements of the
// application role. The arrays are recomputed from the shares rows, which only
// the owner sees all of: an organization that is not the owner (one revoking
// the partnership it had the share through, whose share row it has just
// deleted) acts for the owner to do it.
func syncShares(ctx context.Context, tx *sqlx.Tx, network, me int64, t *Shareable, id, owner int64) error {
	return asOwner(ctx, tx, me, owner, func() error {
		// The record's lock first, so that the shares read next include those a
		// concurrent share of the same record committed (it holds the lock until
		// then), and this write of the arrays cannot undo its.
		var locked struct {
			Owner int64  `db:"owner_org_id"`
			User  *int64 `db:"owner_user_id"`
		}
		switch err := tx.GetContext(ctx, &locked, t.lockSQL, network, id); {
		case errors.Is(err, sql.ErrNoRows):
			return nil // no record, no arrays
		case err != nil:
			return fmt.Errorf("lock %s %d: %w", t.Type, id, err)
		}
		var g struct {
			Readers pq.Int64Array `db:"readers"`
			Writers pq.Int64Array `db:"writers"`
		}
		if err := tx.GetContext(ctx, &g, `
			SELECT coalesce(array_agg(grantee_org_id ORDER BY grantee_org_id), '{}') AS readers,
			       coalesce(array_agg(grantee_org_id ORDER BY grantee_org_id) FILTER (WHERE access = 'write'), '{}') AS writers
			  FROM shares WHERE network_id = $1 AND record_type = $2 AND record_id = $3`, network, t.Type, id); err != nil {
			return fmt.Errorf("shares of %s %d: %w", t.Type, id, err)
		}
		if _, err := tx.ExecContext(ctx, t.arraysSQL, network, id, g.Readers, g.Writers); err != nil {
			return fmt.Errorf("sync the arrays of %s %d: %w", t.Type, id, err)
		}
		for _, d := range t.Dependents {
			if _, err := tx.ExecContext(ctx, d.sql(t.Type), network, id, g.Readers, g.Writers); err != nil {
				return fmt.Errorf("sync the arrays of %s %d's %s: %w", t.Type, id, d.Table, err)
			}
		}
		if t.sortSQL == "" {
			return nil
		}
		if _, err := tx.ExecContext(ctx, t.sortSQL, network, t.Type, id); err != nil {
			return fmt.Errorf("sort keys of %s %d's shares: %w", t.Type, id, err)
		}
		return nil
	})
}

// RecordChanged brings a shared record's share rows in step with the record's
// sort keys (for an account: its sort name and last change), which lists of
// shared records read in order from the shares index. Call it in the
// transaction that changed the record, as its owner or an organization it is
// shared with for writing (which acts for the owner to update the owner's share
// rows); a record without shares costs two index probes. Errors: Invalid (a
// type that is not registered), NotFound (a record the caller cannot change).
func RecordChanged(ctx context.Context, tx *sqlx.Tx, network int64, recordType string, id int64) error {
	t, err := shareableType("record_type", recordType)
	if err != nil {
		return err
	}
	if t.sortSQL == "" {
		return nil
	}
	// Under the caller's own policies: the record is one it can see, and it
	// owns it or is one of its writers.
	var rec struct {
		Owner  int64 `db:"owner_org_id"`
		Me     int64 `db:"me"`
		Writer bool  `db:"writer"`
	}
	if err := tx.GetContext(ctx, &rec, t.ownerSQL, network, id); err != nil {
		return db.Absent(err, "No %s %d that you can see.", recordType, id)
	}
	if rec.Owner != rec.Me && !rec.Writer {
		return apperr.E(apperr.NotFound, "No %s %d that you can see.", recordType, id)
	}
	return asOwner(ctx, tx, rec.Me, rec.Owner, func() error {
		if _, err := tx.ExecContext(ctx, t.sortSQL, network, recordType, id); err != nil {
			return fmt.Errorf("sort keys of %s %d's shares: %w", recordType, id, err)
		}
		return nil
	})
}

// MoveShares moves the shares of the actor's record from onto into (both of
// recordType, both the actor's organization's), keeping the wider access where
// both had a share with the same organization, and brings into's arrays in step:
// a merge. Call it in the merging transaction. Errors: Invalid.
func MoveShares(ctx context.Context, tx *sqlx.Tx, a Actor, recordType string, from, into int64) error {
	t, err := shareableType("record_type", recordType)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO shares (network_id, record_type, record_id, owner_org_id, grantee_org_id, access, reason, created_by)
		SELECT network_id, record_type, $4, owner_org_id, grantee_org_id, access, reason, created_by
		  FROM shares WHERE network_id = $1 AND record_type = $2 AND record_id = $3
		ON CONFLICT (network_id, record_type, record_id, grantee_org_id) DO UPDATE
		  SET access = CASE WHEN shares.access = 'write' OR EXCLUDED.access = 'write' THEN 'write' ELSE 'read' END`,
		a.Network, recordType, from, into); err != nil {
		return fmt.Errorf("move the shares of %s %d: %w", recordType, from, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM shares WHERE network_id = $1 AND record_type = $2 AND record_id = $3`, a.Network, recordType, from); err != nil {
		return fmt.Errorf("move the shares of %s %d: %w", recordType, from, err)
	}
	return syncShares(ctx, tx, a.Network, a.Org, t, into, a.Org)
}

// SharedFrom is the FROM item of a list's shared path (docs/LISTS.md): the
// share rows of recordType as s (grantee_org_id, owner_org_id, record_id, the
// sort copies sort_key, sort_at and the filter copy filter_key), joined to the records as alias. The list
// filters on s.network_id, s.grantee_org_id and s.record_type and orders by
// the copies, which the shares indexes serve.
func SharedFrom(recordType, alias string) string {
	t, err := shareableType("record_type", recordType)
	if err != nil {
		panic(err)
	}
	return `shares s JOIN ` + t.Table + ` ` + alias + ` ON ` + alias + `.network_id = s.network_id AND ` + alias + `.id = s.record_id`
}

// SharedFilterKeys is an SQL query of one column, v: the distinct values of
// recordType's filter column (Shareable.FilterKey) among the records shared
// with the organization grantee in network (SQL expressions: placeholders)
// that meet cond (a condition on alias, or ""), read from the share rows'
// copies: one probe of shares_grantee_filter per distinct value (a skip
// scan), and one check that a record shared with grantee holds the value and
// meets cond, instead of a probe per record shared. It panics on a type
// without a filter column (a programming error).
func SharedFilterKeys(recordType, alias, network, grantee, cond string) string {
	t, err := shareableType("record_type", recordType)
	if err != nil {
		panic(err)
	}
	if t.FilterKey == "" {
		panic(fmt.Sprintf("partners: shareable type %s has no filter column", recordType))
	}
	if cond != "" {
		cond = ` AND ` + cond
	}
	// filter_key <> '': the partial index shares_grantee_filter. The check
	// is a LATERAL subquery with LIMIT 1 so that it stays a probe per value
	// (an EXISTS becomes a semi-join that reads every share).
	where := `s.network_id = ` + network + ` AND s.grantee_org_id = ` + grantee + ` AND s.record_type = ` + pq.QuoteLiteral(recordType) + ` AND s.filter_key <> ''`
	return `WITH RECURSIVE k AS (
		(SELECT s.filter_key AS v FROM shares s WHERE ` + where + ` ORDER BY s.filter_key LIMIT 1)
		UNION ALL
		SELECT (SELECT s.filter_key FROM shares s WHERE ` + where + ` AND s.filter_key > k.v ORDER BY s.filter_key LIMIT 1)
		FROM k WHERE k.v IS NOT NULL)
	SELECT k.v FROM k CROSS JOIN LATERAL (SELECT 1 FROM ` + SharedFrom(recordType, alias) + ` WHERE ` + where + ` AND s.filter_key = k.v
	               AND ` + alias + `.` + t.FilterKey + ` = k.v` + cond + ` LIMIT 1) held
	 WHERE k.v IS NOT NULL`
}

// SharedWithCondition is an SQL condition that the record alias.id (of
// recordType, in network) is shared with the organization grantee; network and
// grantee are SQL expressions (placeholders).
func SharedWithCondition(recordType, alias, network, grantee string) string {
	return `EXISTS (SELECT 1 FROM shares s WHERE s.network_id = ` + network + ` AND s.record_type = ` + pq.QuoteLiteral(recordType) +
		` AND s.record_id = ` + alias + `.id AND s.grantee_org_id = ` + grantee + `)`
}

// JoinOwnerOrg joins the owner organization of the records aliased a as o, for
// its name (o.name): every organization of the network is readable.
const JoinOwnerOrg = ` JOIN organizations o ON o.network_id = a.network_id AND o.id = a.owner_org_id`

// ActiveUserOf reports whether user is an active user of org, in tx.
func ActiveUserOf(ctx context.Context, tx *sqlx.Tx, network, org, user int64) (bool, error) {
	var ok bool
	err := tx.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM users WHERE network_id = $1 AND org_id = $2 AND id = $3 AND status = 'active')`, network, org, user)
	return ok, err
}

// CurrentRole is the role (and, for a user, the language) that an active user,
// or else an unrevoked API key, holds now, read in tx (which is in its
// organization's scope): a background job acts with the role its requester has
// when it runs. Errors: NotFound (no such active user or key).
func CurrentRole(ctx context.Context, tx *sqlx.Tx, network, user, key int64) (Role, string, error) {
	var who struct {
		Role   string `db:"role"`
		Locale string `db:"locale"`
	}
	var err error
	if user != 0 {
		err = db.Absent(tx.GetContext(ctx, &who, `SELECT role, locale FROM users WHERE network_id = $1 AND id = $2 AND status = 'active'`, network, user),
			"User %d not found in your organization.", user)
	} else {
		err = db.Absent(tx.GetContext(ctx, &who, `SELECT role, '' AS locale FROM api_keys WHERE network_id = $1 AND id = $2 AND revoked_at IS NULL`, network, key),
			"Active API key %d not found in your organization.", key)
	}
	if err != nil {
		return "", "", err
	}
	return Role(who.Role), who.Locale, nil
}
