package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/leads"
)

// leadRouting is the body and reply of the lead routing rules.
type leadRouting struct {
	Rules []leads.Rule `json:"rules"`
}

// leadRoutingAPI is the network's lead routing rules (issue 17): tried in
// order when the vendor records a lead, they offer it to a partner.
func (s *Server) leadRoutingAPI() []route {
	return []route{
		{Method: "GET", Path: "/lead-routing-rules", Role: partners.Manager, Summary: "The network's lead routing rules, in the order they are tried (vendor managers)", Tag: "leads",
			Reply: "LeadRoutingRules", handler: s.apiLeadRules},
		{Method: "POST", Path: "/lead-routing-rules", Role: partners.Manager, Summary: "Replace the network's lead routing rules (vendor managers); a lead recorded later is offered by them", Tag: "leads",
			Request: "LeadRoutingRules", Reply: "LeadRoutingRules", handler: s.apiLeadRulesSet},
	}
}

func (s *Server) apiLeadRules(c *fiber.Ctx) error {
	rules, err := s.leads.Rules(c.UserContext(), *actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(leadRouting{Rules: rules})
}

func (s *Server) apiLeadRulesSet(c *fiber.Ctx) error {
	var in leadRouting
	if err := decode(c, &in); err != nil {
		return err
	}
	rules, err := s.leads.SetRules(c.UserContext(), *actorOf(c), in.Rules)
	if err != nil {
		return err
	}
	if rules == nil {
		rules = []leads.Rule{}
	}
	return c.JSON(leadRouting{Rules: rules})
}
