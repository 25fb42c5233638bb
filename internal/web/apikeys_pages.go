package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

func (s *Server) keysPage(c *fiber.Ctx) error { return s.keysPageWith(c, nil) }

func (s *Server) keysPageWith(c *fiber.Ctx, extra fiber.Map) error {
	createdBy, err := queryInt(c, "created_by")
	if err != nil {
		return err
	}
	keys, err := s.partners.APIKeys(c.UserContext(), *actorOf(c), createdBy)
	if err != nil {
		return err
	}
	data := fiber.Map{"Keys": keys, "Roles": partners.Roles, "CreatedBy": createdBy}
	for k, v := range extra {
		data[k] = v
	}
	return s.render(c, "apikeys", data)
}

func (s *Server) keyCreate(c *fiber.Ctx) error {
	_, secret, err := s.partners.CreateAPIKey(c.UserContext(), *actorOf(c), c.FormValue("name"), c.FormValue("role"))
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			c.Status(fiber.StatusUnprocessableEntity)
			return s.keysPageWith(c, fiber.Map{"Error": errText(c, err)})
		}
		return err
	}
	return s.keysPageWith(c, fiber.Map{"Secret": secret})
}

func (s *Server) keyRevoke(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := s.partners.RevokeAPIKey(c.UserContext(), *actorOf(c), id); err != nil {
		return err
	}
	return seeOther(c, "/api-keys?ok=flash.revoked")
}

// apiKeyPages registers the apikeys pages.
func (s *Server) apiKeyPages(p addPage) {
	p("GET", "/api-keys", partners.Admin, s.keysPage)
	p("POST", "/api-keys", partners.Admin, s.keyCreate)
	p("POST", "/api-keys/:id/revoke", partners.Admin, s.keyRevoke)
}
