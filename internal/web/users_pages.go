package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

func (s *Server) usersPage(c *fiber.Ctx) error { return s.usersPageWith(c, nil) }

func (s *Server) usersPageWith(c *fiber.Ctx, extra fiber.Map) error {
	a := actorOf(c)
	after, err := queryInt(c, "after")
	if err != nil {
		return err
	}
	users, err := s.partners.Users(c.UserContext(), *a, partners.UserFilter{After: after, Limit: pageSize + 1})
	if err != nil {
		return err
	}
	data := fiber.Map{"Roles": partners.Roles}
	if len(users) > pageSize {
		users = users[:pageSize]
		data["Next"] = users[pageSize-1].ID
	}
	data["Users"] = users
	if a.VendorOrg {
		orgs, err := s.partners.Organizations(c.UserContext(), *a, partners.OrganizationFilter{Status: "active", Limit: 200})
		if err != nil {
			return err
		}
		data["Orgs"] = orgs
	}
	for k, v := range extra {
		data[k] = v
	}
	return s.render(c, "users", data)
}

func (s *Server) userInvite(c *fiber.Ctx) error {
	org, err := formInt(c, "org_id")
	if err != nil {
		return err
	}
	_, token, err := s.partners.Invite(c.UserContext(), *actorOf(c), partners.InviteInput{Email: c.FormValue("email"), Name: c.FormValue("name"), Role: c.FormValue("role"), Org: org})
	return s.inviteAnswer(c, token, err)
}

// inviteAnswer shows the users page with a new invite link, or with what refused
// it (a bad address, a taken one, an organization without email domains).
func (s *Server) inviteAnswer(c *fiber.Ctx, token string, err error) error {
	if err != nil {
		if k := apperr.KindOf(err); k == apperr.Invalid || k == apperr.Conflict || k == apperr.Forbidden {
			c.Status(statusOf(k))
			return s.usersPageWith(c, fiber.Map{"Error": errText(c, err)})
		}
		return err
	}
	return s.usersPageWith(c, fiber.Map{"InviteLink": s.inviteURL(c, token)})
}

func (s *Server) inviteURL(c *fiber.Ctx, token string) string {
	base := s.cfg.BaseURL
	if base == "" {
		base = c.BaseURL()
	}
	return strings.TrimRight(base, "/") + "/invite/" + token
}

func (s *Server) userUpdate(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	in := partners.UserUpdate{Role: optional(c, "role"), Status: optional(c, "status")}
	u, err := s.partners.UpdateUser(c.UserContext(), *actorOf(c), id, in)
	if err != nil {
		if k := apperr.KindOf(err); k == apperr.Invalid || k == apperr.Conflict {
			c.Status(statusOf(k))
			return s.usersPageWith(c, fiber.Map{"Error": errText(c, err)})
		}
		return err
	}
	if len(u.APIKeysMade) > 0 {
		// The keys the user made outlive the deactivation: say so, with the keys.
		return s.usersPageWith(c, fiber.Map{"Deactivated": u})
	}
	return seeOther(c, "/users?ok=flash.saved")
}

func (s *Server) inviteResend(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	_, token, err := s.partners.ResendInvite(c.UserContext(), *actorOf(c), id)
	return s.inviteAnswer(c, token, err)
}

func (s *Server) inviteCancel(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := s.partners.CancelInvite(c.UserContext(), *actorOf(c), id); err != nil {
		if k := apperr.KindOf(err); k == apperr.Conflict {
			c.Status(statusOf(k))
			return s.usersPageWith(c, fiber.Map{"Error": errText(c, err)})
		}
		return err
	}
	if next := c.FormValue("next"); next != "" {
		// Cancelled from an organization's page: back there.
		return seeOther(c, safeNext(next)+"?ok=flash.invite_cancelled")
	}
	return seeOther(c, "/users?ok=flash.invite_cancelled")
}

// userPages registers the users pages.
func (s *Server) userPages(p addPage) {
	p("GET", "/users", partners.Admin, s.usersPage)
	p("POST", "/users", partners.Admin, s.userInvite)
	p("GET", "/users/:id/deactivate", partners.Admin, s.userDeactivateConfirm)
	p("POST", "/users/:id", partners.Admin, s.userUpdate)
	p("POST", "/users/:id/invite/resend", partners.Admin, s.inviteResend)
	p("POST", "/users/:id/invite/cancel", partners.Admin, s.inviteCancel)
}

// userDeactivateConfirm asks before a user is deactivated.
func (s *Server) userDeactivateConfirm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	u, err := s.partners.User(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	tr := translator(lang(c))
	return s.confirm(c, confirmation{Title: tr("confirm.user_deactivate", "Name", u.Name), Consequence: tr("confirm.user_deactivate_then", "Name", u.Name),
		Button: tr("users.deactivate"), Cancel: "/users", Action: "/users/" + c.Params("id"), Hidden: map[string]string{"status": "deactivated"}})
}
