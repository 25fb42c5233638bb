package web

import (
	"context"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

// accountRoutes are the API routes of accounts, contacts, partnerships, sharing,
// mapping and explain (issue: accounts and partner sharing).
func (s *Server) accountRoutes() []route {
	return []route{
		{Method: "GET", Path: "/accounts", Role: partners.Viewer, Summary: "List the accounts you may see (yours and those shared with you)", Tag: "accounts", Reply: "Account", List: true,
			Query: []string{"owner", "owner_user_id", "region", "industry", "tag", "shared_with", "shared_by", "q", "archived", "sort"}, handler: s.apiAccounts},
		{Method: "POST", Path: "/accounts", Role: partners.Sales, Summary: "Create an account; a matching key of another of your accounts is a 409 naming it", Tag: "accounts", Request: "AccountInput", Reply: "Account", Status: 201, handler: s.apiAccountCreate},
		{Method: "GET", Path: "/accounts/:id", Role: partners.Viewer, Summary: "Get an account", Tag: "accounts", Reply: "Account", handler: byID(s.accounts.Get)},
		{Method: "PATCH", Path: "/accounts/:id", Role: partners.Sales, Summary: "Change an account", Tag: "accounts", Request: "AccountInput", Reply: "Account", handler: patchByID(s.accounts.Update)},
		{Method: "POST", Path: "/accounts/:id/archive", Role: partners.Sales, Summary: "Archive an account", Tag: "accounts", Reply: "Account", handler: byID(func(ctx context.Context, a partners.Actor, id int64) (*accounts.Account, error) {
			return s.accounts.SetArchived(ctx, a, id, true)
		})},
		{Method: "POST", Path: "/accounts/:id/restore", Role: partners.Sales, Summary: "Restore an archived account", Tag: "accounts", Reply: "Account", handler: byID(func(ctx context.Context, a partners.Actor, id int64) (*accounts.Account, error) {
			return s.accounts.SetArchived(ctx, a, id, false)
		})},
		{Method: "POST", Path: "/accounts/:id/merge", Role: partners.Manager, Summary: "Merge another account of yours into this one", Tag: "accounts", Request: "MergeInput", Reply: "Account", handler: s.apiAccountMerge},
		{Method: "GET", Path: "/accounts/:id/contacts", Role: partners.Viewer, Summary: "The account's contacts", Tag: "contacts", Reply: "Contact", List: true, Query: []string{"archived"}, handler: s.apiAccountContacts},
		{Method: "GET", Path: "/accounts/:id/shares", Role: partners.Viewer, Summary: "Who the account is shared with", Tag: "sharing", Reply: "Share", List: true, handler: s.apiShares},
		{Method: "POST", Path: "/accounts/:id/shares", Role: partners.Sales, Summary: "Share the account (and its contacts) with a partner organization", Tag: "sharing", Request: "ShareInput", Reply: "Share", Status: 201, handler: s.apiShare},
		{Method: "DELETE", Path: "/accounts/:id/shares/:org_id", Role: partners.Sales, Summary: "Stop sharing the account with an organization", Tag: "sharing", Status: 204, handler: s.apiUnshare},
		{Method: "POST", Path: "/contacts", Role: partners.Sales, Summary: "Create a contact on an account you may change", Tag: "contacts", Request: "ContactInput", Reply: "Contact", Status: 201, handler: s.apiContactCreate},
		{Method: "GET", Path: "/contacts/:id", Role: partners.Viewer, Summary: "Get a contact", Tag: "contacts", Reply: "Contact", handler: byID(s.accounts.Contact)},
		{Method: "PATCH", Path: "/contacts/:id", Role: partners.Sales, Summary: "Change a contact", Tag: "contacts", Request: "ContactInput", Reply: "Contact", handler: patchByID(s.accounts.UpdateContact)},
		{Method: "POST", Path: "/contacts/:id/archive", Role: partners.Sales, Summary: "Archive a contact", Tag: "contacts", Reply: "Contact", handler: byID(func(ctx context.Context, a partners.Actor, id int64) (*accounts.Contact, error) {
			return s.accounts.SetContactArchived(ctx, a, id, true)
		})},
		{Method: "POST", Path: "/contacts/:id/restore", Role: partners.Sales, Summary: "Restore a contact", Tag: "contacts", Reply: "Contact", handler: byID(func(ctx context.Context, a partners.Actor, id int64) (*accounts.Contact, error) {
			return s.accounts.SetContactArchived(ctx, a, id, false)
		})},
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
		{Method: "GET", Path: "/access/explain", Role: partners.Viewer, Summary: "Why a user can or cannot see a record (record=account:ID, user=ID)", Tag: "access", Reply: "Explanation", Query: []string{"record", "user"}, handler: s.apiExplain},
	}
}

func queryBool(c *fiber.Ctx, name string) (bool, error) {
	switch c.Query(name) {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, apperr.Field(name, "must be true or false")
}

func accountFilter(c *fiber.Ctx) (accounts.Filter, error) {
	f := accounts.Filter{Owner: c.Query("owner"), Region: c.Query("region"), Industry: c.Query("industry"), Tag: c.Query("tag"),
		Query: c.Query("q"), Sort: c.Query("sort"), Cursor: c.Query("cursor")}
	var err error
	if f.OwnerUser, err = queryInt(c, "owner_user_id"); err != nil {
		return f, err
	}
	if f.SharedWith, err = queryInt(c, "shared_with"); err != nil {
		return f, err
	}
	if f.SharedBy, err = queryInt(c, "shared_by"); err != nil {
		return f, err
	}
	if f.Archived, err = queryBool(c, "archived"); err != nil {
		return f, err
	}
	return f, nil
}

func (s *Server) apiAccounts(c *fiber.Ctx) error {
	f, err := accountFilter(c)
	if err != nil {
		return err
	}
	if f.Limit, err = limitParam(c); err != nil {
		return err
	}
	list, next, err := s.accounts.List(c.UserContext(), *actorOf(c), f)
	if err != nil {
		return err
	}
	if list == nil {
		list = []accounts.Account{}
	}
	return c.JSON(page{Data: list, NextCursor: next})
}

func (s *Server) apiAccountCreate(c *fiber.Ctx) error {
	var in accounts.Input
	if err := decode(c, &in); err != nil {
		return err
	}
	acc, err := s.accounts.Create(c.UserContext(), *actorOf(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(acc)
}

func (s *Server) apiAccountMerge(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	var in struct {
		Merged int64 `json:"merged_id"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.Merged <= 0 {
		return apperr.Field("merged_id", "is required")
	}
	acc, err := s.accounts.Merge(c.UserContext(), *actorOf(c), id, in.Merged)
	if err != nil {
		return err
	}
	return c.JSON(acc)
}

func (s *Server) apiAccountContacts(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := onePage(c); err != nil {
		return err
	}
	archived, err := queryBool(c, "archived")
	if err != nil {
		return err
	}
	list, err := s.accounts.Contacts(c.UserContext(), *actorOf(c), id, archived)
	if err != nil {
		return err
	}
	return c.JSON(page{Data: list})
}

func (s *Server) apiShares(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := onePage(c); err != nil {
		return err
	}
	if _, err := s.accounts.Get(c.UserContext(), *actorOf(c), id); err != nil {
		return err
	}
	list, err := s.partners.Shares(c.UserContext(), *actorOf(c), "account", id)
	if err != nil {
		return err
	}
	if list == nil {
		list = []partners.Share{}
	}
	return c.JSON(page{Data: list})
}

func (s *Server) apiShare(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	var in struct {
		Org    int64  `json:"org_id"`
		Access string `json:"access"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.Org <= 0 {
		return apperr.Field("org_id", "is required")
	}
	if in.Access == "" {
		in.Access = "read"
	}
	sh, err := s.partners.ShareRecord(c.UserContext(), *actorOf(c), "account", id, in.Org, in.Access)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(sh)
}

func (s *Server) apiUnshare(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	org, err := strconv.ParseInt(c.Params("org_id"), 10, 64)
	if err != nil || org <= 0 {
		return apperr.Field("org_id", "%q is not a valid id", c.Params("org_id"))
	}
	if err := s.partners.UnshareRecord(c.UserContext(), *actorOf(c), "account", id, org); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) apiContactCreate(c *fiber.Ctx) error {
	var in accounts.ContactInput
	if err := decode(c, &in); err != nil {
		return err
	}
	ct, err := s.accounts.CreateContact(c.UserContext(), *actorOf(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(ct)
}

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

func (s *Server) apiExplain(c *fiber.Ctx) error {
	rec := c.Query("record")
	kind, idText, ok := strings.Cut(rec, ":")
	if !ok || kind != "account" {
		return apperr.Field("record", "must name a record as account:ID")
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		return apperr.Field("record", "%q is not a valid account id", idText)
	}
	user, err := queryInt(c, "user")
	if err != nil {
		return err
	}
	e, err := s.accounts.Explain(c.UserContext(), *actorOf(c), id, user)
	if err != nil {
		return err
	}
	return c.JSON(e)
}

// byID answers a request for one record: the :id parameter, the operation, its JSON.
func byID[T any](op func(ctx context.Context, a partners.Actor, id int64) (T, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c)
		if err != nil {
			return err
		}
		v, err := op(c.UserContext(), *actorOf(c), id)
		if err != nil {
			return err
		}
		return c.JSON(v)
	}
}

// patchByID answers a change to one record: the :id parameter, the strictly decoded
// JSON body, the operation, its JSON.
func patchByID[I, T any](op func(ctx context.Context, a partners.Actor, id int64, in I) (T, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c)
		if err != nil {
			return err
		}
		var in I
		if err := decode(c, &in); err != nil {
			return err
		}
		v, err := op(c.UserContext(), *actorOf(c), id, in)
		if err != nil {
			return err
		}
		return c.JSON(v)
	}
}
