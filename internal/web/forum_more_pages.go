package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/forums"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

// forumMorePages are the forums' portal pages of session 8 (issue 20): a new
// space with the scopes the user may choose, editing a space, a private
// space's members (invite, remove with a confirmation), attaching files to a
// post and downloading them, the forum email setting, and the public page a
// digest's link opens to stop forum email.
func (s *Server) forumMorePages(p addPage) {
	p("GET", "/forums/settings", partners.Viewer, s.forumSettingsPage)
	p("POST", "/forums/settings", partners.Viewer, s.forumSettingsForm)
	p("GET", "/forums/unsubscribe/:token", "", s.forumUnsubscribePage)
	p("POST", "/forums/unsubscribe/:token", "", s.forumUnsubscribeForm)
	p("GET", "/forums/new-space", partners.Sales, s.forumNewSpacePage)
	p("POST", "/forums/new-space", partners.Sales, s.forumNewSpaceForm)
	p("GET", "/forums/attachments/:id", partners.Viewer, s.forumDownload)
	p("GET", "/forums/spaces/:id/edit", partners.Manager, s.forumSpaceEditPage)
	p("POST", "/forums/spaces/:id/edit", partners.Manager, s.forumSpaceEditForm)
	p("GET", "/forums/spaces/:id/members", partners.Viewer, s.forumMembersPage)
	p("POST", "/forums/spaces/:id/members", partners.Manager, s.forumInviteForm)
	p("GET", "/forums/spaces/:id/remove-member", partners.Manager, s.forumRemoveMemberConfirm)
	p("POST", "/forums/spaces/:id/remove-member", partners.Manager, s.forumRemoveMemberForm)
	p("POST", "/forums/posts/:id/attachments", partners.Sales, s.forumAttachForm)
}

var (
	forumMailForm = newForm("forum-mail",
		fieldSpec{Name: "mode", Label: "forums.mail_mode", Type: "select", OptionPrefix: "forums.mail_mode.", Required: true})
	forumSpaceNewForm = newForm("forum-space-new",
		fieldSpec{Name: "scope", Label: "forums.scope", Type: "select", OptionPrefix: "forums.scope.", Required: true, Hint: "forums.scope_hint"},
		fieldSpec{Name: "name", Label: "forums.space_name", Required: true, Max: 120},
		fieldSpec{Name: "description", Label: "forums.description", Type: "textarea", Max: 2000},
		fieldSpec{Name: "kind", Label: "forums.kind", Type: "select", OptionPrefix: "forums.kind."},
		fieldSpec{Name: "value", Label: "forums.scope_value", Hint: "forums.scope_value_hint", Max: 40},
		fieldSpec{Name: "partnership_id", Label: "forums.partnership_id", Type: "number"},
		fieldSpec{Name: "record_type", Label: "forums.record_type", Hint: "forums.record_type_hint", Max: 40},
		fieldSpec{Name: "record_id", Label: "forums.record_id", Type: "number"},
		fieldSpec{Name: "members", Label: "forums.members_ids", Hint: "forums.members_hint", Max: 2000})
	forumSpaceEditForm = newForm("forum-space-edit",
		fieldSpec{Name: "name", Label: "forums.space_name", Required: true, Max: 120},
		fieldSpec{Name: "description", Label: "forums.description", Type: "textarea", Max: 2000},
		fieldSpec{Name: "kind", Label: "forums.kind", Type: "select", OptionPrefix: "forums.kind."})
	forumInviteForm = newForm("forum-invite",
		fieldSpec{Name: "members", Label: "forums.members_ids", Hint: "forums.members_hint", Required: true, Max: 2000})
	forumAttachSpec = newForm("forum-attach",
		fieldSpec{Name: "file", Label: "forums.attach_file", Type: "file", Hint: "forums.attach_hint"})
)

var mailModes = []string{forums.MailEach, forums.MailDigest, forums.MailOff}
var spaceKinds = []string{"discussion", "qa"}

func (s *Server) forumSettingsPage(c *fiber.Ctx) error {
	p, err := s.forums.MailPrefOf(c.UserContext(), *actorOf(c))
	if err != nil {
		return err
	}
	return s.render(c, "forumsettings", fiber.Map{"Pref": p, "Modes": mailModes})
}

func (s *Server) forumSettingsForm(c *fiber.Ctx) error {
	p, err := s.forums.SetMailPref(c.UserContext(), *actorOf(c), c.FormValue("mode"))
	if err != nil {
		return s.rejected(c, forumMailForm, "/forums/settings", err)
	}
	tr := translator(lang(c))
	return s.done(c, "/forums/settings", tr("flash.forum_mail_saved", "Name", tr("forums.mail_mode."+p.Mode)))
}

// forumUnsubscribePage is what a digest's link opens, signed in or not: it
// names the address and asks to confirm (a mail scanner following the link
// changes nothing).
func (s *Server) forumUnsubscribePage(c *fiber.Ctx) error {
	u, err := s.forums.CheckUnsubscribe(c.UserContext(), c.Params("token"))
	if err != nil {
		return err
	}
	return s.render(c, "forumunsubscribe", fiber.Map{"Email": u.Email, "Token": c.Params("token")})
}

func (s *Server) forumUnsubscribeForm(c *fiber.Ctx) error {
	token := c.Params("token")
	if _, err := s.forums.Unsubscribe(c.UserContext(), token); err != nil {
		return err
	}
	return seeOther(c, "/forums/unsubscribe/"+urlQueryEscape(token)+"?ok=flash.forum_unsubscribed")
}

// allowedScopes are the scopes a space may be made with by a: the vendor's
// managers all of them; another organization's managers partnership, record
// and private spaces; sales users record and private spaces.
func allowedScopes(a *partners.Actor) []string {
	var out []string
	if a.VendorOrg && a.Role.AtLeast(partners.Manager) {
		out = append(out, forums.ScopeNetwork, forums.ScopeTier, forums.ScopeKind)
	}
	if a.Role.AtLeast(partners.Manager) {
		out = append(out, forums.ScopePartnership)
	}
	out = append(out, forums.ScopeRecord)
	if a.User != 0 {
		out = append(out, forums.ScopePrivate)
	}
	return out
}

func (s *Server) forumNewSpacePage(c *fiber.Ctx) error {
	a := actorOf(c)
	return s.render(c, "forumspacenew", fiber.Map{"Scopes": allowedScopes(a), "Kinds": spaceKinds, "RecordTypes": strings.Join(partners.ShareableTypes(), ", ")})
}

// idList reads a list of ids typed as "12, 15 31".
func idList(field, v string) ([]int64, error) {
	var out []int64
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == ';' || r == '\n' || r == '\r' || r == '\t' }) {
		n, err := strconv.ParseInt(part, 10, 64)
		if err != nil || n <= 0 {
			return nil, apperr.Field(field, "%q is not a user id: list ids separated by commas", part)
		}
		out = append(out, n)
	}
	return out, nil
}

func (s *Server) forumNewSpaceForm(c *fiber.Ctx) error {
	in := forums.SpaceInput{Scope: c.FormValue("scope"), Name: c.FormValue("name"), Description: c.FormValue("description"),
		QA: c.FormValue("kind") == "qa", Value: strings.TrimSpace(c.FormValue("value")), RecordType: strings.TrimSpace(c.FormValue("record_type"))}
	var err error
	for name, dst := range map[string]*int64{"partnership_id": &in.PartnershipID, "record_id": &in.RecordID} {
		if v := strings.TrimSpace(c.FormValue(name)); v != "" {
			if *dst, err = wholeNumber(name, v); err != nil {
				return s.rejected(c, forumSpaceNewForm, "/forums/new-space", err)
			}
		}
	}
	if in.Members, err = idList("members", c.FormValue("members")); err != nil {
		return s.rejected(c, forumSpaceNewForm, "/forums/new-space", err)
	}
	sp, err := s.forums.CreateSpace(c.UserContext(), *actorOf(c), in)
	if err != nil {
		return s.rejected(c, forumSpaceNewForm, "/forums/new-space", err)
	}
	return s.done(c, spaceHref(sp.ID), translator(lang(c))("flash.forum_space_created", "Name", sp.Name))
}

// moderatedSpace reads a space the caller sees and moderates: NotFound when
// they do not see it, Forbidden when they do not moderate it.
func (s *Server) moderatedSpace(c *fiber.Ctx, id int64) (*forums.Space, error) {
	sp, err := s.forums.Space(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return nil, err
	}
	if !sp.Moderator {
		return nil, apperr.E(apperr.Forbidden, "This needs a moderator of the space: a manager or admin of the organization that owns it.")
	}
	return sp, nil
}

func spaceKind(sp *forums.Space) string {
	if sp.QA {
		return "qa"
	}
	return "discussion"
}

func (s *Server) forumSpaceEditPage(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	sp, err := s.moderatedSpace(c, id)
	if err != nil {
		return err
	}
	return s.render(c, "forumspaceedit", fiber.Map{"Space": sp, "Kind": spaceKind(sp), "Kinds": spaceKinds})
}

func (s *Server) forumSpaceEditForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	name, desc := c.FormValue("name"), c.FormValue("description")
	in := forums.SpaceUpdate{Name: &name, Description: &desc}
	if k := c.FormValue("kind"); k != "" {
		qa := k == "qa"
		in.QA = &qa
	}
	sp, err := s.forums.UpdateSpace(c.UserContext(), *actorOf(c), id, in)
	if err != nil {
		if k := apperr.KindOf(err); k == apperr.Invalid || k == apperr.Conflict {
			if _, serr := s.moderatedSpace(c, id); serr != nil {
				return serr
			}
		}
		return s.rejected(c, forumSpaceEditForm, spaceHref(id)+"/edit", err)
	}
	return s.done(c, spaceHref(id), translator(lang(c))("flash.forum_space_saved", "Name", sp.Name))
}

func (s *Server) forumMembersPage(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	sp, err := s.forums.Space(c.UserContext(), *a, id)
	if err != nil {
		return err
	}
	data := fiber.Map{"Space": sp, "Private": sp.Scope == forums.ScopePrivate}
	if sp.Scope == forums.ScopePrivate {
		members, err := s.forums.Members(c.UserContext(), *a, id)
		if err != nil {
			return err
		}
		data["Members"] = members
	}
	return s.render(c, "forummembers", data)
}

func (s *Server) forumInviteForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	back := spaceHref(id) + "/members"
	if _, err := s.moderatedSpace(c, id); err != nil {
		return err
	}
	users, err := idList("members", c.FormValue("members"))
	if err != nil {
		return s.rejected(c, forumInviteForm, back, err)
	}
	sp, err := s.forums.Invite(c.UserContext(), *actorOf(c), id, users)
	if err != nil {
		return s.rejected(c, forumInviteForm, back, err)
	}
	return s.done(c, back, translator(lang(c))("flash.forum_invited", "Name", sp.Name))
}

// memberParam reads the user_id of a removal (the query on the confirmation
// page, the form on the post).
func memberParam(v string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n <= 0 {
		return 0, apperr.Field("user_id", "name the member to remove by their user id")
	}
	return n, nil
}

func (s *Server) forumRemoveMemberConfirm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	sp, err := s.moderatedSpace(c, id)
	if err != nil {
		return err
	}
	user, err := memberParam(c.Query("user_id"))
	if err != nil {
		return err
	}
	name := "#" + strconv.FormatInt(user, 10)
	if sp.Scope == forums.ScopePrivate {
		members, err := s.forums.Members(c.UserContext(), *actorOf(c), id)
		if err != nil {
			return err
		}
		found := false
		for _, m := range members {
			if m.UserID == user {
				found = true
				if m.Name != "" {
					name = m.Name
				}
			}
		}
		if !found {
			return apperr.E(apperr.NotFound, "User %d is not a member of space %d.", user, id)
		}
	}
	tr := translator(lang(c))
	return s.confirm(c, confirmation{Title: tr("confirm.forum_member_remove", "Name", name, "Space", sp.Name),
		Consequence: tr("confirm.forum_member_remove_then"), Button: tr("forums.remove_member"), Cancel: spaceHref(id) + "/members",
		Hidden: map[string]string{"user_id": strconv.FormatInt(user, 10)}})
}

func (s *Server) forumRemoveMemberForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	back := spaceHref(id) + "/members"
	if _, err := s.moderatedSpace(c, id); err != nil {
		return err
	}
	user, err := memberParam(c.FormValue("user_id"))
	if err != nil {
		return s.rejected(c, confirmForm, back, err)
	}
	sp, err := s.forums.RemoveMember(c.UserContext(), *actorOf(c), id, user)
	if err != nil {
		return s.rejected(c, confirmForm, back, err)
	}
	return s.done(c, back, translator(lang(c))("flash.forum_member_removed", "Name", sp.Name))
}

// forumAttachForm takes a file for a post (a multipart form) and goes back to
// the post.
func (s *Server) forumAttachForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	form := forumAttachSpec.row(id)
	var name string
	var data []byte
	if ct := string(c.Request().Header.ContentType()); strings.HasPrefix(ct, "multipart/form-data") {
		name, data, err = readAttachment(c)
	}
	var at *forums.Attachment
	if err == nil {
		at, err = s.forums.Attach(c.UserContext(), *a, id, name, data)
	}
	if err != nil {
		// A rejection tells nothing about a post the caller may not see.
		t, _, perr := s.forums.PostInThread(c.UserContext(), *a, id)
		if perr != nil {
			return perr
		}
		return s.rejected(c, form, threadHref(t.ID)+"#post-"+strconv.FormatInt(id, 10), err)
	}
	return s.done(c, threadHref(at.ThreadID)+"#post-"+strconv.FormatInt(id, 10), translator(lang(c))("flash.forum_attached", "Name", at.Filename))
}
