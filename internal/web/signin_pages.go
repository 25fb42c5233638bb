package web

import (
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/partners"
)

func (s *Server) loginPage(c *fiber.Ctx) error {
	if actorOf(c) != nil {
		return seeOther(c, safeNext(c.Query("next")))
	}
	return s.render(c, "login", fiber.Map{"Next": safeNext(c.Query("next")), "Email": c.Query("email")})
}

func (s *Server) loginSubmit(c *fiber.Ctx) error {
	email := c.FormValue("email")
	token, a, err := s.partners.Login(c.UserContext(), email, c.FormValue("password"), s.clientIP(c), c.Get(fiber.HeaderUserAgent))
	if ok, err := s.secondStep(c, err); ok {
		return err
	}
	if err != nil {
		k := apperr.KindOf(err)
		if k != apperr.Unauthorized && k != apperr.TooMany {
			return err
		}
		c.Status(statusOf(k))
		ae, _ := apperr.As(err)
		if ae.RetryAfter > 0 {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(ae.RetryAfter.Seconds())))
		}
		return s.render(c, "login", fiber.Map{"Error": l10n.Text(lang(c), ae), "Email": email, "Next": safeNext(c.FormValue("next"))})
	}
	// Whatever session cookie came with the request is replaced: the session id is
	// new at every login (no fixation).
	s.setCookie(c, sessionCookie, token, partners.SessionTTL)
	c.Locals(actorKey, a)
	return seeOther(c, safeNext(c.FormValue("next")))
}

func (s *Server) logout(c *fiber.Ctx) error {
	if err := s.partners.Logout(c.UserContext(), *actorOf(c)); err != nil {
		return err
	}
	s.clearCookie(c, sessionCookie)
	return seeOther(c, "/login")
}

func (s *Server) setLang(c *fiber.Ctx) error {
	l := c.Params("code")
	if l != "en" && l != "pt-BR" {
		return apperr.Field("lang", "must be en or pt-BR")
	}
	c.Cookie(&fiber.Cookie{Name: "ph_lang", Value: l, Path: "/", SameSite: fiber.CookieSameSiteLaxMode, Secure: !s.cfg.Dev, Expires: time.Now().Add(365 * 24 * time.Hour)})
	return seeOther(c, "/login")
}

func (s *Server) invitePage(c *fiber.Ctx) error {
	inv, err := s.partners.LookupInvite(c.UserContext(), c.Params("token"))
	if err != nil {
		return err
	}
	return s.render(c, "invite", fiber.Map{"Invite": inv})
}

func (s *Server) inviteSubmit(c *fiber.Ctx) error {
	inv, err := s.partners.AcceptInvite(c.UserContext(), c.Params("token"), c.FormValue("password"))
	if apperr.Is(err, apperr.Invalid) && inv == nil {
		inv, lerr := s.partners.LookupInvite(c.UserContext(), c.Params("token"))
		if lerr != nil {
			return lerr
		}
		c.Status(fiber.StatusUnprocessableEntity)
		return s.render(c, "invite", fiber.Map{"Invite": inv, "Error": errText(c, err)})
	}
	if err != nil {
		return err
	}
	// Sign-in knows the address the invitation was for.
	return seeOther(c, "/login?ok=flash.invite_accepted&email="+url.QueryEscape(inv.Email))
}

// signinPages registers the signin pages.
func (s *Server) signinPages(p addPage) {
	p("GET", "/login", "", s.loginPage)
	p("POST", "/login", "", s.loginSubmit)
	p("POST", "/logout", partners.Viewer, s.logout)
	p("GET", "/lang/:code", "", s.setLang)
	p("GET", "/invite/:token", "", s.invitePage)
	p("POST", "/invite/:token", "", s.inviteSubmit)
}
