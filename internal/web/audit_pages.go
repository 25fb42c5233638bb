package web

import (
	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/audit"
	"github.com/partnerhub/partnerhub/partners"
)

func (s *Server) auditPage(c *fiber.Ctx) error {
	a := actorOf(c)
	before, err := queryInt(c, "before")
	if err != nil {
		return err
	}
	var entries []audit.Record
	err = s.db.Tx(c.UserContext(), a.Scope(), func(tx *sqlx.Tx) error {
		entries, err = audit.List(c.UserContext(), tx, before, pageSize+1)
		return err
	})
	if err != nil {
		return err
	}
	data := fiber.Map{}
	if len(entries) > pageSize {
		entries = entries[:pageSize]
		data["Next"] = entries[pageSize-1].Seq
	}
	data["Entries"] = entries
	return s.render(c, "audit", data)
}

// auditPages registers the audit pages.
func (s *Server) auditPages(p addPage) {
	p("GET", "/audit", partners.Admin, s.auditPage)
}
