package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
)

// scopeKey carries a tenant transaction's SET LOCAL string from Tx to the
// connection that begins it.
type scopeKey struct{}

// tenantConnector opens lib/pq connections that begin a transaction and make
// its tenant settings in one message ("BEGIN; SET LOCAL …"): a request's
// transaction then costs three round trips (begin with settings, its
// statement, commit) instead of four. Citus forwards a string of several
// statements whole and fails (DESIGN §9), so Tx does not ask for it there.
type tenantConnector struct{ base driver.Connector }

func (c tenantConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &tenantConn{Conn: conn}, nil
}

func (c tenantConnector) Driver() driver.Driver { return c.base.Driver() }

// tenantConn forwards everything to the pq connection; database/sql finds the
// optional interfaces on the wrapper, so each one pq has is passed through.
type tenantConn struct{ driver.Conn }

// BeginTx sends BEGIN itself, followed by the tenant settings when the
// context carries them. pq's own BeginTx is never used on these connections,
// so pq never keeps a cancel watcher for a transaction (database/sql rolls a
// transaction back when its context ends).
func (c *tenantConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	begin := "BEGIN"
	switch sql.IsolationLevel(opts.Isolation) {
	case sql.LevelDefault:
	case sql.LevelReadCommitted:
		begin += " ISOLATION LEVEL READ COMMITTED"
	case sql.LevelRepeatableRead:
		begin += " ISOLATION LEVEL REPEATABLE READ"
	case sql.LevelSerializable:
		begin += " ISOLATION LEVEL SERIALIZABLE"
	default:
		return nil, fmt.Errorf("begin: isolation level %v not supported", sql.IsolationLevel(opts.Isolation))
	}
	if opts.ReadOnly {
		begin += " READ ONLY"
	}
	if set, ok := ctx.Value(scopeKey{}).(string); ok && set != "" {
		begin += "; " + set
	}
	if _, err := c.Conn.(driver.ExecerContext).ExecContext(ctx, begin, nil); err != nil {
		// A setting that failed leaves the transaction open and aborted.
		c.Conn.(driver.Tx).Rollback()
		return nil, fmt.Errorf("begin: %w", err)
	}
	return tenantTx{c.Conn.(driver.Tx)}, nil
}

// tenantTx ends the transaction with pq's own COMMIT and ROLLBACK, which
// refuse to report a commit of an aborted transaction as a success.
type tenantTx struct{ driver.Tx }

func (c *tenantConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

func (c *tenantConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, q, args)
}

func (c *tenantConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
}

func (c *tenantConn) Ping(ctx context.Context) error { return c.Conn.(driver.Pinger).Ping(ctx) }

func (c *tenantConn) CheckNamedValue(nv *driver.NamedValue) error {
	return c.Conn.(driver.NamedValueChecker).CheckNamedValue(nv)
}

func (c *tenantConn) ResetSession(ctx context.Context) error {
	return c.Conn.(driver.SessionResetter).ResetSession(ctx)
}

func (c *tenantConn) IsValid() bool { return c.Conn.(driver.Validator).IsValid() }
