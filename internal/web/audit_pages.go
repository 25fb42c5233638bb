package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/audit"
	"github.com/partnerhub/partnerhub/partners"
)

func (s *Server) auditPage(c *fiber.Ctx) error {
	a := actorOf(c)
	before, err := queryInt(c, "before")
	if err != nil {
		return err
	}
	entries, err := audit.Recent(c.UserContext(), s.db, a.Scope(), before, pageSize+1)
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
