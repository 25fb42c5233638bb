package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

// orgPage shows one organization. Its people, pending invitations included, are
// listed for the vendor's admins and managers (who onboard partners) and for the
// organization's own admins; the vendor invites from here: its admins anyone, its
// managers the first admin of an organization that has none.
func (s *Server) orgPage(c *fiber.Ctx) error { return s.orgPageWith(c, nil) }

func (s *Server) orgPageWith(c *fiber.Ctx, extra fiber.Map) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	org, err := s.partners.Organization(c.UserContext(), *a, id)
	if err != nil {
		return err
	}
	vendor := a.Scope().Vendor
	data := fiber.Map{"Org": org, "Roles": partners.Roles}
	if vendor || a.Org == id && a.Role == partners.Admin {
		users, err := s.partners.Users(c.UserContext(), *a, partners.UserFilter{Org: id, Limit: 200})
		if err != nil {
			return err
		}
		data["Users"] = users
		data["ManagesInvites"] = a.Role == partners.Admin && (vendor || a.Org == id)
		hasAdmin := false
		for _, u := range users {
			hasAdmin = hasAdmin || u.Role == partners.Admin && u.Status == "active"
		}
		data["CanInvite"] = vendor && id != a.Org && (a.Role == partners.Admin || !hasAdmin)
		data["FirstAdminOnly"] = a.Role != partners.Admin
	}
	for k, v := range extra {
		data[k] = v
	}
	return s.render(c, "organization", data)
}

// orgInvite invites a person into the organization of the page: the vendor's
// admins invite anyone, its managers the organization's first admin. Inviting a
// pending address again sends a new link.
func (s *Server) orgInvite(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	if err := a.RequireVendor(partners.Manager); err != nil {
		return err
	}
	u, token, err := s.partners.Invite(c.UserContext(), *a, partners.InviteInput{Email: c.FormValue("email"), Name: c.FormValue("name"), Role: c.FormValue("role"), Org: id})
	back := "/organizations/" + strconv.FormatInt(id, 10)
	if err != nil {
		if k := apperr.KindOf(err); k == apperr.Invalid || k == apperr.Conflict {
			// Say nothing of an organization the caller may not see.
			if _, gerr := s.partners.Organization(c.UserContext(), *a, id); gerr != nil {
				return gerr
			}
		}
		return s.rejected(c, orgInviteForm, back, err)
	}
	return s.invited(c, back, "flash.invited_user", u, token, s.orgPageWith)
}

// orgReinviteConfirm asks the vendor's manager before a new invite link
// replaces the pending one of an organization's first admin (the old link
// stops working), naming the address; its form posts the invitation again to
// the organization's page.
func (s *Server) orgReinviteConfirm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	if err := a.RequireVendor(partners.Manager); err != nil {
		return err
	}
	u, err := s.partners.User(c.UserContext(), *a, id)
	if err != nil {
		return err
	}
	if u.Status != "invited" {
		return apperr.E(apperr.Conflict, "User %d has accepted the invitation already: deactivate the user instead.", id)
	}
	tr := translator(lang(c))
	back := "/organizations/" + strconv.FormatInt(u.Org, 10)
	return s.confirm(c, confirmation{Title: tr("confirm.invite_resend", "Name", u.Email), Consequence: tr("confirm.invite_resend_then", "Name", u.Email),
		Button: tr("users.resend_invite"), Cancel: back, Action: back + "/users",
		Hidden: map[string]string{"email": u.Email, "name": u.Name, "role": string(u.Role)}})
}

// organizationPage registers an organization's own page.
func (s *Server) organizationPage(p addPage) {
	p("GET", "/organizations/:id", partners.Viewer, s.orgPage)
	p("POST", "/organizations/:id/users", partners.Manager, s.orgInvite)
	p("GET", "/users/:id/invite/renew", partners.Manager, s.orgReinviteConfirm)
}
