// Package db opens PostgreSQL, runs the embedded migrations and runs tenant
// transactions: each sets the network, organization, user and role with SET LOCAL so
// that row-level security policies (DESIGN §3) see who is asking.
package db

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/pressly/goose/v3"

	"github.com/partnerhub/partnerhub/internal/apperr"
)

//go:embed migrations/*.sql
var migrations embed.FS

// AppRole is the role the application connects as: it owns nothing, is no superuser
// and cannot bypass row-level security.
const AppRole = "partnerhub_app"

// DB is the application's connection pool.
type DB struct {
	*sqlx.DB
	// Citus sends each SET LOCAL as a statement of its own and adds
	// citus.propagate_set_commands (DESIGN §9).
	Citus bool

	// fold: the pool's connections begin a transaction and make its settings
	// in one message (tenantConnector), so Tx hands them the settings.
	fold bool

	stmts     sync.Map // query text → *sqlx.Stmt, see Prepared
	stmtCount atomic.Int64
}

// maxPrepared bounds the statements Prepared keeps: past it, queries run
// unprepared (and are planned each time) rather than grow without end.
const maxPrepared = 1000

// Prepared runs a query inside tx as a prepared statement that is kept for
// the pool's life: PostgreSQL plans it a few times, then keeps a generic plan
// when that is as good, instead of planning every call. Lists build one query
// text per filter shape (never "$n = 0 OR …", which no single plan serves well),
// so the number of texts stays small.
func (d *DB) Prepared(ctx context.Context, tx *sqlx.Tx, query string) (*sqlx.Stmt, error) {
	if v, ok := d.stmts.Load(query); ok {
		return tx.StmtxContext(ctx, v.(*sqlx.Stmt)), nil
	}
	if d.stmtCount.Load() >= maxPrepared {
		return tx.PreparexContext(ctx, query)
	}
	st, err := d.PreparexContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if v, loaded := d.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		st = v.(*sqlx.Stmt)
	} else {
		d.stmtCount.Add(1)
	}
	return tx.StmtxContext(ctx, st), nil
}

// Open connects with the default Timeouts and checks the connection.
func Open(ctx context.Context, url string) (*DB, error) {
	return OpenWith(ctx, url, Timeouts{})
}

// OpenWith connects with the given timeouts (zero fields take their defaults)
// and checks the connection.
func OpenWith(ctx context.Context, url string, t Timeouts) (*DB, error) {
	c, err := connector(url, t)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	x := sqlx.NewDb(sql.OpenDB(tenantConnector{base: c}), "postgres")
	x.SetMaxOpenConns(20)
	// As many idle as open: a connection closed after a burst takes its
	// prepared statements with it, and the next one plans each list shape
	// again (a few ms each) besides the start of a backend.
	x.SetMaxIdleConns(20)
	x.SetConnMaxIdleTime(5 * time.Minute)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := x.PingContext(ctx); err != nil {
		x.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return &DB{DB: x, fold: true}, nil
}

// CheckAppRole refuses a connection whose role is a superuser or bypasses row-level
// security: the application must run under the policies.
func (d *DB) CheckAppRole(ctx context.Context) error {
	var name string
	var super, bypass bool
	err := d.QueryRowxContext(ctx, `SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`).Scan(&name, &super, &bypass)
	if err != nil {
		return fmt.Errorf("check database role: %w", err)
	}
	if super || bypass {
		return fmt.Errorf("database role %q bypasses row-level security (superuser or BYPASSRLS): connect the application as %s", name, AppRole)
	}
	var owned int
	if err := d.GetContext(ctx, &owned, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user`); err != nil {
		return fmt.Errorf("check database role: %w", err)
	}
	if owned > 0 {
		return fmt.Errorf("database role %q owns %d tables: connect the application as %s, not as the migration role", name, owned, AppRole)
	}
	return nil
}

// Migrate applies pending migrations. It must run as the owner role.
func Migrate(ctx context.Context, db *sql.DB) error {
	p, err := provider(db)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Pending reports whether migrations remain to be applied.
func Pending(ctx context.Context, db *sql.DB) (bool, error) {
	p, err := provider(db)
	if err != nil {
		return false, err
	}
	return p.HasPending(ctx)
}

func provider(db *sql.DB) (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectPostgres, db, sub)
}

// Scope is who is asking: the settings a tenant transaction makes for the policies.
// Zero ids are left unset, which matches nothing.
type Scope struct {
	Network int64
	Org     int64
	User    int64
	Role    string
	// Vendor is true for admins and managers of the network's vendor organization.
	Vendor bool
}

func (s Scope) statements() []string {
	out := []string{"SET LOCAL app.network_id = '" + id(s.Network) + "'"}
	out = append(out, "SET LOCAL app.org_id = '"+id(s.Org)+"'")
	out = append(out, "SET LOCAL app.user_id = '"+id(s.User)+"'")
	role := s.Role
	switch role {
	case "admin", "manager", "sales", "viewer":
	default:
		role = ""
	}
	out = append(out, "SET LOCAL app.role = '"+role+"'")
	vendor := "off"
	if s.Vendor {
		vendor = "on"
	}
	out = append(out, "SET LOCAL app.vendor = '"+vendor+"'")
	return out
}

func id(v int64) string {
	if v <= 0 {
		return ""
	}
	return strconv.FormatInt(v, 10)
}

// Tx runs fn in one transaction under the scope's settings, committing when fn
// returns nil. Driver errors are translated to apperr kinds.
func (d *DB) Tx(ctx context.Context, s Scope, fn func(tx *sqlx.Tx) error) error {
	stmts := s.statements()
	if d.fold && !d.Citus {
		// BEGIN and the settings go as one message (tenantConnector): values
		// are ids this code formatted, never user text.
		tx, err := d.BeginTxx(context.WithValue(ctx, scopeKey{}, strings.Join(stmts, "; ")), nil)
		if err != nil {
			return fmt.Errorf("set scope: %w", err)
		}
		return d.run(tx, fn)
	}
	tx, err := d.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if d.Citus {
		stmts = append([]string{"SET LOCAL citus.propagate_set_commands = 'local'"}, stmts...)
		for _, st := range stmts {
			if _, err := tx.ExecContext(ctx, st); err != nil {
				tx.Rollback()
				return fmt.Errorf("set scope: %w", err)
			}
		}
	} else if _, err := tx.ExecContext(ctx, strings.Join(stmts, "; ")); err != nil {
		// One round trip: values are ids this code formatted, never user text.
		tx.Rollback()
		return fmt.Errorf("set scope: %w", err)
	}
	return d.run(tx, fn)
}

// run runs fn in tx and commits when it returns nil.
func (d *DB) run(tx *sqlx.Tx, fn func(tx *sqlx.Tx) error) error {
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return Translate(err)
	}
	if err := tx.Commit(); err != nil {
		return Translate(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// SetLocal sets one more setting of the tenant transaction for the policies
// (SET LOCAL, as Tx does: on Citus it reaches the workers because Tx turned on
// citus.propagate_set_commands). The value is an id this code formats; 0 unsets it.
func SetLocal(ctx context.Context, tx *sqlx.Tx, name string, v int64) error {
	if !settingName.MatchString(name) {
		return fmt.Errorf("set local: bad setting name %q", name)
	}
	if _, err := tx.ExecContext(ctx, "SET LOCAL "+name+" = '"+id(v)+"'"); err != nil {
		return fmt.Errorf("set local %s: %w", name, err)
	}
	return nil
}

var settingName = regexp.MustCompile(`^app\.[a-z_]{1,40}$`)

// Absent says "not found" for a row that is not there, and only then: a query
// that found no row (sql.ErrNoRows) becomes a NotFound with the message; any
// other error passes unchanged, to be logged once as internal where it is
// handled. nil stays nil.
func Absent(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.E(apperr.NotFound, format, args...).Because(err)
	}
	return err
}

// Translate maps PostgreSQL errors a client can cause to apperr kinds; others pass.
func Translate(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := apperr.As(err); ok {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.E(apperr.NotFound, "Not found.").Because(err)
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		// Neither the driver's text nor a constraint's name reaches the user: at
		// most the input field a constraint is about (fieldOf).
		f := fieldOf(pe)
		switch pe.Code {
		case "23505":
			if f == "" {
				return apperr.E(apperr.Conflict, "A record with the same values already exists.").Because(err)
			}
			return apperr.E(apperr.Conflict, "A record with the same %s already exists.", f).On(f).Because(err)
		case "23503":
			return apperr.E(apperr.Invalid, "A referenced record does not exist.").Because(err)
		case "23514", "22P02", "22001", "23502":
			return apperr.E(apperr.Invalid, "A value is not allowed.").On(f).Because(err)
		case "22021", "22P05":
			// Text PostgreSQL cannot store (a NUL character, bytes that are not
			// UTF-8): the web layer refuses it by field first; this is the net.
			return apperr.E(apperr.Invalid, "A text value holds a NUL character or bytes that are not UTF-8.").Because(err)
		case "42501":
			// Row-level security refused a write: the caller may not touch that row.
			return apperr.E(apperr.Forbidden, "You may not change this record.").Because(err)
		case "57014":
			return apperr.E(apperr.Internal, "The request took too long.").Because(err)
		}
	}
	return err
}

// inputFields are the input fields a constraint may be named after to a client.
var inputFields = map[string]bool{
	"name": true, "email": true, "emails": true, "slug": true, "domains": true, "duns": true, "cnpj": true, "vat": true,
	"industry": true, "size": true, "region": true, "street": true, "city": true, "state": true, "postal_code": true,
	"country": true, "tags": true, "phones": true, "title": true, "best_time": true, "kind": true, "tier": true,
	"status": true, "role": true, "locale": true, "filename": true, "level": true, "access": true,
}

// fieldOf is the input field a violated constraint is about, from its column or
// its name (users_network_id_email_key → email, accounts_postal_code_check →
// postal_code), or "" when that is no input field (a primary key, an index):
// a constraint's own name never reaches a reply.
func fieldOf(pe *pq.Error) string {
	if inputFields[pe.Column] {
		return pe.Column
	}
	c := strings.TrimPrefix(pe.Constraint, pe.Table+"_")
	for _, suffix := range []string{"_key", "_check", "_fkey", "_pkey"} {
		c = strings.TrimSuffix(c, suffix)
	}
	c = strings.TrimPrefix(c, "network_id_")
	if inputFields[c] {
		return c
	}
	return ""
}
