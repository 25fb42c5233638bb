package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/audit"
	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/internal/notify"
	"github.com/partnerhub/partnerhub/partners"
)

// portalRoutes registers the portal's pages; each states the role it needs.
func (s *Server) portalRoutes() {
	p := func(method, path string, role partners.Role, h fiber.Handler) {
		s.App.Add(method, path, need(role, h))
	}
	p("GET", "/login", "", s.loginPage)
	p("POST", "/login", "", s.loginSubmit)
	p("POST", "/logout", partners.Viewer, s.logout)
	p("GET", "/lang/:code", "", s.setLang)
	p("GET", "/invite/:token", "", s.invitePage)
	p("POST", "/invite/:token", "", s.inviteSubmit)
	p("GET", "/", partners.Viewer, s.dashboard)
	p("GET", "/settings", partners.Viewer, s.settingsPage)
	p("POST", "/settings/password", partners.Viewer, s.changePassword)
	p("POST", "/settings/locale", partners.Viewer, s.changeLocale)
	p("GET", "/organizations", partners.Viewer, s.orgsPage)
	p("POST", "/organizations", partners.Manager, s.orgCreate)
	p("POST", "/organizations/:id", partners.Manager, s.orgUpdate)
	p("GET", "/users", partners.Admin, s.usersPage)
	p("POST", "/users", partners.Admin, s.userInvite)
	p("POST", "/users/:id", partners.Admin, s.userUpdate)
	p("POST", "/users/:id/invite/resend", partners.Admin, s.inviteResend)
	p("POST", "/users/:id/invite/cancel", partners.Admin, s.inviteCancel)
	p("GET", "/api-keys", partners.Admin, s.keysPage)
	p("POST", "/api-keys", partners.Admin, s.keyCreate)
	p("POST", "/api-keys/:id/revoke", partners.Admin, s.keyRevoke)
	p("GET", "/audit", partners.Admin, s.auditPage)
	p("GET", "/notifications", partners.Viewer, s.notificationsPage)
	p("POST", "/notifications/read", partners.Viewer, s.notificationsRead)
	p("GET", "/jobs", partners.Admin, s.jobsPage)
	p("POST", "/jobs/:id/retry", partners.Admin, s.jobRetry)
}

func (s *Server) loginPage(c *fiber.Ctx) error {
	if actorOf(c) != nil {
		return seeOther(c, safeNext(c.Query("next")))
	}
	return s.render(c, "login", fiber.Map{"Next": safeNext(c.Query("next"))})
}

func (s *Server) loginSubmit(c *fiber.Ctx) error {
	email := c.FormValue("email")
	token, a, err := s.partners.Login(c.UserContext(), email, c.FormValue("password"), s.clientIP(c), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		k := apperr.KindOf(err)
		if k != apperr.Unauthorized && k != apperr.TooMany {
			return err
		}
		c.Status(statusOf(k))
		ae, _ := apperr.As(err)
		if ae.RetryAfter > 0 {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(ae.RetryAfter.Seconds())))
		}
		return s.render(c, "login", fiber.Map{"Error": l10n.Text(lang(c), ae), "Email": email, "Next": safeNext(c.FormValue("next"))})
	}
	// Whatever session cookie came with the request is replaced: the session id is
	// new at every login (no fixation).
	s.setCookie(c, sessionCookie, token, partners.SessionTTL)
	c.Locals(actorKey, a)
	return seeOther(c, safeNext(c.FormValue("next")))
}

func (s *Server) logout(c *fiber.Ctx) error {
	if err := s.partners.Logout(c.UserContext(), *actorOf(c)); err != nil {
		return err
	}
	s.clearCookie(c, sessionCookie)
	return seeOther(c, "/login")
}

func (s *Server) setLang(c *fiber.Ctx) error {
	l := c.Params("code")
	if l != "en" && l != "pt-BR" {
		return apperr.Field("lang", "must be en or pt-BR")
	}
	c.Cookie(&fiber.Cookie{Name: "ph_lang", Value: l, Path: "/", SameSite: fiber.CookieSameSiteLaxMode, Secure: !s.cfg.Dev, Expires: time.Now().Add(365 * 24 * time.Hour)})
	return seeOther(c, "/login")
}

func (s *Server) invitePage(c *fiber.Ctx) error {
	inv, err := s.partners.LookupInvite(c.UserContext(), c.Params("token"))
	if err != nil {
		return err
	}
	return s.render(c, "invite", fiber.Map{"Invite": inv})
}

func (s *Server) inviteSubmit(c *fiber.Ctx) error {
	inv, err := s.partners.AcceptInvite(c.UserContext(), c.Params("token"), c.FormValue("password"))
	if apperr.Is(err, apperr.Invalid) && inv == nil {
		inv, lerr := s.partners.LookupInvite(c.UserContext(), c.Params("token"))
		if lerr != nil {
			return lerr
		}
		c.Status(fiber.StatusUnprocessableEntity)
		return s.render(c, "invite", fiber.Map{"Invite": inv, "Error": errText(c, err)})
	}
	if err != nil {
		return err
	}
	return seeOther(c, "/login?ok=flash.invite_accepted")
}

func errText(c *fiber.Ctx, err error) string {
	return l10n.Text(lang(c), err)
}

func (s *Server) dashboard(c *fiber.Ctx) error {
	a := actorOf(c)
	ctx := c.UserContext()
	data := fiber.Map{}
	org, err := s.partners.Organization(ctx, *a, a.Org)
	if err != nil {
		return err
	}
	data["Org"] = org
	var stats struct {
		Users    int `db:"users"`
		Partners int `db:"partners"`
	}
	type kindCount struct {
		Kind string `db:"kind"`
		N    int    `db:"n"`
	}
	var byKind []kindCount
	err = s.db.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &stats, `
			SELECT (SELECT count(*) FROM users WHERE network_id = $1 AND org_id = $2 AND status = 'active') AS users,
			       (SELECT count(*) FROM organizations WHERE network_id = $1 AND kind <> 'vendor' AND status = 'active') AS partners`, a.Network, a.Org); err != nil {
			return err
		}
		return tx.SelectContext(ctx, &byKind, `SELECT kind, count(*) AS n FROM organizations WHERE network_id = $1 AND kind <> 'vendor' GROUP BY kind ORDER BY kind`, a.Network)
	})
	if err != nil {
		return err
	}
	data["UserCount"], data["PartnerCount"], data["ByKind"] = stats.Users, stats.Partners, byKind
	if a.User != 0 {
		data["Unread"], _ = notify.Unread(ctx, s.db, a.Scope())
		data["Notifications"], _ = notify.List(ctx, s.db, a.Scope(), 0, 5)
	}
	if a.Role == partners.Admin {
		failed, err := jobs.List(ctx, s.db, a.Scope(), "failed", 0, 100)
		if err != nil {
			return err
		}
		data["FailedJobs"] = len(failed)
		err = s.db.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
			entries, err := audit.List(ctx, tx, 0, 8)
			data["Audit"] = entries
			return err
		})
		if err != nil {
			return err
		}
	}
	return s.render(c, "dashboard", data)
}

func (s *Server) settingsPage(c *fiber.Ctx) error { return s.render(c, "settings", nil) }

func (s *Server) changePassword(c *fiber.Ctx) error {
	err := s.partners.ChangePassword(c.UserContext(), *actorOf(c), c.FormValue("current_password"), c.FormValue("new_password"))
	if apperr.Is(err, apperr.Invalid) {
		c.Status(fiber.StatusUnprocessableEntity)
		return s.render(c, "settings", fiber.Map{"Error": errText(c, err)})
	}
	if err != nil {
		return err
	}
	return seeOther(c, "/settings?ok=flash.password_changed")
}

func (s *Server) changeLocale(c *fiber.Ctx) error {
	a := actorOf(c)
	l := c.FormValue("locale")
	if _, err := s.partners.UpdateUser(c.UserContext(), *a, a.User, partners.UserUpdate{Locale: &l}); err != nil {
		return err
	}
	return seeOther(c, "/settings?ok=flash.saved")
}

func formInt(c *fiber.Ctx, name string) (int64, error) {
	v := c.FormValue(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, apperr.Field(name, "must be a positive whole number")
	}
	return n, nil
}

func paramID(c *fiber.Ctx) (int64, error) {
	n, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || n <= 0 {
		return 0, apperr.Field("id", "%q is not a valid id", c.Params("id"))
	}
	return n, nil
}

func queryInt(c *fiber.Ctx, name string) (int64, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, apperr.Field(name, "must be a positive whole number")
	}
	return n, nil
}

const pageSize = 50

func (s *Server) orgsPage(c *fiber.Ctx) error { return s.orgsPageWith(c, nil) }

func (s *Server) orgsPageWith(c *fiber.Ctx, extra fiber.Map) error {
	a := actorOf(c)
	after, err := queryInt(c, "after")
	if err != nil {
		return err
	}
	orgs, err := s.partners.Organizations(c.UserContext(), *a, partners.OrganizationFilter{After: after, Limit: pageSize + 1})
	if err != nil {
		return err
	}
	data := fiber.Map{"Kinds": partners.Kinds, "Tiers": partners.Tiers}
	if len(orgs) > pageSize {
		orgs = orgs[:pageSize]
		data["Next"] = orgs[pageSize-1].ID
	}
	data["Orgs"] = orgs
	for k, v := range extra {
		data[k] = v
	}
	return s.render(c, "organizations", data)
}

func optional(c *fiber.Ctx, name string) *string {
	v := c.FormValue(name)
	if v == "" {
		return nil
	}
	return &v
}

func (s *Server) orgCreate(c *fiber.Ctx) error {
	in := partners.OrganizationInput{Name: optional(c, "name"), Kind: optional(c, "kind"), Tier: optional(c, "tier"), Region: optional(c, "region"), EmailDomains: domainsField(c)}
	if _, err := s.partners.CreateOrganization(c.UserContext(), *actorOf(c), in); err != nil {
		if k := apperr.KindOf(err); k == apperr.Invalid || k == apperr.Conflict {
			c.Status(statusOf(k))
			return s.orgsPageWith(c, fiber.Map{"Error": errText(c, err)})
		}
		return err
	}
	return seeOther(c, "/organizations?ok=flash.saved")
}

// domainsField reads the email_domains form field (domains separated by commas or
// spaces): nil when the form has no such field, so that the change leaves them.
func domainsField(c *fiber.Ctx) *[]string {
	if !c.Request().PostArgs().Has("email_domains") {
		return nil
	}
	d := strings.FieldsFunc(c.FormValue("email_domains"), func(r rune) bool { return r == ',' || r == ' ' || r == ';' || r == '\n' || r == '\r' || r == '\t' })
	return &d
}

func (s *Server) orgUpdate(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	in := partners.OrganizationInput{Name: optional(c, "name"), Kind: optional(c, "kind"), Tier: optional(c, "tier"), Region: optional(c, "region"), Status: optional(c, "status"),
		EmailDomains: domainsField(c)}
	if _, err := s.partners.UpdateOrganization(c.UserContext(), *actorOf(c), id, in); err != nil {
		if k := apperr.KindOf(err); k == apperr.Invalid || k == apperr.Conflict {
			c.Status(statusOf(k))
			return s.orgsPageWith(c, fiber.Map{"Error": errText(c, err)})
		}
		return err
	}
	return seeOther(c, "/organizations?ok=flash.saved")
}

func (s *Server) usersPage(c *fiber.Ctx) error { return s.usersPageWith(c, nil) }

func (s *Server) usersPageWith(c *fiber.Ctx, extra fiber.Map) error {
	a := actorOf(c)
	after, err := queryInt(c, "after")
	if err != nil {
		return err
	}
	users, err := s.partners.Users(c.UserContext(), *a, partners.UserFilter{After: after, Limit: pageSize + 1})
	if err != nil {
		return err
	}
	data := fiber.Map{"Roles": partners.Roles}
	if len(users) > pageSize {
		users = users[:pageSize]
		data["Next"] = users[pageSize-1].ID
	}
	data["Users"] = users
	if a.VendorOrg {
		orgs, err := s.partners.Organizations(c.UserContext(), *a, partners.OrganizationFilter{Status: "active", Limit: 200})
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

func (s *Server) userInvite(c *fiber.Ctx) error {
	org, err := formInt(c, "org_id")
	if err != nil {
		return err
	}
	_, token, err := s.partners.Invite(c.UserContext(), *actorOf(c), partners.InviteInput{Email: c.FormValue("email"), Name: c.FormValue("name"), Role: c.FormValue("role"), Org: org})
	return s.inviteAnswer(c, token, err)
}

// inviteAnswer shows the users page with a new invite link, or with what refused
// it (a bad address, a taken one, an organization without email domains).
func (s *Server) inviteAnswer(c *fiber.Ctx, token string, err error) error {
	if err != nil {
		if k := apperr.KindOf(err); k == apperr.Invalid || k == apperr.Conflict || k == apperr.Forbidden {
			c.Status(statusOf(k))
			return s.usersPageWith(c, fiber.Map{"Error": errText(c, err)})
		}
		return err
	}
	return s.usersPageWith(c, fiber.Map{"InviteLink": s.inviteURL(c, token)})
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
			c.Status(statusOf(k))
			return s.usersPageWith(c, fiber.Map{"Error": errText(c, err)})
		}
		return err
	}
	if len(u.APIKeysMade) > 0 {
		// The keys the user made outlive the deactivation: say so, with the keys.
		return s.usersPageWith(c, fiber.Map{"Deactivated": u})
	}
	return seeOther(c, "/users?ok=flash.saved")
}

func (s *Server) inviteResend(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	_, token, err := s.partners.ResendInvite(c.UserContext(), *actorOf(c), id)
	return s.inviteAnswer(c, token, err)
}

func (s *Server) inviteCancel(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := s.partners.CancelInvite(c.UserContext(), *actorOf(c), id); err != nil {
		if k := apperr.KindOf(err); k == apperr.Conflict {
			c.Status(statusOf(k))
			return s.usersPageWith(c, fiber.Map{"Error": errText(c, err)})
		}
		return err
	}
	return seeOther(c, "/users?ok=flash.invite_cancelled")
}

func (s *Server) keysPage(c *fiber.Ctx) error { return s.keysPageWith(c, nil) }

func (s *Server) keysPageWith(c *fiber.Ctx, extra fiber.Map) error {
	createdBy, err := queryInt(c, "created_by")
	if err != nil {
		return err
	}
	keys, err := s.partners.APIKeys(c.UserContext(), *actorOf(c), createdBy)
	if err != nil {
		return err
	}
	data := fiber.Map{"Keys": keys, "Roles": partners.Roles, "CreatedBy": createdBy}
	for k, v := range extra {
		data[k] = v
	}
	return s.render(c, "apikeys", data)
}

func (s *Server) keyCreate(c *fiber.Ctx) error {
	_, secret, err := s.partners.CreateAPIKey(c.UserContext(), *actorOf(c), c.FormValue("name"), c.FormValue("role"))
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			c.Status(fiber.StatusUnprocessableEntity)
			return s.keysPageWith(c, fiber.Map{"Error": errText(c, err)})
		}
		return err
	}
	return s.keysPageWith(c, fiber.Map{"Secret": secret})
}

func (s *Server) keyRevoke(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := s.partners.RevokeAPIKey(c.UserContext(), *actorOf(c), id); err != nil {
		return err
	}
	return seeOther(c, "/api-keys?ok=flash.revoked")
}

func (s *Server) auditPage(c *fiber.Ctx) error {
	a := actorOf(c)
	before, err := queryInt(c, "before")
	if err != nil {
		return err
	}
	var entries []audit.Record
	err = s.db.Tx(c.UserContext(), a.Scope(), func(tx *sqlx.Tx) error {
		entries, err = audit.List(c.UserContext(), tx, before, pageSize+1)
		return err
	})
	if err != nil {
		return err
	}
	data := fiber.Map{}
	if len(entries) > pageSize {
		entries = entries[:pageSize]
		data["Next"] = entries[pageSize-1].Seq
	}
	data["Entries"] = entries
	return s.render(c, "audit", data)
}

func (s *Server) notificationsPage(c *fiber.Ctx) error {
	a := actorOf(c)
	before, err := queryInt(c, "before")
	if err != nil {
		return err
	}
	items, err := notify.List(c.UserContext(), s.db, a.Scope(), before, pageSize+1)
	if err != nil {
		return err
	}
	data := fiber.Map{}
	if len(items) > pageSize {
		items = items[:pageSize]
		data["Next"] = items[pageSize-1].ID
	}
	data["Items"] = items
	return s.render(c, "notifications", data)
}

func (s *Server) notificationsRead(c *fiber.Ctx) error {
	if _, err := notify.MarkRead(c.UserContext(), s.db, actorOf(c).Scope(), nil); err != nil {
		return err
	}
	return seeOther(c, "/notifications")
}

func (s *Server) jobsPage(c *fiber.Ctx) error {
	list, err := jobs.List(c.UserContext(), s.db, actorOf(c).Scope(), c.Query("state"), 0, 100)
	if err != nil {
		return err
	}
	for i := range list {
		list[i].LastError = storedMessage(c, list[i].LastError)
	}
	return s.render(c, "jobs", fiber.Map{"Jobs": list})
}

func (s *Server) jobRetry(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := jobs.Retry(c.UserContext(), s.db, actorOf(c).Scope(), id); err != nil {
		return err
	}
	return seeOther(c, "/jobs?ok=flash.retried")
}
