package main

import (
	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/exchange/mail/imapsync"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
	"github.com/partnerhub/partnerhub/partners/activity"
)

// services are the domain services over one database, built once and handed
// to the web layer, the worker and the CLI commands alike.
type services struct {
	Partners *partners.Service
	Accounts *accounts.Service
	// Imports is the import pipeline with every record family registered.
	Imports *imports.Service
	// Activity is the activity timeline; Mail the mailboxes and their sync.
	Activity *activity.Service
	Mail     *imapsync.Service
}

func newServices(d *db.DB, c Config, keys *partners.KeyCache) services {
	mailer := c.SMTP
	p := &partners.Service{DB: d, SessionIdle: c.SessionIdle, Keys: keys, Mail: &mailer, Secret: c.Secret}
	acc := &accounts.Service{DB: d, Partners: p}
	return services{Partners: p, Accounts: acc, Imports: imports.New(d, acc.ImportFamilies()...),
		Activity: &activity.Service{DB: d}, Mail: &imapsync.Service{DB: d, Secret: c.Secret}}
}
