package web

import (
	"strconv"
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

// userInviteForm invites a person into the caller's organization (the vendor's
// admins choose the organization); orgInviteForm does it from an organization's
// page.
var (
	userInviteForm = newForm("user-invite",
		fieldSpec{Name: "name", Label: "users.name", Required: true, Max: 200},
		fieldSpec{Name: "email", Label: "login.email", Type: "email", Required: true, Max: 254},
		fieldSpec{Name: "role", Label: "users.role", Type: "select", OptionPrefix: "role."},
		fieldSpec{Name: "org_id", Label: "users.org", Type: "select"})
	orgInviteForm = newForm("org-invite",
		fieldSpec{Name: "name", Label: "users.name", Required: true, Max: 200},
		fieldSpec{Name: "email", Label: "login.email", Type: "email", Required: true, Max: 254},
		fieldSpec{Name: "role", Label: "users.role", Type: "select", OptionPrefix: "role."})
	userEditForm = newForm("user-edit",
		fieldSpec{Name: "role", Label: "users.role", Type: "select", OptionPrefix: "role."},
		fieldSpec{Name: "status", Label: "users.status", Type: "select", OptionPrefix: "status."})
)

func (s *Server) userInvite(c *fiber.Ctx) error {
	org, err := formInt(c, "org_id")
	if err != nil {
		return s.rejected(c, userInviteForm, "/users", err)
	}
	u, token, err := s.partners.Invite(c.UserContext(), *actorOf(c), partners.InviteInput{Email: c.FormValue("email"), Name: c.FormValue("name"), Role: c.FormValue("role"), Org: org})
	if err != nil {
		return s.rejected(c, userInviteForm, "/users", err)
	}
	return s.invited(c, "/users", "flash.invited_user", u, token, s.usersPageWith)
}

// invited answers a new invite link: 303 to back, whose page shows the link
// once (the session's one-time message carries it), so neither a reload nor
// going back shows it again or sends another invitation. Without a session (an
// API key calling the portal) the page is rendered in place by page.
func (s *Server) invited(c *fiber.Ctx, back, notice string, u *partners.User, token string, page func(*fiber.Ctx, fiber.Map) error) error {
	msg := translator(lang(c))(notice, "Name", u.Email)
	link := s.inviteURL(c, token)
	kept, err := s.keepFlash(c, flash{Notice: msg, Secret: link})
	if err != nil {
		return err
	}
	if !kept {
		return page(c, fiber.Map{"Secret": link, "Flash": msg})
	}
	return seeOther(c, back)
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
			// Say nothing of a user the caller may not see.
			if _, gerr := s.partners.User(c.UserContext(), *actorOf(c), id); gerr != nil {
				return gerr
			}
		}
		return s.rejected(c, userEditForm.row(id), "/users", err)
	}
	tr := translator(lang(c))
	if in.Status != nil && *in.Status == "deactivated" {
		if len(u.APIKeysMade) > 0 {
			// The keys the user made outlive the deactivation: show them.
			return s.done(c, "/api-keys?created_by="+strconv.FormatInt(u.ID, 10), tr("flash.user_deactivated_keys", "Name", u.Name))
		}
		return s.done(c, "/users", tr("flash.user_deactivated", "Name", u.Name))
	}
	if in.Status != nil && *in.Status == "active" && in.Role == nil {
		return s.done(c, "/users", tr("flash.user_reactivated", "Name", u.Name))
	}
	return s.done(c, "/users", tr("flash.user_saved", "Name", u.Name))
}

// inviteBack is where a pending invitation's pages lead back to: the
// organization's page it was managed from, else the users page.
func inviteBack(c *fiber.Ctx) string {
	if next := c.Query("next", c.FormValue("next")); next != "" {
		return safeNext(next)
	}
	return "/users"
}

// inviteResendConfirm asks before a new link replaces a pending one, naming the
// address.
func (s *Server) inviteResendConfirm(c *fiber.Ctx) error {
	return s.inviteConfirm(c, "confirm.invite_resend", "confirm.invite_resend_then", "users.resend_invite")
}

// inviteCancelConfirm asks before a pending invitation is withdrawn.
func (s *Server) inviteCancelConfirm(c *fiber.Ctx) error {
	return s.inviteConfirm(c, "confirm.invite_cancel", "confirm.invite_cancel_then", "users.cancel_invite")
}

func (s *Server) inviteConfirm(c *fiber.Ctx, title, then, button string) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	u, err := s.partners.InvitedUser(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	tr := translator(lang(c))
	back := inviteBack(c)
	return s.confirm(c, confirmation{Title: tr(title, "Name", u.Email), Consequence: tr(then, "Name", u.Email),
		Button: tr(button), Cancel: back, Hidden: map[string]string{"next": back}})
}

func (s *Server) inviteResend(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	u, token, err := s.partners.ResendInvite(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return s.rejected(c, confirmForm, inviteBack(c), err)
	}
	return s.invited(c, inviteBack(c), "flash.invite_resent", u, token, s.usersPageWith)
}

func (s *Server) inviteCancel(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	u, err := s.partners.InvitedUser(c.UserContext(), *a, id)
	if err == nil {
		err = s.partners.CancelInvite(c.UserContext(), *a, id)
	}
	if err != nil {
		return s.rejected(c, confirmForm, inviteBack(c), err)
	}
	return s.done(c, inviteBack(c), translator(lang(c))("flash.invite_cancelled_to", "Name", u.Email))
}

// userPages registers the users pages.
func (s *Server) userPages(p addPage) {
	p("GET", "/users", partners.Admin, s.usersPage)
	p("POST", "/users", partners.Admin, s.userInvite)
	p("GET", "/users/:id/deactivate", partners.Admin, s.userDeactivateConfirm)
	p("POST", "/users/:id", partners.Admin, s.userUpdate)
	p("POST", "/users/:id/invite/resend", partners.Admin, s.inviteResend)
	p("POST", "/users/:id/invite/cancel", partners.Admin, s.inviteCancel)
	p("GET", "/users/:id/invite/resend", partners.Admin, s.inviteResendConfirm)
	p("GET", "/users/:id/invite/cancel", partners.Admin, s.inviteCancelConfirm)
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
