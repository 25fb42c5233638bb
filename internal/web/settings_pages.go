package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/partners"
)

func (s *Server) settingsPage(c *fiber.Ctx) error {
	a := actorOf(c)
	data := fiber.Map{"TimeZone": "", "ZoneShown": "UTC"}
	if a.User != 0 {
		r, err := s.partners.Reader(c.UserContext(), *a)
		if err != nil {
			return err
		}
		data["TimeZone"] = r.TimeZone
		if z := partners.Zone(r.TimeZone); z != nil {
			data["ZoneShown"] = z.String()
		} else if z := partners.Zone(c.Cookies(tzCookie)); z != nil {
			data["ZoneShown"] = z.String()
		}
	}
	return s.render(c, "settings", data)
}

var timeZoneForm = newForm("time-zone",
	fieldSpec{Name: "time_zone", Label: "settings.time_zone", Hint: "settings.time_zone_hint", Max: 64, Autocomplete: "off"})

func (s *Server) changeTimeZone(c *fiber.Ctx) error {
	if err := s.partners.SetTimeZone(c.UserContext(), *actorOf(c), c.FormValue("time_zone")); err != nil {
		return s.rejected(c, timeZoneForm, "/settings", err)
	}
	return s.done(c, "/settings", translator(lang(c))("flash.saved"))
}

var passwordForm = newForm("password",
	fieldSpec{Name: "current_password", Label: "settings.current", Type: "password", Required: true, Autocomplete: "current-password"},
	fieldSpec{Name: "new_password", Label: "settings.new", Type: "password", Required: true, Autocomplete: "new-password", Hint: "password.rule", Also: "password"})

func (s *Server) changePassword(c *fiber.Ctx) error {
	err := s.partners.ChangePassword(c.UserContext(), *actorOf(c), c.FormValue("current_password"), c.FormValue("new_password"))
	if err != nil {
		return s.rejected(c, passwordForm, "/settings", err)
	}
	return s.done(c, "/settings", translator(lang(c))("flash.password_changed"))
}

func (s *Server) changeLocale(c *fiber.Ctx) error {
	a := actorOf(c)
	l := c.FormValue("locale")
	if _, err := s.partners.UpdateUser(c.UserContext(), *a, a.User, partners.UserUpdate{Locale: &l}); err != nil {
		return err
	}
	if l == "" {
		l = lang(c)
	}
	return s.done(c, "/settings", translator(l)("flash.saved"))
}

// settingsPages registers the settings pages.
func (s *Server) settingsPages(p addPage) {
	p("GET", "/settings", partners.Viewer, s.settingsPage)
	p("POST", "/settings/password", partners.Viewer, s.changePassword)
	p("POST", "/settings/locale", partners.Viewer, s.changeLocale)
	p("POST", "/settings/time-zone", partners.Viewer, s.changeTimeZone)
}
