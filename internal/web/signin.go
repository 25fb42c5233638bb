package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/partners"
)

func (s *Server) apiMe(c *fiber.Ctx) error {
	a := actorOf(c)
	org, err := s.partners.Organization(c.UserContext(), *a, a.Org)
	if err != nil {
		return err
	}
	me := fiber.Map{"network_id": a.Network, "organization": org, "role": a.Role, "vendor": a.VendorOrg}
	if a.User != 0 {
		me["user"] = fiber.Map{"id": a.User, "name": a.Name, "email": a.Email, "locale": a.Locale}
	} else {
		me["api_key"] = fiber.Map{"id": a.APIKey, "name": a.Name}
	}
	return c.JSON(me)
}

// identityAPI is the identity part of the API route table.
func (s *Server) identityAPI() []route {
	return []route{
		{Method: "GET", Path: "/me", Role: partners.Viewer, Summary: "Who is asking", Tag: "identity", Reply: "Me", handler: s.apiMe},
	}
}
