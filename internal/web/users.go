package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/partners"
)

func (s *Server) apiUsers(c *fiber.Ctx) error {
	org, err := queryInt(c, "org_id")
	if err != nil {
		return err
	}
	return paged(c, func(u partners.User) int64 { return u.ID }, func(after int64, limit int) ([]partners.User, error) {
		return s.partners.Users(c.UserContext(), *actorOf(c), partners.UserFilter{Org: org, Status: c.Query("status"), After: after, Limit: limit})
	})
}

func (s *Server) apiInvite(c *fiber.Ctx) error {
	var in partners.InviteInput
	if err := decode(c, &in); err != nil {
		return err
	}
	u, token, err := s.partners.Invite(c.UserContext(), *actorOf(c), in)
	if err != nil {
		return err
	}
	// A replay of this request answers with the user, not the invite link.
	if b, err := jsonMarshal(fiber.Map{"user": u}); err == nil {
		c.Locals(replayBodyKey, b)
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"user": u, "invite_url": s.inviteURL(c, token)})
}

func (s *Server) apiInviteResend(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	u, token, err := s.partners.ResendInvite(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"user": u, "invite_url": s.inviteURL(c, token)})
}

func (s *Server) apiInviteCancel(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := s.partners.CancelInvite(c.UserContext(), *actorOf(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// userAPI is the users part of the API route table.
func (s *Server) userAPI() []route {
	return []route{
		{Method: "GET", Path: "/users", Role: partners.Viewer, Summary: "List users of your organization", Tag: "users", Reply: "User", List: true, Query: []string{"status", "org_id"}, handler: s.apiUsers},
		{Method: "POST", Path: "/users", Role: partners.Admin, Summary: "Invite a user; the reply holds the invite link, shown once", Tag: "users", Request: "InviteInput", Reply: "Invited", Status: 201, handler: s.apiInvite},
		{Method: "GET", Path: "/users/:id", Role: partners.Viewer, Summary: "Get a user", Tag: "users", Reply: "User", handler: byID(s.partners.User)},
		{Method: "PATCH", Path: "/users/:id", Role: partners.Viewer, Summary: "Change a user's role or status (admins) or your own locale", Tag: "users", Request: "UserUpdate", Reply: "User", handler: patchByID(s.partners.UpdateUser)},
		{Method: "POST", Path: "/users/:id/invite", Role: partners.Admin, Summary: "Send a pending invitation again: a new link, the old one stops working", Tag: "users", Reply: "Invited", handler: s.apiInviteResend},
		{Method: "DELETE", Path: "/users/:id/invite", Role: partners.Admin, Summary: "Cancel a pending invitation: its link stops working and the invited user is removed", Tag: "users", Status: 204, handler: s.apiInviteCancel},
	}
}
