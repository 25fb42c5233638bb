// Package pgtest gives each test its own PostgreSQL database, cloned from a migrated
// template (DESIGN §8). One ephemeral cluster is started per test binary from the
// system's PostgreSQL binaries, with fsync off; TEST_DATABASE_URL (a superuser URL)
// points it at an existing server instead. Packages using it call Main from TestMain.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/pgserver"
)

const (
	password = "partnerhub-test"
	template = "partnerhub_template"
)

var (
	once     sync.Once
	setupErr error
	server   *pgserver.Server
	tmpDir   string
	superURL string
	super    *sqlx.DB
)

// Main runs the tests and then stops the cluster, if this process started one.
func Main(m *testing.M) {
	code := m.Run()
	if super != nil {
		super.Close()
	}
	if server != nil {
		server.Stop()
		os.RemoveAll(tmpDir)
	}
	os.Exit(code)
}

func setup() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	superURL = os.Getenv("TEST_DATABASE_URL")
	if Citus() {
		var err error
		if superURL, err = nodeURL(0, "postgres"); err != nil {
			return err
		}
		if super, err = sqlx.Open("postgres", superURL); err != nil {
			return err
		}
		return citusSetup(ctx)
	}
	if superURL == "" {
		dir, err := os.MkdirTemp("", "partnerhub-pgtest-")
		if err != nil {
			return err
		}
		tmpDir = dir
		server, err = pgserver.Start(ctx, pgserver.Options{Dir: dir, Fast: true})
		if err != nil {
			return err
		}
		superURL = server.URL("postgres", "", "postgres")
	}
	var err error
	super, err = sqlx.Open("postgres", superURL)
	if err != nil {
		return err
	}
	// A template left by an earlier run against TEST_DATABASE_URL may be stale.
	if _, err := super.ExecContext(ctx, "DROP DATABASE IF EXISTS "+template+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop old template: %w", err)
	}
	if err := db.Provision(ctx, superURL, template, password); err != nil {
		return err
	}
	ownerURL, err := db.WithCredentials(superURL, db.OwnerRole, password, template)
	if err != nil {
		return err
	}
	owner, err := sqlx.Open("postgres", ownerURL)
	if err != nil {
		return err
	}
	defer owner.Close()
	if err := db.Migrate(ctx, owner.DB); err != nil {
		return err
	}
	return nil
}

// Database is one test's database with its two connections.
type Database struct {
	Name string
	// Owner connects as the migration role (which the policies let through).
	Owner *sqlx.DB
	// App connects as the application role, under row-level security.
	App      *db.DB
	OwnerURL string
	AppURL   string
}

// New clones the template into a fresh database for tb and drops it at cleanup.
func New(tb testing.TB) *Database {
	tb.Helper()
	once.Do(func() { setupErr = setup() })
	if setupErr != nil {
		tb.Fatalf("pgtest: %v", setupErr)
	}
	ctx := context.Background()
	name := newName()
	if Citus() {
		if err := citusCreate(ctx, name); err != nil {
			citusDrop(ctx, name)
			tb.Fatalf("pgtest: citus database: %v", err)
		}
		return open(tb, name)
	}
	if _, err := super.ExecContext(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s OWNER %s STRATEGY FILE_COPY",
		pq.QuoteIdentifier(name), template, db.OwnerRole)); err != nil {
		tb.Fatalf("pgtest: clone template: %v", err)
	}
	return open(tb, name)
}

// newName names a new test database.
func newName() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "t_" + hex.EncodeToString(b)
}

// open connects to the test database name as both roles and drops it at cleanup.
func open(tb testing.TB, name string) *Database {
	tb.Helper()
	ctx := context.Background()
	d := &Database{Name: name}
	var err error
	if d.OwnerURL, err = db.WithCredentials(superURL, db.OwnerRole, password, name); err != nil {
		tb.Fatal(err)
	}
	if d.AppURL, err = db.WithCredentials(superURL, db.AppRole, password, name); err != nil {
		tb.Fatal(err)
	}
	if d.Owner, err = sqlx.Open("postgres", d.OwnerURL); err != nil {
		tb.Fatal(err)
	}
	if d.App, err = db.Open(ctx, d.AppURL); err != nil {
		tb.Fatal(err)
	}
	if Citus() {
		// Each coordinator connection keeps one to every worker: a test that
		// holds several databases at once (the access matrix) stays under the
		// workers' max_connections with smaller pools.
		d.App.Citus = true
		d.App.SetMaxOpenConns(8)
		d.App.SetMaxIdleConns(8)
		d.Owner.SetMaxOpenConns(2)
	}
	tb.Cleanup(func() {
		d.App.Close()
		d.Owner.Close()
		if Citus() {
			citusDrop(context.Background(), name)
			return
		}
		super.ExecContext(context.Background(), fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", pq.QuoteIdentifier(name)))
	})
	return d
}
