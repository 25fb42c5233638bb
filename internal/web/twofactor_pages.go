package web

import (
	"errors"
	"html/template"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

// secondStepCookie carries the signed ticket of a sign-in whose password was
// right, until its second factor is given.
const secondStepCookie = "ph_2fa"

// secondStep answers a Login that needs a second factor: the ticket in a
// cookie, and the code page.
func (s *Server) secondStep(c *fiber.Ctx, err error) (bool, error) {
	var sf *partners.SecondFactorNeeded
	var setup *partners.TwoFactorSetupNeeded
	switch {
	case errors.As(err, &sf):
		s.setCookie(c, secondStepCookie, sf.Ticket, partners.SecondStepTTL)
		return true, seeOther(c, "/login/code?next="+safeNext(c.FormValue("next")))
	case errors.As(err, &setup):
		// The organization requires two-factor sign-in: set it up before the session.
		s.setCookie(c, secondStepCookie, setup.Ticket, partners.SecondStepTTL)
		return true, seeOther(c, "/login/setup")
	}
	return false, nil
}

func (s *Server) loginSetupPage(c *fiber.Ctx) error {
	setup, err := s.partners.LoginSetupStart(c.UserContext(), c.Cookies(secondStepCookie))
	if apperr.Is(err, apperr.Unauthorized) {
		return seeOther(c, "/login")
	}
	if err != nil {
		return err
	}
	return s.render(c, "loginsetup", fiber.Map{"Setup": setup, "QR": template.URL(setup.QR)})
}

func (s *Server) loginSetupSubmit(c *fiber.Ctx) error {
	token, a, codes, err := s.partners.LoginSetupConfirm(c.UserContext(), c.Cookies(secondStepCookie), c.FormValue("code"), s.clientIP(c), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		k := apperr.KindOf(err)
		if k != apperr.Unauthorized && k != apperr.Invalid {
			return err
		}
		c.Status(statusOf(k))
		return s.render(c, "loginsetup", fiber.Map{"Error": errText(c, err)})
	}
	s.clearCookie(c, secondStepCookie)
	s.setCookie(c, sessionCookie, token, partners.SessionTTL)
	c.Locals(actorKey, a)
	// The recovery codes are shown this once, then on to the portal.
	return s.render(c, "loginsetup", fiber.Map{"Codes": codes})
}

// twoFactorOffForm turns one's two-factor sign-in off, with the password.
var twoFactorOffForm = newForm("two-factor-off",
	fieldSpec{Name: "current_password", Label: "settings.current", Type: "password", Required: true, Autocomplete: "current-password"})

func (s *Server) twoFactorRequire(c *fiber.Ctx) error {
	a, err := twoFactorUser(c)
	if err != nil {
		return err
	}
	on := c.FormValue("require") == "on"
	if err := s.partners.SetTwoFactorRequired(c.UserContext(), *a, on); err != nil {
		return s.rejected(c, confirmForm, "/settings/two-factor", err)
	}
	notice := "flash.two_factor_org_off"
	if on {
		notice = "flash.two_factor_org_on"
	}
	return s.done(c, "/settings/two-factor", translator(lang(c))(notice))
}

func (s *Server) codePage(c *fiber.Ctx) error {
	if c.Cookies(secondStepCookie) == "" {
		return seeOther(c, "/login")
	}
	return s.render(c, "logincode", fiber.Map{"Next": safeNext(c.Query("next"))})
}

func (s *Server) codeSubmit(c *fiber.Ctx) error {
	token, a, err := s.partners.LoginSecondFactor(c.UserContext(), c.Cookies(secondStepCookie), c.FormValue("code"), s.clientIP(c), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		k := apperr.KindOf(err)
		if k != apperr.Unauthorized && k != apperr.TooMany {
			return err
		}
		c.Status(statusOf(k))
		if ae, _ := apperr.As(err); ae.RetryAfter > 0 {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(ae.RetryAfter.Seconds())))
		}
		return s.render(c, "logincode", fiber.Map{"Error": errText(c, err), "Next": safeNext(c.FormValue("next"))})
	}
	s.clearCookie(c, secondStepCookie)
	s.setCookie(c, sessionCookie, token, partners.SessionTTL)
	c.Locals(actorKey, a)
	return seeOther(c, safeNext(c.FormValue("next")))
}

// twoFactorUser refuses API keys: they have no sign-in.
func twoFactorUser(c *fiber.Ctx) (*partners.Actor, error) {
	a := actorOf(c)
	if a.User == 0 {
		return nil, apperr.E(apperr.Forbidden, "API keys have no password.")
	}
	return a, nil
}

func (s *Server) twoFactorPage(c *fiber.Ctx) error { return s.twoFactorPageWith(c, nil) }

func (s *Server) twoFactorPageWith(c *fiber.Ctx, extra fiber.Map) error {
	a, err := twoFactorUser(c)
	if err != nil {
		return err
	}
	on, err := s.partners.TwoFactorOn(c.UserContext(), *a)
	if err != nil {
		return err
	}
	required, err := s.partners.TwoFactorRequired(c.UserContext(), *a)
	if err != nil {
		return err
	}
	data := fiber.Map{"On": on, "Required": required}
	// A set-up begun and not confirmed is kept on the user's row: the page
	// shows it again (after the start's redirect, on a reload, after a
	// rejected code) until it is confirmed.
	setup, err := s.partners.PendingTwoFactor(c.UserContext(), *a)
	if err != nil {
		return err
	}
	if setup != nil {
		// The QR code is a PNG made here, in a data: URL (the CSP allows data: images).
		data["Setup"], data["QR"] = setup, template.URL(setup.QR)
	}
	for k, v := range extra {
		data[k] = v
	}
	return s.render(c, "twofactor", data)
}

func (s *Server) twoFactorStart(c *fiber.Ctx) error {
	a, err := twoFactorUser(c)
	if err != nil {
		return err
	}
	if _, err := s.partners.StartTwoFactor(c.UserContext(), *a); err != nil {
		return err
	}
	// PRG: the page shows the set-up kept aside (PendingTwoFactor), so a
	// reload makes no new secret.
	return seeOther(c, "/settings/two-factor#setup")
}

func (s *Server) twoFactorConfirm(c *fiber.Ctx) error {
	a, err := twoFactorUser(c)
	if err != nil {
		return err
	}
	codes, err := s.partners.ConfirmTwoFactor(c.UserContext(), *a, c.FormValue("code"))
	if err != nil {
		return s.rejected(c, twoFactorCodeForm, "/settings/two-factor", err)
	}
	// The recovery codes are shown this once: they ride in the session's
	// one-time message to the page, which neither a reload nor going back shows.
	notice := translator(lang(c))("flash.two_factor_on")
	kept, err := s.keepFlash(c, flash{Notice: notice, Secret: strings.Join(codes, " ")})
	if err != nil {
		return err
	}
	if !kept {
		return s.twoFactorPageWith(c, fiber.Map{"Codes": codes, "Flash": notice})
	}
	return seeOther(c, "/settings/two-factor")
}

// twoFactorCodeForm confirms a new two-factor set-up with a code.
var twoFactorCodeForm = newForm("two-factor-code",
	fieldSpec{Name: "code", Label: "code.label", Required: true, Max: 10, Autocomplete: "one-time-code"})

func (s *Server) twoFactorDisable(c *fiber.Ctx) error {
	a, err := twoFactorUser(c)
	if err != nil {
		return err
	}
	if err := s.partners.DisableTwoFactor(c.UserContext(), *a, c.FormValue("current_password")); err != nil {
		return s.rejected(c, twoFactorOffForm, "/settings/two-factor", err)
	}
	return s.done(c, "/settings/two-factor", translator(lang(c))("flash.two_factor_off"))
}

// twoFactorPages registers two-factor sign-in: the second step of a sign-in,
// and setting it up or removing it.
func (s *Server) twoFactorPages(p addPage) {
	p("GET", "/login/code", "", s.codePage)
	p("POST", "/login/code", "", s.codeSubmit)
	p("GET", "/login/setup", "", s.loginSetupPage)
	p("POST", "/login/setup", "", s.loginSetupSubmit)
	p("GET", "/settings/two-factor", partners.Viewer, s.twoFactorPage)
	p("POST", "/settings/two-factor/start", partners.Viewer, s.twoFactorStart)
	p("POST", "/settings/two-factor/confirm", partners.Viewer, s.twoFactorConfirm)
	p("POST", "/settings/two-factor/disable", partners.Viewer, s.twoFactorDisable)
	p("POST", "/settings/two-factor/require", partners.Admin, s.twoFactorRequire)
}
