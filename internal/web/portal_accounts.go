package web

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

func (s *Server) accountPortalRoutes() {
	p := func(method, path string, role partners.Role, h fiber.Handler) {
		s.App.Add(method, path, need(role, h))
	}
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
	p("GET", "/partners", partners.Viewer, s.partnersPage)
	p("POST", "/partners", partners.Manager, s.partnerInviteForm)
	p("GET", "/partners/:id", partners.Viewer, s.partnerPage)
	p("POST", "/partners/:id/accept", partners.Manager, s.partnerRespondForm(true))
	p("POST", "/partners/:id/decline", partners.Manager, s.partnerRespondForm(false))
	p("POST", "/partners/:id/revoke", partners.Manager, s.partnerRevokeForm)
	p("POST", "/partners/:id/policy", partners.Admin, s.policyForm)
}

// list splits a form field of comma-, semicolon- or newline-separated values.
func list(v string) *[]string {
	out := []string{}
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return &out
}

func formValue(c *fiber.Ctx, name string) *string {
	if !c.Request().PostArgs().Has(name) && !isMultipart(c, name) {
		return nil
	}
	v := c.FormValue(name)
	return &v
}

func isMultipart(c *fiber.Ctx, name string) bool {
	f, err := c.MultipartForm()
	if err != nil || f == nil {
		return false
	}
	_, ok := f.Value[name]
	return ok
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

// formError shows an Invalid or Conflict error on the page it came from; other
// errors go to the error handler.
func formError(c *fiber.Ctx, err error) (fiber.Map, bool) {
	ae, ok := apperr.As(err)
	if !ok || (ae.Kind != apperr.Invalid && ae.Kind != apperr.Conflict) {
		return nil, false
	}
	c.Status(statusOf(ae.Kind))
	m := fiber.Map{"Error": l10n.Text(lang(c), ae)}
	if strings.HasPrefix(ae.Link, "/api/v1/") {
		m["ErrorLink"] = strings.TrimPrefix(ae.Link, "/api/v1")
	}
	return m, true
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
		e, err := s.accounts.Explain(ctx, *a, id, 0)
		if err != nil {
			return err
		}
		data["Explain"] = e
	} else {
		data["Explain"] = &accounts.Explanation{CanRead: true, CanWrite: acc.CanWrite}
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

func (s *Server) partnersPage(c *fiber.Ctx) error { return s.partnersPageWith(c, nil) }

func (s *Server) partnersPageWith(c *fiber.Ctx, extra fiber.Map) error {
	a := actorOf(c)
	ctx := c.UserContext()
	ps, err := s.partners.Partnerships(ctx, *a, "")
	if err != nil {
		return err
	}
	orgs, err := s.partners.Organizations(ctx, *a, partners.OrganizationFilter{Status: "active", Limit: 200})
	if err != nil {
		return err
	}
	taken := map[int64]bool{a.Org: true}
	for _, p := range ps {
		if p.State == "active" || p.State == "invited" {
			taken[p.Partner] = true
		}
	}
	var candidates []partners.Organization
	for _, o := range orgs {
		if !taken[o.ID] {
			candidates = append(candidates, o)
		}
	}
	data := fiber.Map{"Partnerships": ps, "Candidates": candidates, "CanManage": a.Role.AtLeast(partners.Manager)}
	for k, v := range extra {
		data[k] = v
	}
	return s.render(c, "partners", data)
}

func (s *Server) partnerInviteForm(c *fiber.Ctx) error {
	org, err := formInt(c, "org_id")
	if err != nil {
		return err
	}
	if _, err := s.partners.InvitePartner(c.UserContext(), *actorOf(c), org); err != nil {
		if m, ok := formError(c, err); ok {
			return s.partnersPageWith(c, m)
		}
		return err
	}
	return seeOther(c, "/partners?ok=flash.invited")
}

func (s *Server) partnerRespondForm(accept bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c)
		if err != nil {
			return err
		}
		if _, err := s.partners.RespondPartnership(c.UserContext(), *actorOf(c), id, accept); err != nil {
			return err
		}
		return seeOther(c, "/partners?ok=flash.saved")
	}
}

func (s *Server) partnerRevokeForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if _, err := s.partners.RevokePartnership(c.UserContext(), *actorOf(c), id); err != nil {
		return err
	}
	return seeOther(c, "/partners?ok=flash.revoked_partnership")
}

type fieldOption struct {
	Name string
	On   bool
}

type mappedView struct {
	accounts.MappedAccount
	F map[string]any
}

func (s *Server) partnerPage(c *fiber.Ctx) error { return s.partnerPageWith(c, nil) }

func (s *Server) partnerPageWith(c *fiber.Ctx, extra fiber.Map) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	ctx := c.UserContext()
	p, err := s.partners.Partnership(ctx, *a, id)
	if err != nil {
		return err
	}
	if p.State != "active" {
		return apperr.E(apperr.NotFound, "No active partnership %d of your organization.", id)
	}
	m, err := s.accounts.Mapping(ctx, *a, id)
	if err != nil {
		return err
	}
	mine, theirs, err := s.partners.SharingPolicies(ctx, *a, id)
	if err != nil {
		return err
	}
	recs, err := s.accounts.MappedAccounts(ctx, *a, id, 0, 200)
	if err != nil {
		return err
	}
	var views []mappedView
	for _, r := range recs {
		v := mappedView{MappedAccount: r}
		json.Unmarshal(r.Fields, &v.F)
		views = append(views, v)
	}
	on := map[string]bool{}
	for _, f := range mine.Fields {
		on[f] = true
	}
	var fields []fieldOption
	for _, f := range partners.ShareableFields {
		fields = append(fields, fieldOption{f, on[f]})
	}
	var seg map[string][]string
	json.Unmarshal(mine.Segment, &seg)
	data := fiber.Map{"P": p, "M": m, "Mine": mine, "Theirs": theirs, "Records": views, "Fields": fields,
		"Levels":    []string{"hidden", "counts", "records"},
		"SegRegion": strings.Join(seg["region"], ", "), "SegIndustry": strings.Join(seg["industry"], ", "), "SegTag": strings.Join(seg["tag"], ", ")}
	for k, v := range extra {
		data[k] = v
	}
	return s.render(c, "partner", data)
}

func (s *Server) policyForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	in := partners.PolicyInput{Level: c.FormValue("level"), Greenfield: c.FormValue("greenfield") == "true", Segment: map[string][]string{}}
	for _, v := range c.Request().PostArgs().PeekMulti("fields") {
		in.Fields = append(in.Fields, string(v))
	}
	for _, k := range []string{"region", "industry", "tag"} {
		if v := *list(c.FormValue("segment_" + k)); len(v) > 0 {
			in.Segment[k] = v
		}
	}
	if _, err := s.partners.SetSharingPolicy(c.UserContext(), *actorOf(c), id, in); err != nil {
		if m, ok := formError(c, err); ok {
			return s.partnerPageWith(c, m)
		}
		return err
	}
	return seeOther(c, "/partners/"+strconv.FormatInt(id, 10)+"?ok=flash.saved")
}
