package main

import (
	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/forums"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

// services are the domain services over one database, built once and handed
// to the web layer, the worker and the CLI commands alike.
type services struct {
	Partners *partners.Service
	Accounts *accounts.Service
	// Imports is the import pipeline with every record family registered.
	Imports *imports.Service
	// Forums is the shared forums (issue 20).
	Forums *forums.Service
}

func newServices(d *db.DB, c Config, keys *partners.KeyCache) services {
	mailer := c.SMTP
	p := &partners.Service{DB: d, SessionIdle: c.SessionIdle, Keys: keys, Mail: &mailer, Secret: c.Secret}
	acc := &accounts.Service{DB: d, Partners: p}
	return services{Partners: p, Accounts: acc, Imports: imports.New(d, acc.ImportFamilies()...), Forums: &forums.Service{DB: d}}
}
