package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/audit"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/demo"
	"github.com/partnerhub/partnerhub/internal/pgserver"
)

func ownerURL(c Config) (string, error) {
	if c.DatabaseOwnerURL != "" {
		return c.DatabaseOwnerURL, nil
	}
	if c.DatabaseURL != "" {
		return c.DatabaseURL, nil
	}
	return "", errors.New("DATABASE_OWNER_URL (or DATABASE_URL) is not set")
}

func migrate(ctx context.Context, url string) error {
	owner, err := sqlx.Open("postgres", url)
	if err != nil {
		return err
	}
	defer owner.Close()
	return db.Migrate(ctx, owner.DB)
}

func cmdMigrate(ctx context.Context, out io.Writer) error {
	c, err := configFromEnv(false)
	if err != nil {
		return err
	}
	u, err := ownerURL(c)
	if err != nil {
		return err
	}
	if err := migrate(ctx, u); err != nil {
		return err
	}
	fmt.Fprintln(out, "migrations applied")
	return nil
}

func cmdServe(ctx context.Context, out io.Writer) error {
	c, err := configFromEnv(false)
	if err != nil {
		return err
	}
	if c.MigrateOnStart {
		u, err := ownerURL(c)
		if err != nil {
			return err
		}
		if c.DatabaseOwnerURL == "" {
			return errors.New("MIGRATE_ON_START needs DATABASE_OWNER_URL: the application role cannot migrate")
		}
		if err := migrate(ctx, u); err != nil {
			return err
		}
	}
	m := &Main{Config: c}
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	return wait(ctx, m)
}

// wait serves until a signal, then shuts down.
func wait(ctx context.Context, m *Main) error {
	select {
	case <-ctx.Done():
	case err := <-m.serveDone:
		if err != nil {
			m.Close()
			return err
		}
	}
	m.Config.Logger.Info("shutting down")
	return m.Close()
}

func cmdSeed(ctx context.Context, out io.Writer) error {
	c, err := configFromEnv(false)
	if err != nil {
		return err
	}
	u, err := ownerURL(c)
	if err != nil {
		return err
	}
	owner, err := sqlx.Open("postgres", u)
	if err != nil {
		return err
	}
	defer owner.Close()
	if c.DatabaseURL == "" || c.DatabaseOwnerURL == "" {
		return errors.New("seed needs DATABASE_URL (application role) and DATABASE_OWNER_URL (migration role)")
	}
	app, err := db.OpenWith(ctx, c.DatabaseURL, c.DBTimeouts)
	if err != nil {
		return err
	}
	defer app.Close()
	d, err := demo.Seed(ctx, owner, app)
	if err != nil {
		return err
	}
	return json.NewEncoder(out).Encode(d)
}

func cmdAuditVerify(ctx context.Context, out io.Writer) (bool, error) {
	c, err := configFromEnv(false)
	if err != nil {
		return false, err
	}
	if c.DatabaseOwnerURL == "" && c.DatabaseURL == "" {
		// Fall back to the dev cluster's settings.
		if b, err := os.ReadFile(filepath.Join("var", "owner.url")); err == nil {
			c.DatabaseOwnerURL = strings.TrimSpace(string(b))
		}
	}
	u, err := ownerURL(c)
	if err != nil {
		return false, err
	}
	owner, err := sqlx.Open("postgres", u)
	if err != nil {
		return false, err
	}
	defer owner.Close()
	n, problems, err := audit.Verify(ctx, owner)
	if err != nil {
		return false, err
	}
	for _, p := range problems {
		fmt.Fprintln(out, p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(out, "audit log: %d entries checked, %d problems: the log was tampered with\n", n, len(problems))
		return false, nil
	}
	fmt.Fprintf(out, "audit log: %d entries checked, every chain intact\n", n)
	return true, nil
}

// cmdDev runs the hub on a private cluster under ./var/pg with demo data.
func cmdDev(ctx context.Context, out io.Writer) error {
	c, err := configFromEnv(true)
	if err != nil {
		return err
	}
	var pg *pgserver.Server
	if c.DatabaseURL == "" {
		pg, err = startDevCluster(ctx, "var", devPort)
		if err != nil {
			return fmt.Errorf("start the dev PostgreSQL: %w", err)
		}
		defer pg.Stop()
		if want, _ := filepath.Abs(filepath.Join("var", "pg")); pg.Dir() != want {
			fmt.Fprintf(out, "PostgreSQL data in %s (the postgres user cannot reach %s)\n", pg.Dir(), want)
		}
		super := pg.URL("postgres", "", "postgres")
		if err := db.Provision(ctx, super, "partnerhub", "partnerhub-dev"); err != nil {
			return err
		}
		c.DatabaseOwnerURL, _ = db.WithCredentials(super, db.OwnerRole, "partnerhub-dev", "partnerhub")
		c.DatabaseURL, _ = db.WithCredentials(super, db.AppRole, "partnerhub-dev", "partnerhub")
		os.WriteFile(filepath.Join("var", "owner.url"), []byte(c.DatabaseOwnerURL+"\n"), 0o600)
	}
	if len(c.Secret) == 0 {
		c.Secret, err = devSecret()
		if err != nil {
			return err
		}
	}
	ou, err := ownerURL(c)
	if err != nil {
		return err
	}
	if err := migrate(ctx, ou); err != nil {
		return err
	}
	owner, err := sqlx.Open("postgres", ou)
	if err != nil {
		return err
	}
	defer owner.Close()
	app, err := db.OpenWith(ctx, c.DatabaseURL, c.DBTimeouts)
	if err != nil {
		return err
	}
	demoPath := filepath.Join("var", "demo.json")
	var d *demo.Demo
	exists, err := demo.Exists(ctx, owner)
	app.Close()
	if err != nil {
		return err
	}
	if !exists {
		app, err := db.OpenWith(ctx, c.DatabaseURL, c.DBTimeouts)
		if err != nil {
			return err
		}
		d, err = demo.Seed(ctx, owner, app)
		app.Close()
		if err != nil {
			return err
		}
	} else if b, err := os.ReadFile(demoPath); err == nil {
		d = &demo.Demo{}
		if err := json.Unmarshal(b, d); err != nil {
			return fmt.Errorf("read %s: %w", demoPath, err)
		}
	}
	m := &Main{Config: c}
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	if d != nil {
		d.URL = m.URL
		d.DatabaseURL = c.DatabaseURL
		b, _ := json.MarshalIndent(d, "", "  ")
		if err := os.WriteFile(demoPath, b, 0o600); err != nil {
			return err
		}
		printDemo(out, d)
	} else {
		fmt.Fprintf(out, "Partnerhub is running at %s (demo logins: %s is missing)\n", m.URL, demoPath)
	}
	return wait(ctx, m)
}

func devSecret() ([]byte, error) {
	p := filepath.Join("var", "secret")
	if b, err := os.ReadFile(p); err == nil && len(b) >= 32 {
		return b, nil
	}
	s := randomSecret()
	if err := os.MkdirAll("var", 0o755); err != nil {
		return nil, err
	}
	return s, os.WriteFile(p, s, 0o600)
}

func printDemo(out io.Writer, d *demo.Demo) {
	fmt.Fprintf(out, "\nPartnerhub is running at %s\n\n", d.URL)
	fmt.Fprintf(out, "Demo logins (password %q for all):\n", demo.Password)
	for _, u := range d.Users {
		if u.Role == "admin" || u.Role == "manager" {
			fmt.Fprintf(out, "  %-32s %-8s %s\n", u.Email, u.Role, u.Org)
		}
	}
	fmt.Fprintf(out, "  … and sales@ and viewer@ at every organization's domain.\n")
	fmt.Fprintf(out, "API keys, every user and the database URL are in var/demo.json.\n")
	fmt.Fprintf(out, "Press Ctrl-C to stop the hub and its PostgreSQL.\n\n")
}
