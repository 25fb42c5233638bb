package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/pgserver"
)

// clusterDir is a directory, removed at cleanup, for a private cluster under it:
// as root the cluster runs as postgres, which must reach it (as it does ./var).
func clusterDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "partnerhub-cluster-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDevClusterMovesOffATakenPort starts the dev cluster code path while its port
// is taken: it must take another port, keep it in pg.port, come back on it next
// time with its data, and move again when that port is taken in turn.
func TestDevClusterMovesOffATakenPort(t *testing.T) {
	ctx := context.Background()
	dir := clusterDir(t)
	occupy := func() (net.Listener, int) {
		t.Helper()
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return l, l.Addr().(*net.TCPAddr).Port
	}
	kept := func() int {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, "pg.port"))
		if err != nil {
			t.Fatal(err)
		}
		p, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		return p
	}
	query := func(port int, q string) error {
		t.Helper()
		d, err := sqlx.Open("postgres", "postgres://postgres@127.0.0.1:"+strconv.Itoa(port)+"/postgres?sslmode=disable")
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		_, err = d.ExecContext(ctx, q)
		return err
	}

	_, taken := occupy()
	pg, err := startDevCluster(ctx, dir, taken)
	if err != nil {
		t.Fatalf("start with port %d taken: %v", taken, err)
	}
	if pg.Port == taken {
		t.Fatalf("cluster on the taken port %d", taken)
	}
	if kept() != pg.Port {
		t.Errorf("pg.port keeps %d, the cluster listens on %d", kept(), pg.Port)
	}
	if err := query(pg.Port, "CREATE DATABASE kept_data"); err != nil {
		t.Fatal(err)
	}
	first := pg.Port
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}

	// The next run comes back on the kept port, with the data.
	pg, err = startDevCluster(ctx, dir, taken)
	if err != nil {
		t.Fatal(err)
	}
	if pg.Port != first {
		t.Errorf("second run on port %d, want the kept %d", pg.Port, first)
	}
	if err := query(pg.Port, "CREATE DATABASE kept_data"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("the second run lost the first one's database: %v", err)
	}
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}

	// Someone takes the kept port meanwhile: move again, and keep the new one.
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(first))
	if err != nil {
		t.Skipf("the kept port %d was taken by something else: %v", first, err)
	}
	t.Cleanup(func() { l.Close() })
	pg, err = startDevCluster(ctx, dir, taken)
	if err != nil {
		t.Fatalf("start with the kept port %d taken: %v", first, err)
	}
	defer pg.Stop()
	if pg.Port == first || pg.Port == taken || kept() != pg.Port {
		t.Errorf("third run on %d (kept %d), the taken ports are %d and %d", pg.Port, kept(), first, taken)
	}
}

// ownCluster is a PostgreSQL cluster of the test's own (one it may stop, or dump),
// provisioned and migrated: its superuser URL, the owner's and the application
// role's URLs of the partnerhub database (password pw).
type ownCluster struct {
	pg                     *pgserver.Server
	dir, super, owner, app string
}

func startOwnCluster(t *testing.T, pw string) ownCluster {
	t.Helper()
	ctx := context.Background()
	c := ownCluster{dir: clusterDir(t)}
	pg, err := pgserver.Start(ctx, pgserver.Options{Dir: c.dir + "/pg", Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Stop() })
	c.pg, c.super = pg, pg.URL("postgres", "", "postgres")
	if err := db.Provision(ctx, c.super, "partnerhub", pw); err != nil {
		t.Fatal(err)
	}
	c.owner, _ = db.WithCredentials(c.super, db.OwnerRole, pw, "partnerhub")
	c.app, _ = db.WithCredentials(c.super, db.AppRole, pw, "partnerhub")
	if err := migrate(ctx, c.owner); err != nil {
		t.Fatal(err)
	}
	return c
}
