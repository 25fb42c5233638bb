package web

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

// accountPages registers the accounts pages.
func (s *Server) accountPages(p addPage) {
	p("GET", "/accounts", partners.Viewer, s.accountsPage)
	p("GET", "/accounts/export.csv", partners.Viewer, s.accountsExport)
	p("POST", "/accounts", partners.Sales, s.accountCreateForm)
	p("GET", "/accounts/:id", partners.Viewer, s.accountPage)
	p("POST", "/accounts/:id", partners.Sales, s.accountUpdateForm)
	p("POST", "/accounts/:id/archive", partners.Sales, s.accountArchiveForm(true))
	p("POST", "/accounts/:id/restore", partners.Sales, s.accountArchiveForm(false))
	p("POST", "/accounts/:id/merge", partners.Manager, s.accountMergeForm)
	p("POST", "/accounts/:id/contacts", partners.Sales, s.contactCreateForm)
	p("POST", "/accounts/:id/shares", partners.Sales, s.shareForm)
	p("POST", "/accounts/:id/shares/:org_id/delete", partners.Sales, s.unshareForm)
}

func accountForm(c *fiber.Ctx) accounts.Input {
	in := accounts.Input{Name: formValue(c, "name"), Region: formValue(c, "region"), Industry: formValue(c, "industry"),
		City: formValue(c, "city"), Country: formValue(c, "country"), CNPJ: formValue(c, "cnpj"), DUNS: formValue(c, "duns")}
	if v := formValue(c, "domains"); v != nil {
		in.Domains = list(*v)
	}
	if v := formValue(c, "tags"); v != nil {
		in.Tags = list(*v)
	}
	return in
}

func (s *Server) accountsPage(c *fiber.Ctx) error { return s.accountsPageWith(c, nil) }

func (s *Server) accountsPageWith(c *fiber.Ctx, extra fiber.Map) error {
	f, err := accountFilter(c)
	if err != nil {
		return err
	}
	f.Limit = pageSize
	list, next, err := s.accounts.List(c.UserContext(), *actorOf(c), f)
	if err != nil {
		return err
	}
	q := url.Values{}
	for _, k := range []string{"q", "owner", "region", "industry", "tag", "archived", "shared_with", "shared_by", "sort"} {
		if v := c.Query(k); v != "" {
			q.Set(k, v)
		}
	}
	data := fiber.Map{"Accounts": list, "Next": next, "F": f, "Query": q.Encode(), "CanCreate": actorOf(c).Role.AtLeast(partners.Sales)}
	for k, v := range extra {
		data[k] = v
	}
	return s.render(c, "accounts", data)
}

func (s *Server) accountCreateForm(c *fiber.Ctx) error {
	acc, err := s.accounts.Create(c.UserContext(), *actorOf(c), accountForm(c))
	if err != nil {
		if m, ok := formError(c, err); ok {
			return s.accountsPageWith(c, m)
		}
		return err
	}
	return seeOther(c, "/accounts/"+strconv.FormatInt(acc.ID, 10)+"?ok=flash.saved")
}

func (s *Server) accountPage(c *fiber.Ctx) error { return s.accountPageWith(c, nil) }

func (s *Server) accountPageWith(c *fiber.Ctx, extra fiber.Map) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	ctx := c.UserContext()
	acc, err := s.accounts.Get(ctx, *a, id)
	if err != nil {
		return err
	}
	contacts, err := s.accounts.Contacts(ctx, *a, id, false)
	if err != nil {
		return err
	}
	data := fiber.Map{"A": acc, "Contacts": contacts, "IsOwner": acc.OwnerOrg == a.Org}
	if a.User != 0 {
		e, err := s.partners.Explain(ctx, *a, "account", id, 0)
		if err != nil {
			return err
		}
		data["Explain"] = e
	} else {
		data["Explain"] = &partners.Explanation{CanRead: true, CanWrite: acc.CanWrite}
	}
	if acc.OwnerOrg == a.Org {
		shares, err := s.partners.Shares(ctx, *a, "account", id)
		if err != nil {
			return err
		}
		ps, err := s.partners.Partnerships(ctx, *a, "active")
		if err != nil {
			return err
		}
		data["Shares"], data["Partners"] = shares, ps
		data["CanShare"] = a.Role.AtLeast(partners.Manager) || acc.CanWrite
		data["CanMerge"] = a.Role.AtLeast(partners.Manager)
	}
	for k, v := range extra {
		data[k] = v
	}
	return s.render(c, "account", data)
}

func (s *Server) accountUpdateForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if _, err := s.accounts.Update(c.UserContext(), *actorOf(c), id, accountForm(c)); err != nil {
		if m, ok := formError(c, err); ok {
			return s.accountPageWith(c, m)
		}
		return err
	}
	return seeOther(c, c.Path()+"?ok=flash.saved")
}

func (s *Server) accountArchiveForm(archived bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c)
		if err != nil {
			return err
		}
		if _, err := s.accounts.SetArchived(c.UserContext(), *actorOf(c), id, archived); err != nil {
			return err
		}
		return seeOther(c, "/accounts/"+strconv.FormatInt(id, 10)+"?ok=flash.saved")
	}
}

func (s *Server) accountMergeForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	merged, err := formInt(c, "merged_id")
	if err != nil {
		return err
	}
	if _, err := s.accounts.Merge(c.UserContext(), *actorOf(c), id, merged); err != nil {
		if m, ok := formError(c, err); ok {
			return s.accountPageWith(c, m)
		}
		return err
	}
	return seeOther(c, "/accounts/"+strconv.FormatInt(id, 10)+"?ok=flash.merged")
}

func (s *Server) contactCreateForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	in := accounts.ContactInput{Account: &id, Name: formValue(c, "name"), Title: formValue(c, "title"), BestTime: formValue(c, "best_time")}
	if v := formValue(c, "emails"); v != nil {
		in.Emails = list(*v)
	}
	if v := formValue(c, "phones"); v != nil {
		in.Phones = list(*v)
	}
	if _, err := s.accounts.CreateContact(c.UserContext(), *actorOf(c), in); err != nil {
		if m, ok := formError(c, err); ok {
			return s.accountPageWith(c, m)
		}
		return err
	}
	return seeOther(c, "/accounts/"+strconv.FormatInt(id, 10)+"?ok=flash.saved")
}

func (s *Server) shareForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	org, err := formInt(c, "org_id")
	if err != nil {
		return err
	}
	if _, err := s.partners.ShareRecord(c.UserContext(), *actorOf(c), "account", id, org, c.FormValue("access")); err != nil {
		if m, ok := formError(c, err); ok {
			return s.accountPageWith(c, m)
		}
		return err
	}
	return seeOther(c, "/accounts/"+strconv.FormatInt(id, 10)+"?ok=flash.shared")
}

func (s *Server) unshareForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	org, err := strconv.ParseInt(c.Params("org_id"), 10, 64)
	if err != nil {
		return apperr.Field("org_id", "is not a valid id")
	}
	if err := s.partners.UnshareRecord(c.UserContext(), *actorOf(c), "account", id, org); err != nil {
		return err
	}
	return seeOther(c, "/accounts/"+strconv.FormatInt(id, 10)+"?ok=flash.unshared")
}
