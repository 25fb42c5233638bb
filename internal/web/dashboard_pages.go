package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/audit"
	"github.com/partnerhub/partnerhub/internal/chart"
	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/internal/notify"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/deals"
)

// nextStep is one thing the dashboard suggests doing now.
type nextStep struct {
	Text, Link string
}

func (s *Server) dashboard(c *fiber.Ctx) error {
	a := actorOf(c)
	ctx := c.UserContext()
	tr := translator(lang(c))
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
	data["Sum"] = sum
	var next []nextStep
	step := func(n int, id, link string) {
		if n > 0 {
			next = append(next, nextStep{tr(id, "N", n), link})
		}
	}
	step(sum.ToAnswer, "dashboard.next.answer", "/partners")
	step(sum.SharedRecently, "dashboard.next.shared", "/accounts?owner=shared")
	unread := 0
	if a.User != 0 {
		if unread, err = notify.Unread(ctx, s.db, a.Scope()); err != nil {
			return err
		}
		data["Unread"] = unread
		if data["Notifications"], err = notify.List(ctx, s.db, a.Scope(), lang(c), 0, 5); err != nil {
			return err
		}
	}
	step(unread, "dashboard.next.unread", "/notifications")
	if a.Role == partners.Admin {
		failed, err := jobs.List(ctx, s.db, a.Scope(), "failed", 0, 100)
		if err != nil {
			return err
		}
		data["FailedJobs"] = len(failed)
		step(len(failed), "dashboard.next.failed_jobs", "/jobs?state=failed")
		step(sum.PendingUsers, "dashboard.next.pending_users", "/users")
		recent, err := audit.Recent(ctx, s.db, a.Scope(), 0, 8)
		if err != nil {
			return err
		}
		data["Audit"] = auditView(tr, recent)
	}
	vendorManager := a.VendorOrg && a.Role.AtLeast(partners.Manager)
	// Deal registrations and leads (issue 17): the vendor's review queue, and
	// the leads offered to a partner that wait for its answer.
	if vendorManager {
		n, err := s.deals.Count(ctx, *a, deals.Filter{State: deals.Submitted})
		if err != nil {
			return err
		}
		step(n, "dashboard.next.deals_review", "/deals?state=submitted")
	} else if !a.VendorOrg && a.Role.AtLeast(partners.Sales) {
		n, err := s.leads.Offered(ctx, *a)
		if err != nil {
			return err
		}
		step(n, "dashboard.next.leads_offered", "/leads")
	}
	switch {
	case vendorManager && sum.Partners == 0:
		next = append(next, nextStep{tr("dashboard.next.first_partner"), "/organizations"})
	case !a.VendorOrg && sum.Partnerships == 0 && sum.ToAnswer == 0:
		next = append(next, nextStep{tr("dashboard.next.wait_invite"), "/partners"})
	}
	data["Next"] = next
	if vendorManager && len(sum.ByKind) > 0 {
		bars := make([]chart.Bar, len(sum.ByKind))
		for i, k := range sum.ByKind {
			bars[i] = chart.Bar{Label: tr("kind." + k.Kind), Value: float64(k.N)}
		}
		ch, err := chart.Bars(tr("dashboard.by_kind"), tr("dashboard.count"), bars)
		if err != nil {
			return err
		}
		data["ByKind"] = ch
	}
	return s.render(c, "dashboard", data)
}

// dashboardPages registers the dashboard pages.
func (s *Server) dashboardPages(p addPage) {
	p("GET", "/", partners.Viewer, s.dashboard)
}
