package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"strings"
	"sync"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Wire counts what a pool's connections are asked to do, below the wrapper
// that folds the tenant settings into BEGIN.
type Wire struct {
	mu     sync.Mutex
	Begins int      // pq BeginTx calls
	Execs  []string // statements sent without arguments (simple queries)
}

func (w *Wire) record(begin bool, q string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if begin {
		w.Begins++
	} else {
		w.Execs = append(w.Execs, q)
	}
}

// Snapshot returns the counts so far.
func (w *Wire) Snapshot() (int, []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.Begins, append([]string(nil), w.Execs...)
}

// OpenWired opens a one-connection pool as Open does, counting on w.
func OpenWired(url string, w *Wire) (*DB, error) {
	base, err := pq.NewConnector(url)
	if err != nil {
		return nil, err
	}
	x := sqlx.NewDb(sql.OpenDB(tenantConnector{base: wiredConnector{base, w}}), "postgres")
	x.SetMaxOpenConns(1)
	return &DB{DB: x, fold: true}, nil
}

type wiredConnector struct {
	base driver.Connector
	w    *Wire
}

func (c wiredConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &wiredConn{tenantConn{conn}, c.w}, nil
}

func (c wiredConnector) Driver() driver.Driver { return c.base.Driver() }

type wiredConn struct {
	tenantConn
	w *Wire
}

func (c *wiredConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	c.w.record(true, "")
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *wiredConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) == 0 && !strings.HasPrefix(q, "SELECT") {
		c.w.record(false, q)
	}
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, q, args)
}

// Commit and Rollback make the wired connection a transaction, as pq's is.
func (c *wiredConn) Commit() error   { return c.Conn.(driver.Tx).Commit() }
func (c *wiredConn) Rollback() error { return c.Conn.(driver.Tx).Rollback() }
