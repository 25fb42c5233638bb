package web

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/exchange/mail/imapsync"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

// mailboxPages are the organization admin's mailbox settings (issue 18, item
// 2): the mailboxes with their sync state, add and change (the password is
// write-only), a connection test, "sync now", and removal after a confirmation.
func (s *Server) mailboxPages(p addPage) {
	p("GET", "/settings/mailboxes", partners.Admin, s.mailboxesPage)
	p("POST", "/settings/mailboxes", partners.Admin, s.mailboxCreateForm)
	p("GET", "/settings/mailboxes/:id", partners.Admin, s.mailboxPage)
	p("POST", "/settings/mailboxes/:id", partners.Admin, s.mailboxUpdateForm)
	p("POST", "/settings/mailboxes/:id/test", partners.Admin, s.mailboxTestForm)
	p("POST", "/settings/mailboxes/:id/sync", partners.Admin, s.mailboxSyncForm)
	p("GET", "/settings/mailboxes/:id/delete", partners.Admin, s.mailboxDeleteConfirm)
	p("POST", "/settings/mailboxes/:id/delete", partners.Admin, s.mailboxDeleteForm)
}

func mailboxFields() []fieldSpec {
	return []fieldSpec{
		{Name: "name", Label: "mail.name", Required: true, Max: 120},
		{Name: "host", Label: "mail.host", Required: true, Max: 253},
		{Name: "port", Label: "mail.port", Type: "number", Hint: "mail.port_hint"},
		{Name: "tls_mode", Label: "mail.tls_mode", Type: "select", OptionPrefix: "mail.tls."},
		{Name: "username", Label: "mail.username", Required: true, Max: 254, Autocomplete: "off"},
		{Name: "password", Label: "mail.password", Type: "password", Max: 1000, Autocomplete: "new-password"},
		{Name: "folders", Label: "mail.folders", Hint: "form.hint_list"},
		{Name: "start_date", Label: "mail.start_date", Hint: "mail.start_date_hint", Max: 10},
		{Name: "sync_minutes", Label: "mail.sync_minutes", Type: "number", Hint: "mail.sync_minutes_hint"},
		{Name: "capture", Label: "mail.capture", Type: "select", OptionPrefix: "mail.capture.", Hint: "mail.capture_hint"},
	}
}

var (
	mailboxNewForm  = newForm("mailbox-new", mailboxFields()...)
	mailboxEditForm = newForm("mailbox-edit", append(mailboxFields(),
		fieldSpec{Name: "enabled", Label: "mail.enabled", Type: "select", OptionPrefix: "mail.enabled."})...)
	mailboxTLSModes = []string{"tls", "starttls", "plain"}
	mailboxCapture  = []string{"false", "true"}
)

func mailboxPath(id int64) string { return "/settings/mailboxes/" + strconv.FormatInt(id, 10) }

func (s *Server) mailboxesPage(c *fiber.Ctx) error {
	list, err := s.mail.Mailboxes(c.UserContext(), *actorOf(c), 0, 100)
	if err != nil {
		return err
	}
	return s.render(c, "mailboxes", fiber.Map{"Mailboxes": list, "TLSModes": mailboxTLSModes, "CaptureChoices": mailboxCapture})
}

// mailboxInput reads the form: an empty password keeps the stored one, an
// empty field on the edit form keeps its value.
func mailboxInput(c *fiber.Ctx, create bool) (imapsync.Input, error) {
	var in imapsync.Input
	text := func(name string) *string {
		v := formValue(c, name)
		if v == nil || (!create && strings.TrimSpace(*v) == "") {
			return nil
		}
		return v
	}
	in.Name, in.Host, in.TLSMode, in.Username, in.StartDate = text("name"), text("host"), text("tls_mode"), text("username"), text("start_date")
	if v := c.FormValue("password"); v != "" {
		in.Password = &v
	}
	if v := strings.TrimSpace(c.FormValue("port")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return in, apperr.Field("port", "must be between 1 and 65535")
		}
		in.Port = &n
	}
	if v := strings.TrimSpace(c.FormValue("folders")); v != "" {
		in.Folders = list(v)
	}
	switch c.FormValue("enabled") {
	case "true", "false":
		on := c.FormValue("enabled") == "true"
		in.Enabled = &on
	}
	if v := strings.TrimSpace(c.FormValue("sync_minutes")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return in, apperr.Field("sync_minutes", "must be between 1 and 1440 (a day)")
		}
		in.SyncMinutes = &n
	}
	switch c.FormValue("capture") {
	case "true", "false":
		on := c.FormValue("capture") == "true"
		in.Capture = &on
	}
	return in, nil
}

func (s *Server) mailboxCreateForm(c *fiber.Ctx) error {
	in, err := mailboxInput(c, true)
	if err == nil {
		var m *imapsync.Mailbox
		if m, err = s.mail.CreateMailbox(c.UserContext(), *actorOf(c), in); err == nil {
			return s.done(c, mailboxPath(m.ID), translator(lang(c))("flash.mailbox_created", "Name", m.Name))
		}
	}
	return s.rejected(c, mailboxNewForm, "/settings/mailboxes#mailbox-new", err)
}

func (s *Server) mailboxPage(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	m, err := s.mail.Mailbox(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	return s.render(c, "mailbox", fiber.Map{"M": m, "TLSModes": mailboxTLSModes, "Folders": strings.Join(m.Folders, ", "),
		"Enabled": strconv.FormatBool(m.Enabled), "EnabledChoices": []string{"true", "false"},
		"Capture": strconv.FormatBool(m.Capture), "CaptureChoices": mailboxCapture})
}

func (s *Server) mailboxUpdateForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	in, err := mailboxInput(c, false)
	if err == nil {
		var m *imapsync.Mailbox
		if m, err = s.mail.UpdateMailbox(c.UserContext(), *a, id, in); err == nil {
			return s.done(c, mailboxPath(id), translator(lang(c))("flash.mailbox_saved", "Name", m.Name))
		}
	}
	// A rejection tells nothing about a mailbox the caller may not see.
	if _, gerr := s.mail.Mailbox(c.UserContext(), *a, id); gerr != nil {
		return gerr
	}
	return s.rejected(c, mailboxEditForm, mailboxPath(id), err)
}

func (s *Server) mailboxTestForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	m, err := s.mail.Mailbox(c.UserContext(), *a, id)
	if err != nil {
		return err
	}
	chk, err := s.mail.TestConnection(c.UserContext(), *a, id)
	if err != nil {
		return err
	}
	tr := translator(lang(c))
	if !chk.OK {
		return s.done(c, mailboxPath(id), tr("flash.mailbox_test_failed", "Name", m.Name, "Error", chk.Error))
	}
	names := make([]string, 0, len(chk.Folders))
	for f := range chk.Folders {
		names = append(names, f)
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, f := range names {
		parts = append(parts, fmt.Sprintf("%s (%d)", f, chk.Folders[f]))
	}
	return s.done(c, mailboxPath(id), tr("flash.mailbox_test_ok", "Name", m.Name, "Folders", strings.Join(parts, ", ")))
}

func (s *Server) mailboxSyncForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	m, err := s.mail.Mailbox(c.UserContext(), *a, id)
	if err != nil {
		return err
	}
	if _, err := s.mail.SyncLater(c.UserContext(), *a, id); err != nil {
		return s.rejected(c, confirmForm, mailboxPath(id), err)
	}
	return s.done(c, mailboxPath(id), translator(lang(c))("flash.mailbox_sync_queued", "Name", m.Name))
}

func (s *Server) mailboxDeleteConfirm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	m, err := s.mail.Mailbox(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	tr := translator(lang(c))
	return s.confirm(c, confirmation{Title: tr("confirm.mailbox_delete", "Name", m.Name),
		Consequence: tr("confirm.mailbox_delete_then"), Button: tr("mail.delete"), Cancel: mailboxPath(id)})
}

func (s *Server) mailboxDeleteForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	m, err := s.mail.Mailbox(c.UserContext(), *a, id)
	if err != nil {
		return err
	}
	if err := s.mail.DeleteMailbox(c.UserContext(), *a, id); err != nil {
		return s.rejected(c, confirmForm, mailboxPath(id), err)
	}
	return s.done(c, "/settings/mailboxes", translator(lang(c))("flash.mailbox_deleted", "Name", m.Name))
}
