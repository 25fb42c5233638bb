package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/demo"
	"github.com/partnerhub/partnerhub/internal/pgserver"
)

// TestBackupAndRestore follows the README's backup steps: pg_dump as the backup
// role of deploy/backup-role.sql (it reads every tenant's rows), pg_restore into
// a fresh database as the owner role, `audit verify` on it, and the hub serving
// the same data from it.
func TestBackupAndRestore(t *testing.T) {
	ctx := context.Background()
	c := startOwnCluster(t, "backup-pw")
	dir, super, ownerURL, appURL := c.dir, c.super, c.owner, c.app
	bindir, err := pgserver.BinDir()
	if err != nil {
		t.Fatal(err)
	}
	owner, err := sqlx.Open("postgres", ownerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	app, err := db.Open(ctx, appURL)
	if err != nil {
		t.Fatal(err)
	}
	dm, err := demo.Seed(ctx, owner, app)
	app.Close()
	if err != nil {
		t.Fatal(err)
	}

	// The backup role, from the script the deployment docs name.
	superDB, err := sqlx.Open("postgres", super)
	if err != nil {
		t.Fatal(err)
	}
	defer superDB.Close()
	script, err := os.ReadFile("../../deploy/backup-role.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := superDB.ExecContext(ctx, strings.ReplaceAll(string(script), "backup-change-me", "backup-pw")); err != nil {
		t.Fatalf("deploy/backup-role.sql: %v", err)
	}
	backupURL, _ := db.WithCredentials(super, "partnerhub_backup", "backup-pw", "partnerhub")
	dump := filepath.Join(dir, "partnerhub.dump")
	run := func(name string, args ...string) {
		t.Helper()
		out, err := exec.Command(filepath.Join(bindir, name), args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
	}
	run("pg_dump", "--format=custom", "--file="+dump, "--dbname="+backupURL)

	// A fresh database, restored as the owner role.
	if _, err := superDB.ExecContext(ctx, `CREATE DATABASE restored OWNER `+db.OwnerRole); err != nil {
		t.Fatal(err)
	}
	restoredOwner, _ := db.WithCredentials(super, db.OwnerRole, "backup-pw", "restored")
	restoredApp, _ := db.WithCredentials(super, db.AppRole, "backup-pw", "restored")
	run("pg_restore", "--exit-on-error", "--no-owner", "--no-comments", "--dbname="+restoredOwner, dump)

	// The audit chains hold in the copy.
	t.Setenv("DATABASE_OWNER_URL", restoredOwner)
	t.Setenv("DATABASE_URL", restoredApp)
	var out bytes.Buffer
	if ok, err := cmdAuditVerify(ctx, &out); err != nil || !ok || !strings.Contains(out.String(), "every chain intact") {
		t.Fatalf("audit verify on the restored database: %v %v\n%s", ok, err, out.String())
	}
	var accounts int
	if err := sqlx.MustOpen("postgres", restoredOwner).GetContext(ctx, &accounts, `SELECT count(*) FROM accounts`); err != nil || accounts == 0 {
		t.Fatalf("the restored database holds %d accounts (%v)", accounts, err)
	}

	// The hub serves the same data from both.
	serve := func(url string) *Main {
		m := &Main{Config: Config{DatabaseURL: url, ListenAddr: "127.0.0.1:0", Secret: []byte("backup-secret-backup-secret-backup-00"),
			Dev: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}}
		if err := m.Run(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		return m
	}
	get := func(m *Main, path, key string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", m.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		return string(b)
	}
	orig, copy := serve(appURL), serve(restoredApp)
	for _, k := range dm.APIKeys[:3] {
		for _, path := range []string{"/api/v1/accounts?limit=200", "/api/v1/organizations?limit=200", "/api/v1/partnerships"} {
			if a, b := get(orig, path, k.Key), get(copy, path, k.Key); a != b {
				t.Errorf("%s as %s: the restored hub answers differently\noriginal: %.300s\nrestored: %.300s", path, k.Org, a, b)
			}
		}
	}
}
