package web

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
)

func (s *Server) forgotPage(c *fiber.Ctx) error {
	return s.render(c, "forgot", fiber.Map{"Email": c.Query("email")})
}

// forgotSubmit asks for a reset link. The answer is the same whether or not the
// address has an account: the mail is sent, or not, after it.
func (s *Server) forgotSubmit(c *fiber.Ctx) error {
	email := c.FormValue("email")
	base := s.cfg.BaseURL
	if base == "" {
		base = c.BaseURL()
	}
	base = strings.TrimRight(base, "/")
	link := func(token string) string { return base + "/password/reset/" + token }
	err := s.partners.RequestPasswordReset(c.UserContext(), email, s.clientIP(c), lang(c), link)
	if k := apperr.KindOf(err); err != nil && (k == apperr.Invalid || k == apperr.TooMany) {
		c.Status(statusOf(k))
		if ae, _ := apperr.As(err); ae.RetryAfter > 0 {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(ae.RetryAfter.Seconds())))
		}
		return s.render(c, "forgot", fiber.Map{"Email": email, "Error": errText(c, err)})
	}
	if err != nil {
		return err
	}
	return seeOther(c, "/password/forgot?ok=flash.reset_sent")
}

func (s *Server) resetPage(c *fiber.Ctx) error {
	r, err := s.partners.LookupReset(c.UserContext(), c.Params("token"))
	if err != nil {
		return err
	}
	return s.render(c, "reset", fiber.Map{"Reset": r})
}

func (s *Server) resetSubmit(c *fiber.Ctx) error {
	r, err := s.partners.ResetPassword(c.UserContext(), c.Params("token"), c.FormValue("password"), s.clientIP(c))
	if k := apperr.KindOf(err); err != nil && r != nil && k == apperr.Invalid {
		c.Status(statusOf(k))
		return s.render(c, "reset", fiber.Map{"Reset": r, "Error": errText(c, err)})
	}
	if err != nil {
		return err
	}
	return seeOther(c, "/login?ok=flash.password_reset&email="+url.QueryEscape(r.Email))
}

// resetPages registers the pages of a forgotten password.
func (s *Server) resetPages(p addPage) {
	p("GET", "/password/forgot", "", s.forgotPage)
	p("POST", "/password/forgot", "", s.forgotSubmit)
	p("GET", "/password/reset/:token", "", s.resetPage)
	p("POST", "/password/reset/:token", "", s.resetSubmit)
}
