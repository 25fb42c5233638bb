package web

import (
	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

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
	var stats struct {
		Users    int `db:"users"`
		Partners int `db:"partners"`
	}
	type kindCount struct {
		Kind string `db:"kind"`
		N    int    `db:"n"`
	}
	var byKind []kindCount
	err = s.db.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &stats, `
			SELECT (SELECT count(*) FROM users WHERE network_id = $1 AND org_id = $2 AND status = 'active') AS users,
			       (SELECT count(*) FROM organizations WHERE network_id = $1 AND kind <> 'vendor' AND status = 'active') AS partners`, a.Network, a.Org); err != nil {
			return err
		}
		return tx.SelectContext(ctx, &byKind, `SELECT kind, count(*) AS n FROM organizations WHERE network_id = $1 AND kind <> 'vendor' GROUP BY kind ORDER BY kind`, a.Network)
	})
	if err != nil {
		return err
	}
	data["UserCount"], data["PartnerCount"], data["ByKind"] = stats.Users, stats.Partners, byKind
	if a.User != 0 {
		data["Unread"], _ = notify.Unread(ctx, s.db, a.Scope())
		data["Notifications"], _ = notify.List(ctx, s.db, a.Scope(), 0, 5)
	}
	if a.Role == partners.Admin {
		failed, err := jobs.List(ctx, s.db, a.Scope(), "failed", 0, 100)
		if err != nil {
			return err
		}
		data["FailedJobs"] = len(failed)
		err = s.db.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
			entries, err := audit.List(ctx, tx, 0, 8)
			data["Audit"] = entries
			return err
		})
		if err != nil {
			return err
		}
	}
	return s.render(c, "dashboard", data)
}

// dashboardPages registers the dashboard pages.
func (s *Server) dashboardPages(p addPage) {
	p("GET", "/", partners.Viewer, s.dashboard)
}
