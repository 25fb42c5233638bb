package web

import (
	"cmp"
	"strconv"
	"strings"

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
	p("GET", "/accounts/:id/contacts.csv", partners.Viewer, s.contactsExport)
	p("POST", "/accounts/:id", partners.Sales, s.accountUpdateForm)
	p("GET", "/accounts/:id/archive", partners.Sales, s.accountArchiveConfirm)
	p("POST", "/accounts/:id/archive", partners.Sales, s.accountArchiveForm(true))
	p("POST", "/accounts/:id/restore", partners.Sales, s.accountArchiveForm(false))
	p("GET", "/accounts/:id/merge", partners.Manager, s.accountMergePage)
	p("POST", "/accounts/:id/merge", partners.Manager, s.accountMerge)
	p("POST", "/accounts/:id/contacts", partners.Sales, s.contactCreateForm)
	p("POST", "/accounts/:id/shares", partners.Sales, s.shareForm)
	p("GET", "/accounts/:id/shares/:org_id/delete", partners.Sales, s.unshareConfirm)
	p("POST", "/accounts/:id/shares/:org_id/delete", partners.Sales, s.unshareForm)
}

// The accounts pages' forms (docs/PORTAL.md).
var (
	accountFields = []fieldSpec{
		{Name: "name", Label: "orgs.name", Required: true, Max: 200},
		{Name: "domains", Label: "accounts.domains", Hint: "form.hint_list"},
		{Name: "region", Label: "org.region", Max: 60},
		{Name: "industry", Label: "accounts.industry", Max: 80},
		{Name: "city", Label: "accounts.city"},
		{Name: "country", Label: "accounts.country", Max: 2},
		{Name: "cnpj", Label: "accounts.cnpj"},
		{Name: "duns", Label: "accounts.duns"},
		{Name: "tags", Label: "accounts.tags", Hint: "form.hint_list"},
	}
	accountNewForm  = newForm("account-new", accountFields...)
	accountEditForm = newForm("account-edit", accountFields...)
	contactNewForm  = newForm("contact-new",
		fieldSpec{Name: "name", Label: "orgs.name", Required: true, Max: 200},
		fieldSpec{Name: "title", Label: "accounts.title_field", Max: 120},
		fieldSpec{Name: "emails", Label: "login.email", Hint: "form.hint_list"},
		fieldSpec{Name: "phones", Label: "accounts.phones", Hint: "form.hint_list"},
		fieldSpec{Name: "best_time", Label: "accounts.best_time", Max: 120})
	shareNewForm = newForm("share-new",
		fieldSpec{Name: "org_id", Label: "accounts.share_with", Type: "select"},
		fieldSpec{Name: "access", Label: "accounts.access", Type: "select", OptionPrefix: "access."})
	accountMergeForm = newForm("account-merge", fieldSpec{Name: "merged_id", Label: "accounts.merge_pick", Type: "select", Required: true})
)

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

// accountSorts are the accounts list's sortable columns: name (A to Z first)
// and updated (newest first).
var accountSorts = map[string]bool{"name": false, "updated": true}

// accountListParams are the accounts list's filters and search.
var accountListParams = []string{"q", "owner", "region", "industry", "tag", "archived", "shared_with", "shared_by", "owner_user_id"}

// accountsTable reads the accounts list's table state and filter: the region
// and industry filters match every spelling present of the chosen value,
// without regard to case.
func (s *Server) accountsTable(c *fiber.Ctx) (*table, accounts.Filter, fiber.Map, error) {
	t := newTable(c, "/accounts", accountSorts, "name", accountListParams...)
	t.Export = "/accounts/export.csv"
	f, err := accountFilter(c)
	if err != nil {
		return nil, f, nil, err
	}
	f.Sort, f.Limit = t.Sort, t.Limit
	ch, err := s.accounts.Choices(c.UserContext(), *actorOf(c))
	if err != nil {
		return nil, f, nil, err
	}
	regions, rs := choicesOf(ch.Regions, f.Region)
	industries, is := choicesOf(ch.Industries, f.Industry)
	if len(rs) > 0 {
		f.RegionIn = rs
	}
	if len(is) > 0 {
		f.IndustryIn = is
	}
	return t, f, fiber.Map{"Regions": regions, "Industries": industries}, nil
}

func (s *Server) accountsPageWith(c *fiber.Ctx, extra fiber.Map) error {
	t, f, data, err := s.accountsTable(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	page, err := s.accounts.Page(c.UserContext(), *a, f)
	if err != nil {
		return err
	}
	// A first page that holds the whole list is its own total: no count (for a
	// search, that is a second run of the search function).
	total, more := len(page.Accounts), false
	if f.Cursor != "" || page.Next != "" {
		if total, more, err = s.accounts.Count(c.UserContext(), *a, f); err != nil {
			return err
		}
	}
	t.Next, t.Prev, t.Shown = page.Next, page.Prev, len(page.Accounts)
	t.Total, t.More = total, more
	if f.Cursor == "" {
		t.From = 1
	}
	data["Accounts"], data["F"], data["Table"] = page.Accounts, f, t
	data["Cursor"] = f.Cursor
	data["CanCreate"] = a.Role.AtLeast(partners.Sales)
	data["CreateHref"], data["ImportHref"] = "", ""
	if a.Role.AtLeast(partners.Sales) {
		data["CreateHref"], data["ImportHref"] = "#account-new", "/accounts/import"
	}
	for k, v := range extra {
		data[k] = v
	}
	return s.render(c, "accounts", data)
}

func (s *Server) accountCreateForm(c *fiber.Ctx) error {
	acc, err := s.accounts.Create(c.UserContext(), *actorOf(c), accountForm(c))
	if err != nil {
		return s.rejected(c, accountNewForm, "/accounts", err)
	}
	return s.done(c, accountPath(acc.ID), translator(lang(c))("flash.account_created", "Name", acc.Name))
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
	if apperr.Is(err, apperr.NotFound) {
		// A merged-away account's address leads to the account it became.
		if to, merr := s.accounts.MergedInto(ctx, *a, id); merr == nil {
			return seeOther(c, accountPath(to))
		}
	}
	if err != nil {
		return err
	}
	ct, contacts, err := s.contactsTable(c, id)
	if err != nil {
		return err
	}
	if contacts, err = memPage(ct, c, contacts, func(x accounts.Contact) int64 { return x.ID }); err != nil {
		return err
	}
	data := fiber.Map{"A": acc, "Contacts": contacts, "ContactsTable": ct, "ContactsCursor": c.Query(ct.Cursor), "IsOwner": acc.OwnerOrg == a.Org,
		"ContactsArchived": c.Query("archived") == "true"}
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
	if err := s.timeline(ctx, *a, "account", id, acc.OwnerOrg, acc.WriterOrgs, data); err != nil {
		return err
	}
	if s.forums != nil {
		// The account's discussion space, when one the caller sees exists.
		sp, err := s.forums.RecordSpace(ctx, *a, "account", id)
		if err != nil {
			return err
		}
		data["ForumSpace"] = sp
	}
	for k, v := range extra {
		data[k] = v
	}
	return s.render(c, "account", data)
}

// contactSorts are the sortable columns of an account's contacts: name (A to
// Z first) and updated (newest first).
var (
	contactSorts  = map[string]bool{"name": false, "updated": true}
	contactOrders = map[string]func(a, b accounts.Contact) int{
		"name": func(a, b accounts.Contact) int {
			if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		},
		"updated": func(a, b accounts.Contact) int {
			if c := b.UpdatedAt.Compare(a.UpdatedAt); c != 0 {
				return c
			}
			return cmp.Compare(b.ID, a.ID)
		},
	}
)

// contactsTable reads the table state of an account's contacts (on the
// account's page: its cursor parameter is "contacts") and returns them in its
// order, the archived ones when asked. An account's contacts are read whole:
// they are the people of one customer.
func (s *Server) contactsTable(c *fiber.Ctx, account int64) (*table, []accounts.Contact, error) {
	path := accountPath(account)
	t := newTable(c, path, contactSorts, "name", "archived")
	t.Cursor = "contacts"
	t.Export = path + "/contacts.csv"
	list, err := s.accounts.Contacts(c.UserContext(), *actorOf(c), account, c.Query("archived") == "true")
	if err != nil {
		return nil, nil, err
	}
	sortRows(t, list, contactOrders)
	return t, list, nil
}

// contactsExport is an account's contacts as CSV, exactly as its page shows
// them: every page in the order shown, or with page=1 the page of the cursor.
func (s *Server) contactsExport(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	t, list, err := s.contactsTable(c, id)
	if err != nil {
		return err
	}
	onePage, err := queryBool(c, "page")
	if err != nil {
		return err
	}
	if onePage {
		if list, err = memPage(t, c, list, func(x accounts.Contact) int64 { return x.ID }); err != nil {
			return err
		}
	}
	tr := translator(lang(c))
	rows := [][]string{{tr("orgs.name"), tr("accounts.title_field"), tr("login.email"), tr("accounts.phones"), tr("accounts.best_time")}}
	for _, x := range list {
		rows = append(rows, []string{x.Name, x.Title, strings.Join(x.Emails, " "), strings.Join(x.Phones, " "), x.BestTime})
	}
	return sendCSV(c, "contacts", rows)
}

func (s *Server) accountUpdateForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	acc, err := s.accounts.Update(c.UserContext(), *actorOf(c), id, accountForm(c))
	if err != nil {
		return s.accountRejected(c, accountEditForm, id, accountPath(id), err)
	}
	return s.done(c, accountPath(id), translator(lang(c))("flash.account_saved", "Name", acc.Name))
}

func (s *Server) accountArchiveForm(archived bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c)
		if err != nil {
			return err
		}
		acc, err := s.accounts.SetArchived(c.UserContext(), *actorOf(c), id, archived)
		if err != nil {
			return err
		}
		msg := "flash.account_restored"
		if archived {
			msg = "flash.account_archived"
		}
		return s.done(c, accountPath(id), translator(lang(c))(msg, "Name", acc.Name))
	}
}

// accountArchiveConfirm asks before archiving.
func (s *Server) accountArchiveConfirm(c *fiber.Ctx) error {
	id, acc, err := s.pathAccount(c)
	if err != nil {
		return err
	}
	tr := translator(lang(c))
	return s.confirm(c, confirmation{Title: tr("confirm.account_archive", "Name", acc.Name), Consequence: tr("confirm.account_archive_then"),
		Button: tr("accounts.archive"), Cancel: accountPath(id)})
}

// accountMergePage picks the account to merge in by name (a search among the
// organization's own accounts, then a choice), then asks, naming both.
func (s *Server) accountMergePage(c *fiber.Ctx) error {
	id, acc, err := s.pathAccount(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	ctx := c.UserContext()
	merged, err := queryInt(c, "merged_id")
	if err != nil {
		return err
	}
	tr := translator(lang(c))
	if merged != 0 {
		other, err := s.accounts.Get(ctx, *a, merged)
		if err != nil {
			return err
		}
		return s.confirm(c, confirmation{Title: tr("confirm.account_merge", "Name", other.Name, "Into", acc.Name),
			Consequence: tr("confirm.account_merge_then", "Name", other.Name, "Into", acc.Name),
			Button:      tr("accounts.merge"), Cancel: accountPath(id), Hidden: map[string]string{"merged_id": strconv.FormatInt(merged, 10)}})
	}
	q := c.Query("q")
	list, _, err := s.accounts.List(ctx, *a, accounts.Filter{Owner: "mine", Query: q, Limit: pageSize})
	if err != nil {
		return err
	}
	var ids []string
	names := map[string]string{}
	for _, x := range list {
		if x.ID != id {
			ids = append(ids, strconv.FormatInt(x.ID, 10))
			names[strconv.FormatInt(x.ID, 10)] = x.Name
		}
	}
	return s.render(c, "merge", fiber.Map{"A": acc, "Q": q, "IDs": ids, "Names": names})
}

func (s *Server) accountMerge(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	merged, err := formInt(c, "merged_id")
	if err != nil {
		return s.accountRejected(c, accountMergeForm, id, c.Path(), err)
	}
	a := actorOf(c)
	var name string
	if other, err := s.accounts.Get(c.UserContext(), *a, merged); err == nil {
		name = other.Name
	}
	acc, err := s.accounts.Merge(c.UserContext(), *a, id, merged)
	if err != nil {
		return s.accountRejected(c, accountMergeForm, id, c.Path(), err)
	}
	return s.done(c, accountPath(id), translator(lang(c))("flash.account_merged", "Name", name, "Into", acc.Name))
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
	ct, err := s.accounts.CreateContact(c.UserContext(), *actorOf(c), in)
	if err != nil {
		return s.accountRejected(c, contactNewForm, id, accountPath(id), err)
	}
	return s.done(c, accountPath(id), translator(lang(c))("flash.contact_created", "Name", ct.Name))
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
		return s.accountRejected(c, shareNewForm, id, accountPath(id), err)
	}
	return seeOther(c, accountPath(id)+"?ok=flash.shared")
}

// unshareConfirm asks before a share ends, naming the organization.
func (s *Server) unshareConfirm(c *fiber.Ctx) error {
	id, acc, err := s.pathAccount(c)
	if err != nil {
		return err
	}
	org, err := strconv.ParseInt(c.Params("org_id"), 10, 64)
	if err != nil || org <= 0 {
		return apperr.Field("org_id", "is not a valid id")
	}
	a := actorOf(c)
	// The organization's name, whoever asks (the directory is the network's);
	// the POST checks that the caller may end the share and that it exists.
	o, err := s.partners.Organization(c.UserContext(), *a, org)
	if err != nil {
		return err
	}
	tr := translator(lang(c))
	return s.confirm(c, confirmation{Title: tr("confirm.unshare", "Name", acc.Name, "Org", o.Name),
		Consequence: tr("confirm.unshare_then", "Org", o.Name), Button: tr("accounts.unshare"), Cancel: accountPath(id)})
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

// accountRejected is rejected for a form about account id: an account the
// caller cannot see answers as one that does not exist, whatever the form's
// fault, so a rejection reveals nothing.
func (s *Server) accountRejected(c *fiber.Ctx, spec *formSpec, id int64, back string, err error) error {
	if k := apperr.KindOf(err); k == apperr.Invalid || k == apperr.Conflict {
		if _, gerr := s.accounts.Get(c.UserContext(), *actorOf(c), id); gerr != nil {
			return gerr
		}
	}
	return s.rejected(c, spec, back, err)
}

// pathAccount is the account the path's :id names, as the caller sees it.
// Errors: Invalid (a bad id), NotFound.
func (s *Server) pathAccount(c *fiber.Ctx) (int64, *accounts.Account, error) {
	id, err := paramID(c)
	if err != nil {
		return 0, nil, err
	}
	acc, err := s.accounts.Get(c.UserContext(), *actorOf(c), id)
	return id, acc, err
}

func accountPath(id int64) string { return "/accounts/" + strconv.FormatInt(id, 10) }
