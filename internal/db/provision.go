package db

import (
	"context"
	"fmt"
	"net/url"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// OwnerRole owns the schema and runs migrations in clusters this program provisions.
const OwnerRole = "partnerhub_owner"

// Provision creates, as a superuser, the owner and application roles (with the given
// password) and the database if they are missing. `dev` and the test harness use it
// on their private clusters; in production a DBA does the same once.
func Provision(ctx context.Context, superURL, database, password string) error {
	x, err := sqlx.Open("postgres", superURL)
	if err != nil {
		return err
	}
	defer x.Close()
	for _, role := range []string{OwnerRole, AppRole} {
		var n int
		if err := x.GetContext(ctx, &n, `SELECT count(*) FROM pg_roles WHERE rolname = $1`, role); err != nil {
			return fmt.Errorf("provision: %w", err)
		}
		if n == 0 {
			attrs := "LOGIN NOSUPERUSER NOBYPASSRLS"
			if role == OwnerRole {
				attrs += " CREATEROLE"
			}
			if _, err := x.ExecContext(ctx, fmt.Sprintf("CREATE ROLE %s %s PASSWORD %s", pq.QuoteIdentifier(role), attrs, pq.QuoteLiteral(password))); err != nil {
				return fmt.Errorf("provision role %s: %w", role, err)
			}
		}
	}
	var n int
	if err := x.GetContext(ctx, &n, `SELECT count(*) FROM pg_database WHERE datname = $1`, database); err != nil {
		return fmt.Errorf("provision: %w", err)
	}
	if n == 0 {
		if _, err := x.ExecContext(ctx, fmt.Sprintf("CREATE DATABASE %s OWNER %s", pq.QuoteIdentifier(database), OwnerRole)); err != nil {
			return fmt.Errorf("provision database: %w", err)
		}
	}
	return nil
}

// WithCredentials returns u with its user, password and database replaced.
func WithCredentials(u, user, password, database string) (string, error) {
	p, err := url.Parse(u)
	if err != nil {
		return "", fmt.Errorf("database URL: %w", err)
	}
	p.User = url.UserPassword(user, password)
	if database != "" {
		p.Path = "/" + database
	}
	return p.String(), nil
}
