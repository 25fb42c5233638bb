package interchange

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
)

// Interchange is an entry of the exchange log: an interchange received, its
// state, what processing made of its sets (Result: each set's outcome with
// its located errors and the records it created, updated or left) and the
// acknowledgment sent back.
type Interchange struct {
	Network     int64           `db:"network_id" json:"-"`
	ID          int64           `db:"id" json:"id"`
	Org         int64           `db:"org_id" json:"org_id"`
	Profile     int64           `db:"profile_id" json:"profile_id"`
	Filename    string          `db:"filename" json:"filename"`
	Format      string          `db:"format" json:"format"`
	Sender      string          `db:"sender" json:"sender"`
	Receiver    string          `db:"receiver" json:"receiver"`
	Control     string          `db:"control" json:"control"`
	SHA256      string          `db:"sha256" json:"sha256"`
	Size        int64           `db:"size" json:"size"`
	State       string          `db:"state" json:"state"`
	Sets        int             `db:"sets" json:"sets"`
	Accepted    int             `db:"accepted" json:"accepted"`
	Result      json.RawMessage `db:"result" json:"result"`
	Error       string          `db:"error" json:"error"`
	AckKind     string          `db:"ack_kind" json:"ack_kind"`
	AckControl  *int64          `db:"ack_control" json:"ack_control"`
	CreatedAt   time.Time       `db:"created_at" json:"created_at"`
	ProcessedAt *time.Time      `db:"processed_at" json:"processed_at"`
}

const interchangeColumns = `network_id, id, org_id, profile_id, filename, format, sender, receiver, control, sha256, size, state, sets, accepted, coalesce(result, 'null') AS result, error, ack_kind, ack_control, created_at, processed_at`

// getInterchange reads an interchange of the actor's organization and its
// acknowledgment inside tx.
func getInterchange(ctx context.Context, tx *sqlx.Tx, a partners.Actor, id int64) (*Interchange, []byte, error) {
	var row struct {
		Interchange
		Ack []byte `db:"ack"`
	}
	if err := tx.GetContext(ctx, &row, `SELECT `+interchangeColumns+`, ack FROM exchange_interchanges WHERE network_id = $1 AND org_id = $2 AND id = $3`, a.Network, a.Org, id); err != nil {
		return nil, nil, db.Absent(err, "Interchange %d not found.", id)
	}
	return &row.Interchange, row.Ack, nil
}

// Interchange returns an interchange of the actor's organization.
// Errors: NotFound.
func (s *Service) Interchange(ctx context.Context, a partners.Actor, id int64) (*Interchange, error) {
	var out *Interchange
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) (err error) {
		out, _, err = getInterchange(ctx, tx, a, id)
		return err
	})
	return out, err
}

// Ack returns the acknowledgment sent for an interchange (its kind and
// text). Errors: NotFound (no such interchange, or no acknowledgment yet).
func (s *Service) Ack(ctx context.Context, a partners.Actor, id int64) (string, []byte, error) {
	var ic *Interchange
	var ack []byte
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) (err error) {
		ic, ack, err = getInterchange(ctx, tx, a, id)
		return err
	})
	if err != nil {
		return "", nil, err
	}
	if len(ack) == 0 {
		return "", nil, apperr.E(apperr.NotFound, "Interchange %d has no acknowledgment.", id)
	}
	return ic.AckKind, ack, nil
}

// Original returns an interchange's bytes as received. Errors: NotFound.
func (s *Service) Original(ctx context.Context, a partners.Actor, id int64) (*Interchange, []byte, error) {
	var ic Interchange
	var row struct {
		Data []byte `db:"data"`
	}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &ic, `SELECT `+interchangeColumns+` FROM exchange_interchanges WHERE network_id = $1 AND org_id = $2 AND id = $3`, a.Network, a.Org, id); err != nil {
			return db.Absent(err, "Interchange %d not found.", id)
		}
		return tx.GetContext(ctx, &row, `SELECT data FROM exchange_interchanges WHERE network_id = $1 AND org_id = $2 AND id = $3`, a.Network, a.Org, id)
	})
	if err != nil {
		return nil, nil, err
	}
	return &ic, row.Data, nil
}

// LogFilter narrows the exchange log: a state ("" for any), the id the page
// starts before (0 for the newest), or the id it starts after (a previous
// page: the rows nearest above it, still returned newest first), and how many
// rows to read.
type LogFilter struct {
	State  string
	Before int64
	After  int64
	Limit  int
}

// States are the states of an interchange.
var States = []string{"received", "processing", "processed", "failed"}

// Log lists the interchanges of the actor's organization, newest first: at
// most f.Limit (1 to 201; a caller paging asks one more than it shows)
// before f.Before. The organization's own rows are read from the (network,
// org, id) index, or (network, org, state, id) with a state; one statement
// text per filter shape. Errors: Invalid (state).
func (s *Service) Log(ctx context.Context, a partners.Actor, f LogFilter) ([]Interchange, error) {
	limit := f.Limit
	if limit <= 0 || limit > 201 {
		limit = 50
	}
	q := `SELECT ` + interchangeColumns + ` FROM exchange_interchanges WHERE network_id = $1 AND org_id = $2`
	args := []any{a.Network, a.Org}
	if f.State != "" {
		if !contains(States, f.State) {
			return nil, apperr.Field("state", "must be one of received, processing, processed, failed")
		}
		args = append(args, f.State)
		q += ` AND state = $` + strconv.Itoa(len(args))
	}
	if f.Before > 0 {
		args = append(args, f.Before)
		q += ` AND id < $` + strconv.Itoa(len(args))
	}
	order := ` ORDER BY id DESC`
	if f.After > 0 {
		args = append(args, f.After)
		q += ` AND id > $` + strconv.Itoa(len(args))
		order = ` ORDER BY id`
	}
	args = append(args, limit)
	q += order + ` LIMIT $` + strconv.Itoa(len(args))
	out := []Interchange{}
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		st, err := s.DB.Prepared(ctx, tx, q)
		if err != nil {
			return err
		}
		return st.SelectContext(ctx, &out, args...)
	})
	if err != nil {
		return nil, err
	}
	if f.After > 0 {
		slices.Reverse(out)
	}
	return out, nil
}
