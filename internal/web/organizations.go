package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/partners"
)

func (s *Server) apiOrgs(c *fiber.Ctx) error {
	kind, status := c.Query("kind"), c.Query("status")
	if kind != "" {
		if err := oneOfField("kind", kind, partners.Kinds); err != nil {
			return err
		}
	}
	if status != "" {
		if err := oneOfField("status", status, []string{"active", "inactive"}); err != nil {
			return err
		}
	}
	return paged(c, func(o partners.Organization) int64 { return o.ID }, func(after int64, limit int) ([]partners.Organization, error) {
		return s.partners.Organizations(c.UserContext(), *actorOf(c), partners.OrganizationFilter{Kind: kind, Status: status, After: after, Limit: limit})
	})
}

func (s *Server) apiOrgCreate(c *fiber.Ctx) error {
	var in partners.OrganizationInput
	if err := decode(c, &in); err != nil {
		return err
	}
	o, err := s.partners.CreateOrganization(c.UserContext(), *actorOf(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(o)
}

// organizationAPI is the organizations part of the API route table.
func (s *Server) organizationAPI() []route {
	return []route{
		{Method: "GET", Path: "/organizations", Role: partners.Viewer, Summary: "List the network's organizations", Tag: "organizations", Reply: "Organization", List: true, Query: []string{"kind", "status"}, handler: s.apiOrgs},
		{Method: "POST", Path: "/organizations", Role: partners.Manager, Summary: "Create a partner organization (vendor admins and managers)", Tag: "organizations", Request: "OrganizationInput", Reply: "Organization", Status: 201, handler: s.apiOrgCreate},
		{Method: "GET", Path: "/organizations/:id", Role: partners.Viewer, Summary: "Get an organization", Tag: "organizations", Reply: "Organization", handler: byID(s.partners.Organization)},
		{Method: "PATCH", Path: "/organizations/:id", Role: partners.Manager, Summary: "Change a partner organization (vendor admins and managers)", Tag: "organizations", Request: "OrganizationInput", Reply: "Organization", handler: patchByID(s.partners.UpdateOrganization)},
	}
}
