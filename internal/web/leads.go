package web

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/leads"
)

// leadAPI is the leads part of the API route table (issue 17, item 4): the
// vendor records leads and offers them to partners; the partner offered a
// lead accepts or declines it and works it.
func (s *Server) leadAPI() []route {
	type offer struct {
		Org int64 `json:"org_id"`
	}
	type decline struct {
		Reason string `json:"reason"`
	}
	type status struct {
		Status string `json:"status"`
		Reason string `json:"reason"`
	}
	return []route{
		{Method: "GET", Path: "/leads", Role: partners.Viewer, Summary: "List the leads you may see (the vendor's; a partner's those offered to or accepted by it), newest first", Tag: "leads",
			Reply: "Lead", List: true, Query: []string{"status"}, handler: s.apiLeads},
		{Method: "POST", Path: "/leads", Role: partners.Sales, Summary: "Record a lead (vendor organization)", Tag: "leads", Request: "LeadInput", Reply: "Lead", Status: 201, handler: s.apiLeadCreate},
		{Method: "GET", Path: "/leads/:id", Role: partners.Viewer, Summary: "Get a lead", Tag: "leads", Reply: "Lead", handler: byID(s.leads.Get)},
		{Method: "GET", Path: "/leads/:id/routes", Role: partners.Viewer, Summary: "The lead's offers and their answers (a partner sees its own)", Tag: "leads", Reply: "LeadRoute", List: true, handler: s.apiLeadRoutes},
		{Method: "POST", Path: "/leads/:id/offer", Role: partners.Manager, Summary: "Offer a lead in the pool to a partner, who must answer before the deadline (vendor managers)", Tag: "leads", Request: "LeadOffer", Reply: "Lead",
			handler: patchByID(func(ctx context.Context, a partners.Actor, id int64, in offer) (*leads.Lead, error) {
				return s.leads.Offer(ctx, a, id, in.Org)
			})},
		{Method: "POST", Path: "/leads/:id/accept", Role: partners.Sales, Summary: "Accept the lead offered to your organization", Tag: "leads", Reply: "Lead", handler: byID(s.leads.Accept)},
		{Method: "POST", Path: "/leads/:id/decline", Role: partners.Sales, Summary: "Decline the lead offered to your organization, saying why: it returns to the vendor's pool", Tag: "leads", Request: "RejectInput", Reply: "Lead",
			handler: patchByID(func(ctx context.Context, a partners.Actor, id int64, in decline) (*leads.Lead, error) {
				return s.leads.Decline(ctx, a, id, in.Reason)
			})},
		{Method: "POST", Path: "/leads/:id/status", Role: partners.Sales, Summary: "Move a lead's status (the vendor, or the partner that accepted it); disqualified needs a reason", Tag: "leads", Request: "LeadStatus", Reply: "Lead",
			handler: patchByID(func(ctx context.Context, a partners.Actor, id int64, in status) (*leads.Lead, error) {
				return s.leads.SetStatus(ctx, a, id, in.Status, in.Reason)
			})},
	}
}

func (s *Server) apiLeads(c *fiber.Ctx) error {
	status := c.Query("status")
	return paged(c, func(l leads.Lead) int64 { return l.ID }, func(before int64, limit int) ([]leads.Lead, error) {
		return s.leads.List(c.UserContext(), *actorOf(c), leads.Filter{Status: status, Before: before, Limit: limit})
	})
}

func (s *Server) apiLeadCreate(c *fiber.Ctx) error {
	var in leads.Input
	if err := decode(c, &in); err != nil {
		return err
	}
	l, err := s.leads.Create(c.UserContext(), *actorOf(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(l)
}

func (s *Server) apiLeadRoutes(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	return paged(c, func(r leads.Route) int64 { return r.ID }, func(after int64, limit int) ([]leads.Route, error) {
		return s.leads.Routes(c.UserContext(), *actorOf(c), id, after, limit)
	})
}
