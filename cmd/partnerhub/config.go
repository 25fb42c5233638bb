package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/notify"
	"github.com/partnerhub/partnerhub/internal/web"
)

// Config is the program's configuration, read from the environment.
type Config struct {
	DatabaseURL      string // the application role (under row-level security)
	DatabaseOwnerURL string // the migration role; migrations, seed, audit verify
	ListenAddr       string
	// MetricsAddr, when set, serves /metrics on a listener of its own (off by
	// default: metrics tell an outsider too much to share the public port).
	MetricsAddr string
	// RateLimit is the API requests per minute per organization (API_RATE_LIMIT).
	RateLimit int
	// SessionIdle ends portal sessions unused for this long (SESSION_IDLE).
	TrustedProxies []string // the proxies whose X-Forwarded-For names the client
	SessionIdle    time.Duration
	// DBTimeouts bound every wait on the database (DB_CONNECT_TIMEOUT,
	// DB_STATEMENT_TIMEOUT; the stall bound follows the statement timeout).
	DBTimeouts     db.Timeouts
	BaseURL        string
	Secret         []byte
	SMTP           notify.Mailer
	CORSOrigins    []string
	MigrateOnStart bool
	Citus          bool
	Dev            bool
	LogFormat      string
	Logger         *slog.Logger
	// ExchangeDropDir is the exchange's watched drop folder (EXCHANGE_DROP_DIR):
	// KEY/PROFILE/FILE, see interchange.DropFolder. Empty: none.
	ExchangeDropDir string
}

// configFromEnv reads the environment; dev fills what it can itself.
func configFromEnv(dev bool) (Config, error) {
	c := Config{
		DatabaseURL:      os.Getenv("DATABASE_URL"),
		DatabaseOwnerURL: os.Getenv("DATABASE_OWNER_URL"),
		ListenAddr:       env("LISTEN_ADDR", ":8080"),
		MetricsAddr:      os.Getenv("METRICS_ADDR"),
		BaseURL:          os.Getenv("BASE_URL"),
		MigrateOnStart:   os.Getenv("MIGRATE_ON_START") == "true",
		Citus:            os.Getenv("CITUS") == "true",
		Dev:              dev,
		ExchangeDropDir:  os.Getenv("EXCHANGE_DROP_DIR"),
		LogFormat:        env("LOG_FORMAT", "json"),
		SMTP: notify.Mailer{
			Addr: os.Getenv("SMTP_ADDR"), From: env("SMTP_FROM", "Partnerhub <no-reply@localhost>"),
			Username: os.Getenv("SMTP_USERNAME"), Password: os.Getenv("SMTP_PASSWORD"),
			Insecure: os.Getenv("SMTP_INSECURE") == "true",
		},
	}
	if dev {
		c.ListenAddr = env("LISTEN_ADDR", "127.0.0.1:8080")
		c.LogFormat = env("LOG_FORMAT", "text")
	}
	if o := os.Getenv("CORS_ORIGINS"); o != "" {
		for _, s := range strings.Split(o, ",") {
			c.CORSOrigins = append(c.CORSOrigins, strings.TrimSpace(s))
		}
	}
	if v := os.Getenv("API_RATE_LIMIT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return c, fmt.Errorf("API_RATE_LIMIT must be a whole number of requests per minute, at least 1 (got %q)", v)
		}
		c.RateLimit = n
	}
	if v := os.Getenv("SESSION_IDLE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute {
			return c, fmt.Errorf("SESSION_IDLE must be a duration of at least 1m, such as 12h (got %q)", v)
		}
		c.SessionIdle = d
	}
	for _, t := range []struct {
		name string
		to   *time.Duration
	}{{"DB_CONNECT_TIMEOUT", &c.DBTimeouts.Connect}, {"DB_STATEMENT_TIMEOUT", &c.DBTimeouts.Statement}} {
		if v := os.Getenv(t.name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d < time.Second {
				return c, fmt.Errorf("%s must be a duration of at least 1s, such as 30s (got %q)", t.name, v)
			}
			*t.to = d
		}
	}
	proxies, err := web.ParseTrustedProxies(os.Getenv("TRUSTED_PROXIES"))
	if err != nil {
		return c, fmt.Errorf("TRUSTED_PROXIES: %w", err)
	}
	c.TrustedProxies = proxies
	if s := os.Getenv("SECRET_KEY"); s != "" {
		if len(s) < 32 {
			return c, fmt.Errorf("SECRET_KEY must be at least 32 characters")
		}
		c.Secret = []byte(s)
	}
	return c, nil
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func newLogger(format string) *slog.Logger {
	if format == "text" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, nil))
}

func randomSecret() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return []byte(hex.EncodeToString(b))
}

// openApp connects as the application role, with the layout the configuration
// names (CITUS): every command that runs tenant transactions opens it so (issue 29).
func openApp(ctx context.Context, c Config) (*db.DB, error) {
	d, err := db.OpenWith(ctx, c.DatabaseURL, c.DBTimeouts)
	if err != nil {
		return nil, err
	}
	d.Citus = c.Citus
	return d, nil
}
