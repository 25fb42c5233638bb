package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/exchange/interchange"
	"github.com/partnerhub/partnerhub/exchange/mail/imapsync"
	"github.com/partnerhub/partnerhub/forums"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/internal/notify"
	"github.com/partnerhub/partnerhub/internal/web"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/deals"
	"github.com/partnerhub/partnerhub/partners/leads"
)

// Main is the running hub: the HTTP server and the job worker over one database.
// End-to-end tests start it on ":0" exactly as `serve` does.
type Main struct {
	Config Config
	DB     *db.DB
	Server *web.Server
	// URL is where it listens, known once Run has returned.
	URL string
	// MetricsURL is where /metrics is served, when Config.MetricsAddr is set.
	MetricsURL string

	partners  *partners.Service
	ln        net.Listener
	metrics   *http.Server
	worker    *jobs.Worker
	stopWork  context.CancelFunc
	serveDone chan error

	// drop is the exchange's watched drop folder (EXCHANGE_DROP_DIR), if any.
	drop *interchange.DropFolder
}

// Run connects, checks the database role and migrations, and starts serving and
// working in the background.
func (m *Main) Run(ctx context.Context) error {
	c := m.Config
	if c.Logger == nil {
		c.Logger = newLogger(c.LogFormat)
		m.Config.Logger = c.Logger
	}
	if c.DatabaseURL == "" {
		return errors.New("DATABASE_URL is not set")
	}
	if len(c.Secret) < 32 {
		return errors.New("SECRET_KEY must be set to at least 32 characters")
	}
	d, err := openApp(ctx, c)
	if err != nil {
		return err
	}
	m.DB = d
	if err := d.CheckAppRole(ctx); err != nil {
		return err
	}
	if pending, err := db.Pending(ctx, d.DB.DB); err != nil {
		return fmt.Errorf("check migrations: %w", err)
	} else if pending {
		return errors.New("the database has pending migrations: run `partnerhub migrate` (or set MIGRATE_ON_START=true)")
	}
	workCtx, cancel := context.WithCancel(context.Background())
	m.stopWork = cancel
	keys := partners.NewKeyCache()
	keys.Logger = c.Logger
	// The listening connection waits for notifications: a read on it waits
	// for the key cache's next ping at most, then for its answer.
	listenDialer := db.NewDialer(c.DBTimeouts)
	listenDialer.Stall += partners.KeyPingEvery
	keys.Dialer = listenDialer
	listenURL, err := db.ListenerURL(c.DatabaseURL, c.DBTimeouts)
	if err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	if err := keys.Listen(workCtx, listenURL); err != nil {
		return err
	}
	svc := newServices(d, c, keys)
	m.partners = svc.Partners
	m.Server = web.New(web.Config{Partners: svc.Partners, Accounts: svc.Accounts, Imports: svc.Imports, Deals: svc.Deals, Leads: svc.Leads,
		Activity: svc.Activity, Mail: svc.Mail, Exchange: svc.Exchange,
		Forums:     svc.Forums,
		Promotions: svc.Promotions,
		Dev:        c.Dev, Secret: c.Secret, RateLimit: c.RateLimit, BaseURL: c.BaseURL, CORSOrigins: c.CORSOrigins, TrustedProxies: c.TrustedProxies, Version: Version, Logger: c.Logger,
		Ready: func(ctx context.Context) error {
			if err := d.PingContext(ctx); err != nil {
				return fmt.Errorf("database unreachable")
			}
			pending, err := db.Pending(ctx, d.DB.DB)
			if err != nil {
				return fmt.Errorf("migration state unknown")
			}
			if pending {
				return fmt.Errorf("migrations pending")
			}
			return nil
		},
	}, d)
	ln, err := net.Listen("tcp", c.ListenAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.ListenAddr, err)
	}
	m.ln = ln
	m.URL = "http://" + ln.Addr().String()
	if c.BaseURL == "" {
		m.Config.BaseURL = m.URL
	}
	m.serveDone = make(chan error, 1)
	go func() { m.serveDone <- m.Server.App.Listener(ln) }()
	if c.MetricsAddr != "" {
		mln, err := net.Listen("tcp", c.MetricsAddr)
		if err != nil {
			return fmt.Errorf("listen for metrics on %s: %w", c.MetricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Server.MetricsHandler())
		// Profiles on the same private listener, for an operator chasing CPU or
		// memory (go tool pprof http://METRICS_ADDR/debug/pprof/profile).
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
		m.metrics = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		m.MetricsURL = "http://" + mln.Addr().String() + "/metrics"
		go m.metrics.Serve(mln)
	}

	mailer := c.SMTP
	m.worker = &jobs.Worker{DB: d, Logger: c.Logger, Handlers: map[string]jobs.Handler{
		notify.EmailJob:        notify.EmailHandler(d, &mailer, m.Config.BaseURL),
		imports.JobKind:        svc.Imports.Handler(),
		deals.ClockJob:         svc.Deals.ClockHandler(),
		leads.ClockJob:         svc.Leads.ClockHandler(),
		imapsync.JobKind:       svc.Mail.Handler(),
		interchange.JobKind:    svc.Exchange.Handler(),
		interchange.WebhookJob: svc.Exchange.WebhookHandler(),
		forums.DigestJob:       svc.Forums.DigestHandler(&mailer, m.Config.BaseURL),
	}}
	// The sweep removes what has outlived its use, across networks.
	m.worker.Sweeps = []jobs.Sweep{func(ctx context.Context) error {
		_, err := web.PurgeIdempotencyKeys(ctx, d)
		return err
	}}
	m.worker.Start(workCtx)
	if c.ExchangeDropDir != "" {
		m.drop = &interchange.DropFolder{Dir: c.ExchangeDropDir, Exchange: svc.Exchange, Actor: svc.Partners.KeyActor, Logger: c.Logger}
		m.drop.Start(workCtx)
	}
	c.Logger.Info("partnerhub listening", "url", m.URL, "version", Version)
	return nil
}

// Close shuts down gracefully: no new requests, in-flight ones finish (up to 20 s),
// the worker finishes its current job, then the database closes.
func (m *Main) Close() error {
	var errs []error
	if m.Server != nil {
		errs = append(errs, m.Server.App.ShutdownWithTimeout(20*time.Second))
	}
	if m.metrics != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		errs = append(errs, m.metrics.Shutdown(ctx))
		cancel()
	}
	if m.partners != nil {
		// Password reset mails still on their way.
		m.partners.Wait()
	}
	if m.stopWork != nil {
		m.stopWork()
		if m.worker != nil {
			m.worker.Wait()
		}
		if m.drop != nil {
			m.drop.Wait()
		}
	}
	if m.DB != nil {
		errs = append(errs, m.DB.Close())
	}
	return errors.Join(errs...)
}
