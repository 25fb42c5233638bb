package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/audit"
	"github.com/partnerhub/partnerhub/partners"
)

func (s *Server) apiAudit(c *fiber.Ctx) error {
	return paged(c, func(r audit.Record) int64 { return r.Seq }, func(before int64, limit int) ([]audit.Record, error) {
		return audit.Recent(c.UserContext(), s.db, actorOf(c).Scope(), before, limit)
	})
}

// auditAPI is the audit part of the API route table.
func (s *Server) auditAPI() []route {
	return []route{
		{Method: "GET", Path: "/audit", Role: partners.Admin, Summary: "The audit log you may read, newest first", Tag: "audit", Reply: "AuditEntry", List: true, handler: s.apiAudit},
	}
}
