package pgtest

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/db"
)

// citusNodes are the superuser URLs of a Citus cluster's nodes, the coordinator
// first, from TEST_CITUS_NODES (comma-separated; make test-citus sets it). Tests
// then run against the cluster (issue 29): each database is created on every
// node, with the extension and the workers added, and migrated; a clone is a new
// such database with the source's rows copied over (a Citus database cannot be a
// template). The roles must exist on every node (deploy/citus/init-node.sql).
var citusNodes = splitNodes(os.Getenv("TEST_CITUS_NODES"))

// citusMu makes one database at a time: DDL on a cluster is sequential anyway,
// and parallel migrations only multiply the connections to the workers.
var citusMu sync.Mutex

func splitNodes(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// Citus says whether the tests run against a Citus cluster (TEST_CITUS_NODES),
// where the application's connections must say so (db.DB.Citus, the CITUS
// setting of the commands).
func Citus() bool { return len(citusNodes) > 0 }

// nodeURL is node i's superuser URL for database name.
func nodeURL(i int, name string) (string, error) {
	u, err := url.Parse(citusNodes[i])
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// citusSetup gives the roles the tests' password on every node.
func citusSetup(ctx context.Context) error {
	for i := range citusNodes {
		u, err := nodeURL(i, "postgres")
		if err != nil {
			return err
		}
		x, err := sqlx.Open("postgres", u)
		if err != nil {
			return err
		}
		for _, role := range []string{db.OwnerRole, db.AppRole} {
			if _, err := x.ExecContext(ctx, fmt.Sprintf("ALTER ROLE %s PASSWORD %s", role, pq.QuoteLiteral(password))); err != nil {
				x.Close()
				return fmt.Errorf("citus node %d: %w", i, err)
			}
		}
		x.Close()
	}
	return nil
}

// citusCreate creates database name on every node, with the extension, adds the
// workers from the coordinator and migrates it.
func citusCreate(ctx context.Context, name string) error {
	citusMu.Lock()
	defer citusMu.Unlock()
	for i := range citusNodes {
		pu, err := nodeURL(i, "postgres")
		if err != nil {
			return err
		}
		nu, err := nodeURL(i, name)
		if err != nil {
			return err
		}
		if err := execOn(ctx, pu, "CREATE DATABASE "+pq.QuoteIdentifier(name)+" OWNER "+db.OwnerRole); err != nil {
			return fmt.Errorf("citus node %d: %w", i, err)
		}
		if err := execOn(ctx, nu, "CREATE EXTENSION citus",
			"ALTER ROLE "+db.OwnerRole+" IN DATABASE "+pq.QuoteIdentifier(name)+" SET citus.multi_shard_modify_mode = 'sequential'",
			"GRANT ALL ON SCHEMA public TO "+db.OwnerRole); err != nil {
			return fmt.Errorf("citus node %d: %w", i, err)
		}
	}
	cu, err := nodeURL(0, name)
	if err != nil {
		return err
	}
	var stmts []string
	for i, n := range citusNodes {
		u, err := url.Parse(n)
		if err != nil {
			return err
		}
		port := u.Port()
		if port == "" {
			port = "5432"
		}
		if i == 0 {
			stmts = append(stmts, fmt.Sprintf("SELECT citus_set_coordinator_host(%s, %s)", pq.QuoteLiteral(u.Hostname()), port))
		} else {
			stmts = append(stmts, fmt.Sprintf("SELECT citus_add_node(%s, %s)", pq.QuoteLiteral(u.Hostname()), port))
		}
	}
	if err := execOn(ctx, cu, stmts...); err != nil {
		return fmt.Errorf("citus add nodes: %w", err)
	}
	ownerURL, err := db.WithCredentials(superURL, db.OwnerRole, password, name)
	if err != nil {
		return err
	}
	owner, err := sqlx.Open("postgres", ownerURL)
	if err != nil {
		return err
	}
	defer owner.Close()
	return db.Migrate(ctx, owner.DB)
}

// citusCopy copies the rows of database from into to (both migrated) as the
// superuser, which row-level security lets through: pg_dump of the data,
// restored by psql.
func citusCopy(ctx context.Context, from, to string) error {
	fu, err := nodeURL(0, from)
	if err != nil {
		return err
	}
	tu, err := nodeURL(0, to)
	if err != nil {
		return err
	}
	dump := exec.CommandContext(ctx, "pg_dump", "--data-only", "--schema=public", "--exclude-table=goose_db_version", "-d", fu)
	var out, errb bytes.Buffer
	dump.Stdout, dump.Stderr = &out, &errb
	if err := dump.Run(); err != nil {
		return fmt.Errorf("pg_dump: %v: %s", err, errb.String())
	}
	restore := exec.CommandContext(ctx, "psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", tu)
	restore.Stdin = &out
	errb.Reset()
	restore.Stderr = &errb
	restore.Stdout = &errb
	if err := restore.Run(); err != nil {
		return fmt.Errorf("psql restore: %v: %s", err, errb.String())
	}
	return nil
}

// citusDrop drops database name on every node.
func citusDrop(ctx context.Context, name string) {
	for i := range citusNodes {
		if u, err := nodeURL(i, "postgres"); err == nil {
			execOn(ctx, u, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", pq.QuoteIdentifier(name)))
		}
	}
}

// execOn runs stmts on a connection of its own to u.
func execOn(ctx context.Context, u string, stmts ...string) error {
	x, err := sqlx.Open("postgres", u)
	if err != nil {
		return err
	}
	defer x.Close()
	x.SetMaxOpenConns(1)
	for _, s := range stmts {
		if _, err := x.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}
