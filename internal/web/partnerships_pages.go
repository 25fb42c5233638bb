package web

import (
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

func (s *Server) partnersPage(c *fiber.Ctx) error { return s.partnersPageWith(c, nil) }

// partnershipSorts are the partnerships list's sortable columns: the
// partner's name (A to Z first) and the last change (newest first).
var (
	partnershipSorts  = map[string]bool{"name": false, "updated": true}
	partnershipOrders = map[string]func(a, b partners.Partnership) int{
		"name": func(a, b partners.Partnership) int {
			if c := strings.Compare(strings.ToLower(a.PartnerName), strings.ToLower(b.PartnerName)); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		},
		"updated": func(a, b partners.Partnership) int {
			if c := b.UpdatedAt.Compare(a.UpdatedAt); c != 0 {
				return c
			}
			return cmp.Compare(b.ID, a.ID)
		},
	}
)

// partnershipsTable reads the partnerships list's table state and returns the
// organization's partnerships in its order, kept to the state chosen (a
// choice among the states present), and the choices. The list is held whole:
// an organization has one partnership at most with each other organization of
// its network.
func (s *Server) partnershipsTable(c *fiber.Ctx) (*table, []partners.Partnership, []partners.Partnership, []choice, error) {
	t := newTable(c, "/partners", partnershipSorts, "name", "state")
	t.Export = "/partners/export.csv"
	all, err := s.partners.Partnerships(c.UserContext(), *actorOf(c), "")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	var present []string
	for _, p := range all {
		present = append(present, p.State)
	}
	slices.Sort(present)
	states, spellings := choicesOf(slices.Compact(present), c.Query("state"))
	shown := all
	if c.Query("state") != "" {
		shown = nil
		for _, p := range all {
			if slices.Contains(spellings, p.State) {
				shown = append(shown, p)
			}
		}
	}
	shown = slices.Clone(shown)
	sortRows(t, shown, partnershipOrders)
	return t, all, shown, states, nil
}

func (s *Server) partnersPageWith(c *fiber.Ctx, extra fiber.Map) error {
	a := actorOf(c)
	ctx := c.UserContext()
	t, all, shown, states, err := s.partnershipsTable(c)
	if err != nil {
		return err
	}
	page, err := memPage(t, c, shown, func(p partners.Partnership) int64 { return p.ID })
	if err != nil {
		return err
	}
	orgs, err := s.partners.Organizations(ctx, *a, partners.OrganizationFilter{Status: "active", Limit: 200})
	if err != nil {
		return err
	}
	taken := map[int64]bool{a.Org: true}
	for _, p := range all {
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
	create := ""
	if a.Role.AtLeast(partners.Manager) && len(candidates) > 0 {
		create = "#partner-invite"
	}
	data := fiber.Map{"Partnerships": page, "Candidates": candidates, "CanManage": a.Role.AtLeast(partners.Manager),
		"Table": t, "States": states, "Cursor": c.Query("cursor"), "CreateHref": create}
	for k, v := range extra {
		data[k] = v
	}
	return s.render(c, "partners", data)
}

// partnersExport is the partnerships list as CSV, exactly as shown: every
// page of its filter and order, or with page=1 the page of the cursor only.
func (s *Server) partnersExport(c *fiber.Ctx) error {
	t, _, shown, _, err := s.partnershipsTable(c)
	if err != nil {
		return err
	}
	onePage, err := queryBool(c, "page")
	if err != nil {
		return err
	}
	if onePage {
		if shown, err = memPage(t, c, shown, func(p partners.Partnership) int64 { return p.ID }); err != nil {
			return err
		}
	}
	tr := translator(lang(c))
	rows := [][]string{{tr("users.org"), tr("users.status"), tr("jobs.updated")}}
	for _, p := range shown {
		rows = append(rows, []string{p.PartnerName, tr("pstate." + p.State), p.UpdatedAt.UTC().Format(time.RFC3339)})
	}
	return sendCSV(c, "partnerships", rows)
}

// partnerInviteForm invites another organization of the network to partner.
var partnerInviteForm = newForm("partner-invite", fieldSpec{Name: "org_id", Label: "users.org", Type: "select"})

func (s *Server) partnerInviteForm(c *fiber.Ctx) error {
	org, err := formInt(c, "org_id")
	if err != nil {
		return s.rejected(c, partnerInviteForm, "/partners", err)
	}
	p, err := s.partners.InvitePartner(c.UserContext(), *actorOf(c), org)
	if err != nil {
		return s.rejected(c, partnerInviteForm, "/partners", err)
	}
	return s.done(c, "/partners", translator(lang(c))("flash.partner_invited", "Name", p.PartnerName))
}

func (s *Server) partnerRespondForm(accept bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c)
		if err != nil {
			return err
		}
		p, err := s.partners.RespondPartnership(c.UserContext(), *actorOf(c), id, accept)
		if err != nil {
			return s.rejected(c, confirmForm, "/partners", err)
		}
		notice := "flash.partnership_declined"
		if accept {
			notice = "flash.partnership_accepted"
		}
		return s.done(c, "/partners", translator(lang(c))(notice, "Name", p.PartnerName))
	}
}

// partnerDeclineConfirm asks before an invitation to partner is declined,
// naming the inviting organization.
func (s *Server) partnerDeclineConfirm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	p, err := s.partners.Partnership(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	tr := translator(lang(c))
	return s.confirm(c, confirmation{Title: tr("confirm.partnership_decline", "Name", p.PartnerName),
		Consequence: tr("confirm.partnership_decline_then", "Name", p.PartnerName), Button: tr("partners.decline"), Cancel: "/partners"})
}

// partnerRevokeConfirm asks before a partnership ends, naming the partner.
func (s *Server) partnerRevokeConfirm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	p, err := s.partners.Partnership(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	tr := translator(lang(c))
	return s.confirm(c, confirmation{Title: tr("confirm.partnership_revoke", "Name", p.PartnerName),
		Consequence: tr("confirm.partnership_revoke_then", "Name", p.PartnerName), Button: tr("partners.revoke"), Cancel: "/partners"})
}

func (s *Server) partnerRevokeForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	p, err := s.partners.RevokePartnership(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return s.rejected(c, confirmForm, "/partners", err)
	}
	return s.done(c, "/partners", translator(lang(c))("flash.partnership_revoked", "Name", p.PartnerName))
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
	var seg map[string][]string
	json.Unmarshal(mine.Segment, &seg)
	data := fiber.Map{"P": p, "M": m, "Mine": mine, "Theirs": theirs, "Records": views, "Shareable": partners.ShareableFields, "MineFields": []string(mine.Fields),
		"Levels":    []string{"hidden", "counts", "records"},
		"SegRegion": strings.Join(seg["region"], ", "), "SegIndustry": strings.Join(seg["industry"], ", "), "SegTag": strings.Join(seg["tag"], ", ")}
	for k, v := range extra {
		data[k] = v
	}
	return s.render(c, "partner", data)
}

// policyForm is what a partner may see of the organization's accounts.
var policyForm = newForm("policy",
	fieldSpec{Name: "level", Label: "policy.level", Type: "select", OptionPrefix: "level."},
	fieldSpec{Name: "fields", Label: "policy.fields", OptionPrefix: "sharefield."},
	fieldSpec{Name: "segment_region", Label: "policy.segment_region", Also: "segment"},
	fieldSpec{Name: "segment_industry", Label: "policy.segment_industry"},
	fieldSpec{Name: "segment_tag", Label: "policy.segment_tag"},
	fieldSpec{Name: "greenfield", Label: "policy.greenfield"})

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
	a := actorOf(c)
	back := "/partners/" + strconv.FormatInt(id, 10)
	if _, err := s.partners.SetSharingPolicy(c.UserContext(), *a, id, in); err != nil {
		if k := apperr.KindOf(err); k == apperr.Invalid || k == apperr.Conflict {
			// Say nothing of a partnership the caller may not see.
			if _, gerr := s.partners.Partnership(c.UserContext(), *a, id); gerr != nil {
				return gerr
			}
		}
		return s.rejected(c, policyForm, back, err)
	}
	p, err := s.partners.Partnership(c.UserContext(), *a, id)
	if err != nil {
		return err
	}
	return s.done(c, back, translator(lang(c))("flash.policy_saved", "Name", p.PartnerName))
}

// partnershipPages registers the partner pages.
func (s *Server) partnershipPages(p addPage) {
	p("GET", "/partners", partners.Viewer, s.partnersPage)
	p("GET", "/partners/export.csv", partners.Viewer, s.partnersExport)
	p("POST", "/partners", partners.Manager, s.partnerInviteForm)
	p("GET", "/partners/:id", partners.Viewer, s.partnerPage)
	p("POST", "/partners/:id/accept", partners.Manager, s.partnerRespondForm(true))
	p("POST", "/partners/:id/decline", partners.Manager, s.partnerRespondForm(false))
	p("GET", "/partners/:id/decline", partners.Manager, s.partnerDeclineConfirm)
	p("GET", "/partners/:id/revoke", partners.Manager, s.partnerRevokeConfirm)
	p("POST", "/partners/:id/revoke", partners.Manager, s.partnerRevokeForm)
	p("POST", "/partners/:id/policy", partners.Admin, s.policyForm)
}
