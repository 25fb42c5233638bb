package main

import (
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

// services are the domain services over one database, built once and handed
// to the web layer, the worker and the CLI commands alike.
type services struct {
	Partners *partners.Service
	Accounts *accounts.Service
}

func newServices(d *db.DB, c Config, keys *partners.KeyCache) services {
	mailer := c.SMTP
	p := &partners.Service{DB: d, SessionIdle: c.SessionIdle, Keys: keys, Mail: &mailer, Secret: c.Secret}
	return services{Partners: p, Accounts: &accounts.Service{DB: d, Partners: p}}
}
