package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/audit"
	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/internal/notify"
	"github.com/partnerhub/partnerhub/partners"
)

func (s *Server) dashboard(c *fiber.Ctx) error {
	a := actorOf(c)
	ctx := c.UserContext()
	data := fiber.Map{}
	org, err := s.partners.Organization(ctx, *a, a.Org)
	if err != nil {
		return err
	}
	data["Org"] = org
	sum, err := s.partners.Summary(ctx, *a)
	if err != nil {
		return err
	}
	data["UserCount"], data["PartnerCount"], data["ByKind"] = sum.Users, sum.Partners, sum.ByKind
	if a.User != 0 {
		if data["Unread"], err = notify.Unread(ctx, s.db, a.Scope()); err != nil {
			return err
		}
		if data["Notifications"], err = notify.List(ctx, s.db, a.Scope(), lang(c), 0, 5); err != nil {
			return err
		}
	}
	if a.Role == partners.Admin {
		failed, err := jobs.List(ctx, s.db, a.Scope(), "failed", 0, 100)
		if err != nil {
			return err
		}
		data["FailedJobs"] = len(failed)
		if data["Audit"], err = audit.Recent(ctx, s.db, a.Scope(), 0, 8); err != nil {
			return err
		}
	}
	return s.render(c, "dashboard", data)
}

// dashboardPages registers the dashboard pages.
func (s *Server) dashboardPages(p addPage) {
	p("GET", "/", partners.Viewer, s.dashboard)
}
