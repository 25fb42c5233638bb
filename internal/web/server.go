// Package web is the hub's HTTP face: one Fiber app serving the portal
// (server-rendered, embedded templates) and the JSON API under /api/v1. Handlers
// call the domain packages; this package alone maps error kinds to HTTP statuses.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/gofiber/fiber/v2/middleware/helmet"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/exchange/interchange"
	"github.com/partnerhub/partnerhub/exchange/mail/imapsync"
	"github.com/partnerhub/partnerhub/forums"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
	"github.com/partnerhub/partnerhub/partners/activity"
	"github.com/partnerhub/partnerhub/partners/deals"
	"github.com/partnerhub/partnerhub/partners/leads"
	"github.com/partnerhub/partnerhub/partners/promotions"
)

// Config is what the web layer needs to know about its deployment.
type Config struct {
	// Dev relaxes what only matters over TLS (Secure cookies, HSTS).
	Dev bool
	// Secret keys the CSRF tokens; at least 32 bytes.
	Secret []byte
	// BaseURL is the public URL, used in links sent by email.
	BaseURL string
	// CORSOrigins lists origins allowed to call the API from browsers; none by default.
	CORSOrigins []string
	Version     string
	// Ready reports whether the database is reachable and migrated.
	Ready func(ctx context.Context) error
	// RateLimit is the API requests allowed per organization per RateWindow (0: 600),
	// counted in PostgreSQL across instances.
	RateLimit int
	// Partners and Accounts are the domain services, built once by the program
	// and shared with its worker; nil builds plain ones over the database (tests).
	Partners *partners.Service
	Accounts *accounts.Service
	// Imports is the import pipeline; nil builds one with the accounts families.
	Imports *imports.Service
	// Deals runs deal registrations; nil builds one over the database.
	Deals *deals.Service
	// Leads runs the vendor's leads; nil builds one over the database.
	Leads *leads.Service
	// Activity and Mail are the activity timeline and the mailboxes' sync
	// (issue 18); nil builds plain ones over the database.
	Activity *activity.Service
	Mail     *imapsync.Service
	// Exchange is the EDI exchange; nil builds one with the accounts mappings.
	Exchange *interchange.Service
	// Forums is the shared forums' service; nil builds one over the database.
	Forums *forums.Service
	// Promotions runs joint promotions and their funds (issue 19); nil builds one.
	Promotions *promotions.Service
	// LeadFormLimit is how many posts of promotions' public lead forms one
	// client address may make an hour (0: 10); LeadFormPromotionLimit how many
	// one promotion's form takes an hour (0: 300).
	LeadFormLimit, LeadFormPromotionLimit int
	// RateWindow is the rate limit's fixed window (0: one minute).
	RateWindow time.Duration
	// TrustedProxies are the addresses and CIDR ranges of the proxies in front of
	// the hub (ParseTrustedProxies); only their X-Forwarded-For is believed.
	TrustedProxies []string
	Logger         *slog.Logger
}

// Server holds the app and what its handlers use.
type Server struct {
	App        *fiber.App
	cfg        Config
	db         *db.DB
	partners   *partners.Service
	accounts   *accounts.Service
	imports    *imports.Service
	deals      *deals.Service
	leads      *leads.Service
	activity   *activity.Service
	mail       *imapsync.Service
	exchange   *interchange.Service
	forums     *forums.Service
	promotions *promotions.Service
	log        *slog.Logger
	routes     []route
	rates      *rateLeases
	leadRates  [2]*rateLeases // the public lead forms': per address, per promotion
	metrics    *metrics
	trusted    []netip.Prefix
}

// New builds the app with its middleware and routes: the same constructor serves
// production and tests.
func New(cfg Config, d *db.DB) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, db: d, partners: cfg.Partners, accounts: cfg.Accounts, imports: cfg.Imports, activity: cfg.Activity, mail: cfg.Mail, log: cfg.Logger, trusted: trustedPrefixes(cfg.TrustedProxies)}
	if s.partners == nil {
		s.partners = &partners.Service{DB: d, Secret: cfg.Secret}
	}
	if s.accounts == nil {
		s.accounts = &accounts.Service{DB: d, Partners: s.partners}
	}
	if s.imports == nil {
		s.imports = imports.New(d, s.accounts.ImportFamilies()...)
	}
	if s.deals = cfg.Deals; s.deals == nil {
		s.deals = &deals.Service{DB: d, Partners: s.partners}
	}
	if s.leads = cfg.Leads; s.leads == nil {
		s.leads = &leads.Service{DB: d, Partners: s.partners}
	}
	s.mailServices()
	s.exchange = cfg.Exchange
	if s.exchange == nil {
		s.exchange = interchange.New(d, append(s.accounts.ImportFamilies(), s.deals.ImportFamilies()...),
			append(interchange.AccountMappings(), interchange.PricingMappings()...)...)
		s.exchange.Imports = s.imports
	}
	if s.forums = cfg.Forums; s.forums == nil {
		s.forums = &forums.Service{DB: d, Secret: cfg.Secret}
	}
	if s.promotions = cfg.Promotions; s.promotions == nil {
		s.promotions = &promotions.Service{DB: d, Partners: s.partners}
	}
	s.App = fiber.New(fiber.Config{
		Immutable:    true,
		ErrorHandler: s.handleError,
		// Bodies past MaxBody are not read by the server: they are streamed to the
		// handlers, and limitBody refuses them unless the route takes uploads
		// and the caller is signed in.
		BodyLimit:                    MaxBody,
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		ReadTimeout:                  30 * time.Second,
		WriteTimeout:                 60 * time.Second,
		IdleTimeout:                  120 * time.Second,
		DisableStartupMessage:        true,
		AppName:                      "partnerhub",
		// Proxy headers count only from TrustedProxies (none by default); see clientIP.
		EnableTrustedProxyCheck: true,
		TrustedProxies:          cfg.TrustedProxies,
		ProxyHeader:             fiber.HeaderXForwardedFor,
		EnableIPValidation:      true,
	})
	s.metrics = newMetrics()
	s.App.Use(recover.New())
	s.App.Use(requestID)
	s.App.Use(s.logRequests)
	s.App.Use(helmet.New(helmet.Config{
		ContentSecurityPolicy:     "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
		ReferrerPolicy:            "strict-origin-when-cross-origin",
		XFrameOptions:             "DENY",
		HSTSMaxAge:                hstsAge(cfg.Dev),
		CrossOriginEmbedderPolicy: "unsafe-none",
	}))
	if !cfg.Dev {
		// Helmet sets HSTS only on TLS requests; behind a TLS-terminating proxy the
		// hub sees plain HTTP, so it is set here for every response.
		s.App.Use(func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderStrictTransportSecurity, "max-age=31536000; includeSubDomains")
			return c.Next()
		})
	}
	if len(cfg.CORSOrigins) > 0 {
		s.App.Use("/api", cors.New(cors.Config{AllowOrigins: strings.Join(cfg.CORSOrigins, ","),
			AllowHeaders: "Authorization, Content-Type, Idempotency-Key", AllowMethods: "GET,POST,PATCH,DELETE"}))
	}
	s.App.Get("/healthz", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	s.App.Get("/readyz", s.readyz)
	s.App.Get("/static/*", s.static)
	// Browsers ask for /favicon.ico whatever the page says: the same icon.
	s.App.Get("/favicon.ico", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderLocation, "/static/favicon.svg")
		c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
		return c.SendStatus(fiber.StatusMovedPermanently)
	})
	s.App.Use(s.authenticate)
	s.App.Use(limitBody)
	s.App.Use(refuseBadText)
	s.App.Use(s.csrf)
	s.apiRoutes()
	s.portalRoutes()
	s.App.Use(func(c *fiber.Ctx) error {
		return apperr.E(apperr.NotFound, "No such page: %s %s", c.Method(), c.Path())
	})
	return s
}

func hstsAge(dev bool) int {
	if dev {
		return 0
	}
	return 31536000
}

func (s *Server) readyz(c *fiber.Ctx) error {
	if s.cfg.Ready != nil {
		ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
		defer cancel()
		if err := s.cfg.Ready(ctx); err != nil {
			s.log.Warn("not ready", "err", err)
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(db.RetryAfter))
			return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "reason": err.Error()})
		}
	}
	return c.JSON(fiber.Map{"status": "ready"})
}

func (s *Server) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		// Let the error handler set the status before it is logged and counted.
		if herr := s.App.ErrorHandler(c, err); herr != nil {
			c.Status(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	route := "unmatched"
	if r := c.Route(); r != nil && r.Path != "/" {
		route = r.Path
	}
	s.metrics.requests.WithLabelValues(c.Method(), route, strconv.Itoa(status)).Inc()
	s.metrics.duration.WithLabelValues(c.Method(), route).Observe(time.Since(start).Seconds())
	attrs := []any{"method", c.Method(), "path", c.Path(), "status", status,
		"ms", time.Since(start).Milliseconds(), "request_id", c.GetRespHeader(fiber.HeaderXRequestID)}
	if a := actorOf(c); a != nil {
		attrs = append(attrs, "network", a.Network, "org", a.Org)
	}
	s.log.Info("request", attrs...)
	return nil
}

// MetricsHandler serves the Prometheus metrics. It is not on the public app:
// the program serves it on its own listener (METRICS_ADDR) when asked to.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{})
}

type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{registry: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "partnerhub_http_requests_total", Help: "HTTP requests by method, route and status."}, []string{"method", "route", "status"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "partnerhub_http_request_duration_seconds", Help: "HTTP request latency.", Buckets: prometheus.DefBuckets}, []string{"method", "route"})
	m.registry.MustRegister(m.requests, m.duration, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
