package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/db"
)

// The RLS-versus-owner comparison must time the very statement accounts.List sends,
// not a copy of its SQL that could drift from the code. A pool whose connections
// record the last query (text and bound arguments, after the driver's own
// conversion) lets the bench call List itself and then replay what it sent.

type captured struct {
	SQL  string
	Args []any
}

type recorder struct {
	mu   sync.Mutex
	last captured
}

func (r *recorder) set(q string, args []driver.NamedValue) {
	c := captured{SQL: q, Args: make([]any, len(args))}
	for i, a := range args {
		c.Args[i] = a.Value
	}
	r.mu.Lock()
	r.last = c
	r.mu.Unlock()
}

func (r *recorder) get() captured {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

type captureConnector struct {
	base driver.Connector
	rec  *recorder
}

func (c captureConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &captureConn{Conn: conn, rec: c.rec}, nil
}

func (c captureConnector) Driver() driver.Driver { return c.base.Driver() }

// captureConn forwards everything to the pq connection; database/sql finds the
// optional interfaces on the wrapper, so each one pq has is passed through.
type captureConn struct {
	driver.Conn
	rec *recorder
}

func (c *captureConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	c.rec.set(q, args)
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

func (c *captureConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, q, args)
}

func (c *captureConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
}

func (c *captureConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *captureConn) CheckNamedValue(nv *driver.NamedValue) error {
	return c.Conn.(driver.NamedValueChecker).CheckNamedValue(nv)
}

func (c *captureConn) ResetSession(ctx context.Context) error {
	return c.Conn.(driver.SessionResetter).ResetSession(ctx)
}

func (c *captureConn) IsValid() bool { return c.Conn.(driver.Validator).IsValid() }

// openCapturing opens an application pool (same role and URL as db.Open) that
// records the last query of its connections.
func openCapturing(url string) (*db.DB, *recorder, error) {
	base, err := pq.NewConnector(url)
	if err != nil {
		return nil, nil, err
	}
	rec := &recorder{}
	x := sqlx.NewDb(sql.OpenDB(captureConnector{base: base, rec: rec}), "postgres")
	x.SetMaxOpenConns(1)
	return &db.DB{DB: x}, rec, nil
}
