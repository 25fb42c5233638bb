package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

// contactPages registers a contact's page: view, edit, archive and restore, and
// the way to its account. A contact is written under its account's rule.
func (s *Server) contactPages(p addPage) {
	p("GET", "/contacts/:id", partners.Viewer, s.contactPage)
	p("POST", "/contacts/:id", partners.Sales, s.contactUpdateForm)
	p("GET", "/contacts/:id/archive", partners.Sales, s.contactArchiveConfirm)
	p("POST", "/contacts/:id/archive", partners.Sales, s.contactArchiveForm(true))
	p("POST", "/contacts/:id/restore", partners.Sales, s.contactArchiveForm(false))
}

func (s *Server) contactPage(c *fiber.Ctx) error { return s.contactPageWith(c, nil) }

func (s *Server) contactPageWith(c *fiber.Ctx, extra fiber.Map) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	ct, err := s.accounts.Contact(c.UserContext(), *a, id)
	if err != nil {
		return err
	}
	data := fiber.Map{"C": ct}
	// The account decides who may change its contacts.
	acc, err := s.accounts.Get(c.UserContext(), *a, ct.Account)
	switch {
	case err == nil:
		data["A"] = acc
		data["CanWrite"] = acc.CanWrite && a.Role.AtLeast(partners.Sales)
	case !apperr.Is(err, apperr.NotFound):
		return err
	}
	if acc, ok := data["A"].(*accounts.Account); ok {
		if err := s.timeline(c.UserContext(), *a, "contact", id, acc.OwnerOrg, acc.WriterOrgs, data); err != nil {
			return err
		}
	}
	for k, v := range extra {
		data[k] = v
	}
	return s.render(c, "contact", data)
}

func (s *Server) contactUpdateForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	in := accounts.ContactInput{Name: formValue(c, "name"), Title: formValue(c, "title"), BestTime: formValue(c, "best_time")}
	if v := formValue(c, "emails"); v != nil {
		in.Emails = list(*v)
	}
	if v := formValue(c, "phones"); v != nil {
		in.Phones = list(*v)
	}
	a := actorOf(c)
	back := "/contacts/" + strconv.FormatInt(id, 10)
	ct, err := s.accounts.UpdateContact(c.UserContext(), *a, id, in)
	if err != nil {
		if k := apperr.KindOf(err); k == apperr.Invalid || k == apperr.Conflict {
			// Say nothing of a contact the caller may not see.
			if _, gerr := s.accounts.Contact(c.UserContext(), *a, id); gerr != nil {
				return gerr
			}
		}
		return s.rejected(c, contactEditForm, back, err)
	}
	return s.done(c, back, translator(lang(c))("flash.contact_saved", "Name", ct.Name))
}

// contactEditForm changes a contact on its page.
var contactEditForm = newForm("contact-edit",
	fieldSpec{Name: "name", Label: "orgs.name", Required: true, Max: 200},
	fieldSpec{Name: "title", Label: "accounts.title_field", Max: 120},
	fieldSpec{Name: "emails", Label: "login.email", Hint: "form.hint_list"},
	fieldSpec{Name: "phones", Label: "accounts.phones", Hint: "form.hint_list"},
	fieldSpec{Name: "best_time", Label: "accounts.best_time", Max: 120})

// contactArchiveConfirm asks before archiving a contact.
func (s *Server) contactArchiveConfirm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	ct, err := s.accounts.Contact(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	tr := translator(lang(c))
	return s.confirm(c, confirmation{Title: tr("confirm.contact_archive", "Name", ct.Name), Consequence: tr("confirm.contact_archive_then"),
		Button: tr("contact.archive"), Cancel: "/contacts/" + strconv.FormatInt(id, 10)})
}

func (s *Server) contactArchiveForm(archived bool) fiber.Handler {
	flash := "flash.contact_archived"
	if !archived {
		flash = "flash.contact_restored"
	}
	return func(c *fiber.Ctx) error {
		id, err := paramID(c)
		if err != nil {
			return err
		}
		if _, err := s.accounts.SetContactArchived(c.UserContext(), *actorOf(c), id, archived); err != nil {
			return err
		}
		return seeOther(c, "/contacts/"+strconv.FormatInt(id, 10)+"?ok="+flash)
	}
}
