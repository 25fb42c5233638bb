package web

import (
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

// route is one API operation: registered on the router and described in the
// OpenAPI document from the same entry, so the two cannot drift.
type route struct {
	Method  string
	Path    string // Fiber syntax: /organizations/:id
	Role    partners.Role
	Summary string
	Tag     string
	Request string // schema name of the JSON body, if any
	Reply   string // schema name of the response
	List    bool   // the response is a page of Reply
	Status  int
	Query   []string
	handler fiber.Handler
}

func (s *Server) apiRoutes() {
	limit := s.cfg.RateLimit
	if limit == 0 {
		limit = 600
	}
	api := s.App.Group("/api/v1")
	window := s.cfg.RateWindow
	if window <= 0 {
		window = time.Minute
	}
	api.Use(s.rateLimit(limit, window))
	api.Use(requireJSON)
	// Each feature's routes sit in its own file; the order here is the
	// registration order (fixed paths before parameter paths within a feature).
	s.routes = slices.Concat(s.identityAPI(), s.organizationAPI(), s.userAPI(), s.apiKeyAPI(), s.notificationAPI(),
		s.auditAPI(), s.jobAPI(), s.metaAPI(), s.importAPI(), s.accountAPI(), s.partnershipAPI(), s.accessAPI(),
		s.dealAPI(), s.leadAPI(),
		s.activityAPI(), s.mailboxAPI(),
		s.exchangeAPI(),
		s.forumAPI(),
		s.promotionAPI(), s.jointDealAPI(), s.leadRoutingAPI(),
		s.recordTimelineAPI(), s.mailMessageAPI(), s.forumFilesAPI(), s.exchangeExportAPI())
	for _, r := range s.routes {
		// The role check comes first: a replay must never answer someone whom the
		// route itself would refuse.
		h := r.handler
		if r.Method == "POST" {
			h = s.idempotent(h)
		}
		api.Add(r.Method, r.Path, need(r.Role, h))
	}
	api.Use(func(c *fiber.Ctx) error {
		return apperr.E(apperr.NotFound, "No API route %s %s.", c.Method(), c.Path())
	})
}

// addPage registers a portal page with the role it needs.
type addPage func(method, path string, role partners.Role, h fiber.Handler)

// portalRoutes registers the portal's pages, feature by feature; each states the
// role it needs.
func (s *Server) portalRoutes() {
	p := func(method, path string, role partners.Role, h fiber.Handler) {
		s.App.Add(method, path, need(role, h))
		if method == fiber.MethodGet {
			// Every page answers HEAD as well (link checkers, monitors).
			s.App.Add(fiber.MethodHead, path, need(role, h))
		}
	}
	for _, pages := range []func(addPage){s.signinPages, s.resetPages, s.twoFactorPages, s.dashboardPages, s.settingsPages, s.organizationPages, s.organizationPage, s.userPages,
		s.apiKeyPages, s.auditPages, s.notificationPages, s.jobPages, s.importPages, s.accountPages, s.contactPages, s.dealPages, s.leadPages, s.partnershipPages,
		s.activityPages, s.exchangePages, s.forumPages, s.mailboxPages,
		s.leadFormPages, s.promotionPages, s.jointDealPages, s.forumMorePages, s.exchangeExportPages} {
		pages(p)
	}
}

// APIRoutes lists the API route table as "METHOD /path" (Fiber syntax, under
// /api/v1): each is one operation of the OpenAPI document.
func (s *Server) APIRoutes() []string {
	out := make([]string, len(s.routes))
	for i, r := range s.routes {
		out[i] = r.Method + " " + r.Path
	}
	return out
}
