package main

import (
	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/exchange/interchange"
	"github.com/partnerhub/partnerhub/exchange/mail/imapsync"
	"github.com/partnerhub/partnerhub/forums"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
	"github.com/partnerhub/partnerhub/partners/activity"
	"github.com/partnerhub/partnerhub/partners/deals"
	"github.com/partnerhub/partnerhub/partners/leads"
	"github.com/partnerhub/partnerhub/partners/promotions"
)

// services are the domain services over one database, built once and handed
// to the web layer, the worker and the CLI commands alike.
type services struct {
	Partners *partners.Service
	Accounts *accounts.Service
	// Imports is the import pipeline with every record family registered.
	Imports *imports.Service
	// Deals runs deal registrations, their conflict check and their clock.
	Deals *deals.Service
	// Leads runs the vendor's leads, their offers and their clock.
	Leads *leads.Service
	// Activity is the activity timeline; Mail the mailboxes and their sync.
	Activity *activity.Service
	Mail     *imapsync.Service
	// Exchange is the EDI exchange, mapping sets onto the same families.
	Exchange *interchange.Service
	// Forums is the shared forums (issue 20).
	Forums *forums.Service
	// Promotions is joint promotions and their funds (issue 19).
	Promotions *promotions.Service
}

func newServices(d *db.DB, c Config, keys *partners.KeyCache) services {
	mailer := c.SMTP
	p := &partners.Service{DB: d, SessionIdle: c.SessionIdle, Keys: keys, Mail: &mailer, Secret: c.Secret}
	acc := &accounts.Service{DB: d, Partners: p}
	imp := imports.New(d, acc.ImportFamilies()...)
	dl := &deals.Service{DB: d, Partners: p}
	// The exchange maps 816/PARTIN onto accounts and contacts, and 845
	// onto special-pricing registrations.
	ex := interchange.New(d, append(acc.ImportFamilies(), dl.ImportFamilies()...),
		append(interchange.AccountMappings(), interchange.PricingMappings()...)...)
	ex.Imports = imp
	ex.AllowPrivateWebhooks = c.Dev // a developer's receiver runs on localhost
	return services{Partners: p, Accounts: acc, Imports: imp, Exchange: ex,
		Deals: dl, Leads: &leads.Service{DB: d, Partners: p},
		Activity: &activity.Service{DB: d}, Mail: &imapsync.Service{DB: d, Secret: c.Secret},
		Forums: &forums.Service{DB: d, Secret: c.Secret}, Promotions: &promotions.Service{DB: d, Partners: p}}
}
