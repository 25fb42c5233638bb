package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

func (s *Server) usersPage(c *fiber.Ctx) error { return s.usersPageWith(c, nil) }

// userSorts are the users list's sortable columns: name (A to Z first) and
// created (newest first).
var userSorts = map[string]bool{"name": false, "created": true}

// userListParams are the users list's search and filters.
var userListParams = []string{"q", "role", "status"}

// usersTable reads the users list's table state and its filter: role and
// status are choices among the values present in the organization.
func (s *Server) usersTable(c *fiber.Ctx) (*table, partners.UserList, fiber.Map, error) {
	t := newTable(c, "/users", userSorts, "name", userListParams...)
	t.Export = "/users/export.csv"
	f := partners.UserList{Query: c.Query("q"), Sort: t.Sort, Cursor: c.Query("cursor"), Limit: t.Limit}
	ch, err := s.partners.UserListChoices(c.UserContext(), *actorOf(c), 0)
	if err != nil {
		return nil, f, nil, err
	}
	roles, rs := choicesOf(ch.Roles, c.Query("role"))
	statuses, ss := choicesOf(ch.Statuses, c.Query("status"))
	f.Roles, f.Statuses = rs, ss
	if c.Query("role") != "" && len(rs) == 0 {
		// A role no user has: nothing matches (the filter stays set).
		f.Roles = []string{strings.ToLower(c.Query("role"))}
	}
	if c.Query("status") != "" && len(ss) == 0 {
		f.Statuses = []string{strings.ToLower(c.Query("status"))}
	}
	return t, f, fiber.Map{"RoleChoices": roles, "StatusChoices": statuses}, nil
}

func (s *Server) usersPageWith(c *fiber.Ctx, extra fiber.Map) error {
	a := actorOf(c)
	ctx := c.UserContext()
	t, f, data, err := s.usersTable(c)
	if err != nil {
		return err
	}
	page, err := s.partners.ListUsers(ctx, *a, f)
	if err != nil {
		return err
	}
	if t.Total, err = s.partners.CountUsers(ctx, *a, f); err != nil {
		return err
	}
	t.Next, t.Prev, t.Shown = page.Next, page.Prev, len(page.Users)
	if f.Cursor == "" {
		t.From = 1
	}
	data["Roles"], data["Users"], data["Table"], data["Cursor"], data["Q"] = partners.Roles, page.Users, t, f.Cursor, f.Query
	if a.VendorOrg {
		orgs, err := s.partners.Organizations(ctx, *a, partners.OrganizationFilter{Status: "active", Limit: 200})
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

// usersExport is the users list as CSV, exactly as shown: every page of its
// filters, search and order, or with page=1 the page of the cursor only.
func (s *Server) usersExport(c *fiber.Ctx) error {
	a := actorOf(c)
	ctx := c.UserContext()
	_, f, _, err := s.usersTable(c)
	if err != nil {
		return err
	}
	onePage, err := queryBool(c, "page")
	if err != nil {
		return err
	}
	if onePage {
		if f.Limit, err = limitParam(c); err != nil {
			return err
		}
	} else {
		f.Limit, f.Cursor = 200, ""
	}
	tr := translator(lang(c))
	rows := [][]string{{tr("users.name"), tr("login.email"), tr("users.role"), tr("users.status"), tr("users.last_login"), tr("users.created")}}
	for {
		page, err := s.partners.ListUsers(ctx, *a, f)
		if err != nil {
			return err
		}
		for _, u := range page.Users {
			last := ""
			if u.LastLoginAt != nil {
				last = u.LastLoginAt.UTC().Format(time.RFC3339)
			}
			rows = append(rows, []string{u.Name, u.Email, tr("role." + string(u.Role)), tr("status." + u.Status), last, u.CreatedAt.UTC().Format(time.RFC3339)})
		}
		if onePage || page.Next == "" || len(rows) > exportCap {
			break
		}
		f.Cursor = page.Next
	}
	return sendCSV(c, "users", rows)
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
	p("GET", "/users/export.csv", partners.Admin, s.usersExport)
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
