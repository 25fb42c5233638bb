package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

func (s *Server) settingsPage(c *fiber.Ctx) error { return s.render(c, "settings", nil) }

func (s *Server) changePassword(c *fiber.Ctx) error {
	err := s.partners.ChangePassword(c.UserContext(), *actorOf(c), c.FormValue("current_password"), c.FormValue("new_password"))
	if apperr.Is(err, apperr.Invalid) {
		c.Status(fiber.StatusUnprocessableEntity)
		return s.render(c, "settings", fiber.Map{"Error": errText(c, err)})
	}
	if err != nil {
		return err
	}
	return seeOther(c, "/settings?ok=flash.password_changed")
}

func (s *Server) changeLocale(c *fiber.Ctx) error {
	a := actorOf(c)
	l := c.FormValue("locale")
	if _, err := s.partners.UpdateUser(c.UserContext(), *a, a.User, partners.UserUpdate{Locale: &l}); err != nil {
		return err
	}
	return seeOther(c, "/settings?ok=flash.saved")
}

// settingsPages registers the settings pages.
func (s *Server) settingsPages(p addPage) {
	p("GET", "/settings", partners.Viewer, s.settingsPage)
	p("POST", "/settings/password", partners.Viewer, s.changePassword)
	p("POST", "/settings/locale", partners.Viewer, s.changeLocale)
}
