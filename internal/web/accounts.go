package web

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

// accountAPI is the accounts, contacts and sharing part of the API route table.
func (s *Server) accountAPI() []route {
	return []route{
		{Method: "GET", Path: "/accounts/export.csv", Role: partners.Viewer, Summary: "The accounts you may see, as CSV (same filters as the list)", Tag: "accounts", Query: []string{"owner", "region", "industry", "tag", "q", "archived", "sort", "cursor", "limit", "page"}, handler: s.accountsExport},
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
	}
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
	// The page as c.JSON(page{…}) writes it, account by account into one
	// pooled buffer, without reflection.
	bp := pageBuffers.Get().(*[]byte)
	b := append((*bp)[:0], `{"data":[`...)
	for i := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = list[i].AppendJSON(b)
	}
	b = append(b, ']')
	if next != "" {
		b = append(b, `,"next_cursor":`...)
		b = accounts.AppendJSONString(b, next)
	}
	b = append(b, '}')
	c.Response().SetBody(b) // a copy: the buffer goes back to the pool
	c.Response().Header.SetContentType(fiber.MIMEApplicationJSON)
	*bp = b
	pageBuffers.Put(bp)
	return nil
}

// pageBuffers hold encoded pages between requests.
var pageBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

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

func (s *Server) accountsExport(c *fiber.Ctx) error {
	f, err := accountFilter(c)
	if err != nil {
		return err
	}
	a := *actorOf(c)
	onePage, err := queryBool(c, "page")
	if err != nil {
		return err
	}
	if c.Query("region") != "" || c.Query("industry") != "" {
		// The choice filters match as the portal's list does: every spelling
		// present of the value, without regard to case.
		ch, err := s.accounts.Choices(c.UserContext(), a)
		if err != nil {
			return err
		}
		if _, rs := choicesOf(ch.Regions, f.Region); len(rs) > 0 {
			f.RegionIn = rs
		}
		if _, is := choicesOf(ch.Industries, f.Industry); len(is) > 0 {
			f.IndustryIn = is
		}
	}
	if onePage {
		if f.Limit, err = limitParam(c); err != nil {
			return err
		}
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, attachment("accounts-"+time.Now().UTC().Format("20060102")+".csv"))
	if onePage {
		_, err = s.accounts.ExportPage(c.UserContext(), a, f, c.Response().BodyWriter())
		return err
	}
	_, err = s.accounts.Export(c.UserContext(), a, f, c.Response().BodyWriter())
	return err
}
