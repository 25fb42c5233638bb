package web

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

func (s *Server) apiPartnerships(c *fiber.Ctx) error {
	if err := onePage(c); err != nil {
		return err
	}
	state := c.Query("state")
	if state != "" {
		if err := oneOfField("state", state, []string{"invited", "active", "declined", "revoked"}); err != nil {
			return err
		}
	}
	list, err := s.partners.Partnerships(c.UserContext(), *actorOf(c), state)
	if err != nil {
		return err
	}
	if list == nil {
		list = []partners.Partnership{}
	}
	return c.JSON(page{Data: list})
}

func (s *Server) apiPartnershipInvite(c *fiber.Ctx) error {
	var in struct {
		Org int64 `json:"org_id"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.Org <= 0 {
		return apperr.Field("org_id", "is required")
	}
	p, err := s.partners.InvitePartner(c.UserContext(), *actorOf(c), in.Org)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(p)
}

func (s *Server) apiPolicies(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	mine, theirs, err := s.partners.SharingPolicies(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"mine": mine, "theirs": theirs})
}

func (s *Server) apiMappedAccounts(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	return paged(c, func(m accounts.MappedAccount) int64 { return m.PartnerID }, func(after int64, limit int) ([]accounts.MappedAccount, error) {
		return s.accounts.MappedAccounts(c.UserContext(), *actorOf(c), id, after, limit)
	})
}

// partnershipAPI is the partnerships, sharing policies and account mapping part
// of the API route table.
func (s *Server) partnershipAPI() []route {
	return []route{
		{Method: "GET", Path: "/partnerships", Role: partners.Viewer, Summary: "Your organization's partnerships", Tag: "partnerships", Reply: "Partnership", List: true, Query: []string{"state"}, handler: s.apiPartnerships},
		{Method: "POST", Path: "/partnerships", Role: partners.Manager, Summary: "Invite an organization of the network to partner", Tag: "partnerships", Request: "PartnershipInput", Reply: "Partnership", Status: 201, handler: s.apiPartnershipInvite},
		{Method: "GET", Path: "/partnerships/:id", Role: partners.Viewer, Summary: "Get a partnership", Tag: "partnerships", Reply: "Partnership", handler: byID(s.partners.Partnership)},
		{Method: "POST", Path: "/partnerships/:id/accept", Role: partners.Manager, Summary: "Accept an invitation", Tag: "partnerships", Reply: "Partnership", handler: byID(func(ctx context.Context, a partners.Actor, id int64) (*partners.Partnership, error) {
			return s.partners.RespondPartnership(ctx, a, id, true)
		})},
		{Method: "POST", Path: "/partnerships/:id/decline", Role: partners.Manager, Summary: "Decline an invitation", Tag: "partnerships", Reply: "Partnership", handler: byID(func(ctx context.Context, a partners.Actor, id int64) (*partners.Partnership, error) {
			return s.partners.RespondPartnership(ctx, a, id, false)
		})},
		{Method: "POST", Path: "/partnerships/:id/revoke", Role: partners.Manager, Summary: "End a partnership; what it shared stops at once", Tag: "partnerships", Reply: "Partnership", handler: byID(s.partners.RevokePartnership)},
		{Method: "GET", Path: "/partnerships/:id/policies", Role: partners.Viewer, Summary: "Both directions of the partnership's account sharing", Tag: "sharing", Reply: "Policies", handler: s.apiPolicies},
		{Method: "POST", Path: "/partnerships/:id/policy", Role: partners.Admin, Summary: "Set what your organization lets the partner see of its accounts", Tag: "sharing", Request: "PolicyInput", Reply: "Policy", handler: patchByID(s.partners.SetSharingPolicy)},
		{Method: "GET", Path: "/partnerships/:id/mapping", Role: partners.Viewer, Summary: "Account mapping: overlap counts as the partner's policy allows", Tag: "mapping", Reply: "Mapping", handler: byID(s.accounts.Mapping)},
		{Method: "GET", Path: "/partnerships/:id/mapping/accounts", Role: partners.Viewer, Summary: "The partner's overlapping (and greenfield) accounts with the fields it shares", Tag: "mapping", Reply: "MappedAccount", List: true, handler: s.apiMappedAccounts},
	}
}
