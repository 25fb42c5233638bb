// Package audit writes the append-only, per-network hash-chained audit log and
// verifies it (DESIGN §3). Entries are appended through the ph_audit_append database
// function, which orders concurrent appends and computes the chain in SQL.
package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/db"
)

// Entry is one thing that happened.
type Entry struct {
	Network    int64
	Org        int64 // 0 when no organization acted (the system)
	User       int64 // 0 for API keys and the system
	Actor      string
	Action     string
	TargetType string
	TargetID   string
	Detail     map[string]any
}

// Append adds e to its network's chain inside tx, so the entry commits or rolls back
// with the change it records.
func Append(ctx context.Context, tx *sqlx.Tx, e Entry) error {
	detail, err := json.Marshal(e.Detail)
	if err != nil {
		return fmt.Errorf("audit detail: %w", err)
	}
	if e.Detail == nil {
		detail = []byte("{}")
	}
	_, err = tx.ExecContext(ctx, `SELECT ph_audit_append($1, $2, $3, $4, $5, $6, $7, $8)`,
		e.Network, nullID(e.Org), nullID(e.User), e.Actor, e.Action, e.TargetType, e.TargetID, string(detail))
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

func nullID(v int64) any {
	if v <= 0 {
		return nil
	}
	return v
}

// Record is a stored entry as listed in the portal and API.
type Record struct {
	Network    int64           `db:"network_id" json:"-"`
	Seq        int64           `db:"seq" json:"seq"`
	At         time.Time       `db:"at" json:"at"`
	Org        *int64          `db:"org_id" json:"org_id"`
	User       *int64          `db:"user_id" json:"user_id"`
	Actor      string          `db:"actor" json:"actor"`
	Action     string          `db:"action" json:"action"`
	TargetType string          `db:"target_type" json:"target_type"`
	TargetID   string          `db:"target_id" json:"target_id"`
	Detail     json.RawMessage `db:"detail" json:"detail"`
}

// Recent returns the entries the scope may read, newest first, before the
// sequence number `before` (0 for the newest), in a transaction of its own.
func Recent(ctx context.Context, d *db.DB, s db.Scope, before int64, limit int) ([]Record, error) {
	var out []Record
	err := d.Tx(ctx, s, func(tx *sqlx.Tx) error {
		var err error
		out, err = List(ctx, tx, s.Network, before, limit)
		return err
	})
	return out, err
}

// List returns the entries of the network that the scope of tx may read, newest
// first, before the sequence number `before` (0 for the newest). The network is a
// value in the statement (not the setting), so that Citus sends it to one node.
func List(ctx context.Context, tx *sqlx.Tx, network, before int64, limit int) ([]Record, error) {
	return Find(ctx, tx, network, Filter{Before: before}, limit)
}

// Filter narrows a listing of the log: entries before the sequence number Before
// (0 for the newest), by one user (User > 0), one action (Action != ""), and at
// or after From and before To (zero times leave that end open).
type Filter struct {
	Before int64
	// After, when set, asks for the entries just after this sequence number
	// (a previous page): the limit oldest of those, still returned newest first.
	After int64
	// Asc orders the entries oldest first (newest first by default); they
	// come in the list's order either way.
	Asc      bool
	User     int64
	Action   string
	From, To time.Time
}

// Find returns the entries of the network that the scope of tx may read and
// that match f, newest first.
func Find(ctx context.Context, tx *sqlx.Tx, network int64, f Filter, limit int) ([]Record, error) {
	before := f.Before
	if before <= 0 {
		before = 1 << 62
	}
	q := `SELECT network_id, seq, at, org_id, user_id, actor, action, target_type, target_id, detail
		  FROM audit_log
		 WHERE network_id = $1 AND seq < $2`
	args := []any{network, before}
	add := func(cond string, v any) {
		args = append(args, v)
		q += fmt.Sprintf(" AND "+cond, len(args))
	}
	if f.User > 0 {
		add("user_id = $%d", f.User)
	}
	if f.Action != "" {
		add("action = $%d", f.Action)
	}
	if !f.From.IsZero() {
		add("at >= $%d", f.From)
	}
	if !f.To.IsZero() {
		add("at < $%d", f.To)
	}
	if f.After > 0 {
		add("seq > $%d", f.After)
	}
	// Read in ascending order forwards through an oldest-first list or
	// backwards (After) through a newest-first one; then turned into the
	// list's order.
	ascending := f.After > 0 || (f.Asc && f.Before <= 0)
	order := " ORDER BY seq DESC"
	if ascending {
		order = " ORDER BY seq"
	}
	args = append(args, limit)
	q += fmt.Sprintf(order+" LIMIT $%d", len(args))
	var out []Record
	if err := tx.SelectContext(ctx, &out, q, args...); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	if ascending != f.Asc {
		slices.Reverse(out)
	}
	return out, nil
}

// Count is how many entries of the network the scope may read match f (its
// cursor aside), counted up to limit: more says there are more than limit.
func Count(ctx context.Context, d *db.DB, s db.Scope, f Filter, limit int) (n int, more bool, err error) {
	q := `SELECT 1 FROM audit_log WHERE network_id = $1`
	args := []any{s.Network}
	add := func(cond string, v any) {
		args = append(args, v)
		q += fmt.Sprintf(" AND "+cond, len(args))
	}
	if f.User > 0 {
		add("user_id = $%d", f.User)
	}
	if f.Action != "" {
		add("action = $%d", f.Action)
	}
	if !f.From.IsZero() {
		add("at >= $%d", f.From)
	}
	if !f.To.IsZero() {
		add("at < $%d", f.To)
	}
	args = append(args, limit+1)
	q = fmt.Sprintf(`SELECT count(*) FROM (`+q+` LIMIT $%d) x`, len(args))
	err = d.Tx(ctx, s, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &n, q, args...)
	})
	if n > limit {
		return limit, true, err
	}
	return n, false, err
}

// Search is Find in a transaction of its own.
func Search(ctx context.Context, d *db.DB, s db.Scope, f Filter, limit int) ([]Record, error) {
	var out []Record
	err := d.Tx(ctx, s, func(tx *sqlx.Tx) error {
		var err error
		out, err = Find(ctx, tx, s.Network, f, limit)
		return err
	})
	return out, err
}

// Problem is a break in a chain.
type Problem struct {
	Network int64
	Seq     int64
	Message string
}

func (p Problem) String() string {
	return fmt.Sprintf("network %d entry %d: %s", p.Network, p.Seq, p.Message)
}

// Verify walks every network's chain (db must be the owner connection, which reads
// all networks; the row is spelled out for ph_audit_canonical because on Citus a
// shard's rows are of the shard's own type) and reports each entry whose hash, link or sequence is broken: an
// edited entry changes its hash, a deleted one leaves a gap and a broken link, an
// inserted one breaks the link of its successor.
func Verify(ctx context.Context, db *sqlx.DB) (checked int, problems []Problem, err error) {
	rows, err := db.QueryxContext(ctx, `
		SELECT network_id, seq, prev_hash, hash,
		       ph_audit_canonical(ROW(a.network_id, a.seq, a.at, a.org_id, a.user_id, a.actor, a.action,
		           a.target_type, a.target_id, a.detail, a.prev_hash, a.hash)::audit_log) AS canonical
		  FROM audit_log a ORDER BY network_id, seq`)
	if err != nil {
		return 0, nil, fmt.Errorf("audit verify: %w", err)
	}
	defer rows.Close()
	var (
		network  int64 = -1
		lastSeq  int64
		lastHash []byte
	)
	for rows.Next() {
		var r struct {
			Network   int64  `db:"network_id"`
			Seq       int64  `db:"seq"`
			Prev      []byte `db:"prev_hash"`
			Hash      []byte `db:"hash"`
			Canonical string `db:"canonical"`
		}
		if err := rows.StructScan(&r); err != nil {
			return checked, problems, err
		}
		checked++
		if r.Network != network {
			network, lastSeq, lastHash = r.Network, 0, []byte{}
		}
		if r.Seq != lastSeq+1 {
			problems = append(problems, Problem{r.Network, r.Seq, fmt.Sprintf("sequence jumps from %d: entries are missing", lastSeq)})
		}
		if !bytes.Equal(r.Prev, lastHash) {
			problems = append(problems, Problem{r.Network, r.Seq, "link to the previous entry is broken: an entry before it was removed, inserted or edited"})
		}
		sum := sha256.Sum256(append(append([]byte{}, r.Prev...), r.Canonical...))
		if !bytes.Equal(sum[:], r.Hash) {
			problems = append(problems, Problem{r.Network, r.Seq, "content does not match its hash: the entry was edited"})
		}
		lastSeq, lastHash = r.Seq, r.Hash
	}
	return checked, problems, rows.Err()
}
