package web

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/chart"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
	"github.com/partnerhub/partnerhub/partners/activity"
	"github.com/partnerhub/partnerhub/partners/deals"
)

// jointDealPages registers the joint deal pages and the pipeline (issue 17).
func (s *Server) jointDealPages(p addPage) {
	p("GET", "/joint-deals", partners.Viewer, s.jointDealsPage)
	p("GET", "/joint-deals/new", partners.Sales, s.jointDealNewPage)
	p("POST", "/joint-deals", partners.Sales, s.jointDealCreateForm)
	p("GET", "/joint-deals/:id", partners.Viewer, s.jointDealPage)
	p("POST", "/joint-deals/:id", partners.Sales, s.jointDealUpdateForm)
	p("POST", "/joint-deals/:id/stage", partners.Sales, s.jointDealStageForm)
	p("GET", "/joint-deals/:id/lost", partners.Sales, s.jointDealLostConfirm)
	p("POST", "/joint-deals/:id/lost", partners.Sales, s.jointDealLostForm)
	p("GET", "/joint-deals/:id/delete", partners.Manager, s.jointDealDeleteConfirm)
	p("POST", "/joint-deals/:id/delete", partners.Manager, s.jointDealDeleteForm)
	p("GET", "/pipeline", partners.Viewer, s.pipelinePage)
}

// The joint deal pages' forms (docs/PORTAL.md).
var (
	jointFields = []fieldSpec{
		{Name: "title", Label: "deals.title_field", Required: true, Max: 200},
		{Name: "amount", Label: "deals.amount", Required: true, Hint: "deals.hint_amount"},
		{Name: "currency", Label: "deals.currency", Required: true, Max: 3},
		{Name: "expected_close", Label: "deals.expected_close", Required: true, Hint: "deals.hint_date"},
		{Name: "products", Label: "deals.products", Hint: "form.hint_list"},
		{Name: "next_step", Label: "joint.next_step", Max: 500},
	}
	jointNewForm = newForm("joint-new", append([]fieldSpec{
		{Name: "account_id", Label: "deals.account", Type: "select", Required: true},
		{Name: "partner_org_id", Label: "joint.partner", Type: "select", Required: true}}, jointFields...)...)
	jointEditForm  = newForm("joint-edit", jointFields...)
	jointStageForm = newForm("joint-stage", fieldSpec{Name: "stage", Label: "joint.stage", Type: "select", OptionPrefix: "joint.stage.", Required: true})
	jointLostForm  = newForm("joint-lost", fieldSpec{Name: "reason", Label: "joint.lost_reason", Type: "textarea", Required: true, Max: 1000})
)

func jointPath(id int64) string { return "/joint-deals/" + strconv.FormatInt(id, 10) }

// jointInput reads a joint deal form.
func jointInput(c *fiber.Ctx) deals.JointInput {
	in := deals.JointInput{Title: formValue(c, "title"), Amount: formValue(c, "amount"), Currency: formValue(c, "currency"),
		ExpectedClose: formValue(c, "expected_close"), NextStep: formValue(c, "next_step")}
	if in.Currency != nil {
		v := strings.ToUpper(strings.TrimSpace(*in.Currency))
		in.Currency = &v
	}
	if v := formValue(c, "products"); v != nil {
		in.Products = list(*v)
	}
	if v := strings.TrimSpace(c.FormValue("version")); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			in.Version = &n
		}
	}
	return in
}

// orgNames are the network's organizations by id (the vendor's view; a
// partner gets its own only), for the pages that name partners.
func (s *Server) orgNames(c *fiber.Ctx) (map[int64]string, error) {
	a := actorOf(c)
	names := map[int64]string{}
	if !a.VendorOrg {
		o, err := s.partners.Organization(c.UserContext(), *a, a.Org)
		if err != nil {
			return nil, err
		}
		names[o.ID] = o.Name
		return names, nil
	}
	orgs, err := s.partners.Organizations(c.UserContext(), *a, partners.OrganizationFilter{Status: "active", Limit: 200})
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		names[o.ID] = o.Name
	}
	return names, nil
}

// jointSorts: the joint deals list sorts by when a deal was made.
var jointSorts = map[string]bool{"created": true}

func (s *Server) jointDealsPage(c *fiber.Ctx) error {
	t := newTable(c, "/joint-deals", jointSorts, "created", "stage")
	a := actorOf(c)
	f := deals.JointFilter{Stage: c.Query("stage"), Limit: t.Limit + 1, Asc: t.Sort == "-created"}
	t.asc = f.Asc
	if f.Stage != "" {
		if err := oneOfField("stage", f.Stage, deals.Stages); err != nil {
			return err
		}
	}
	var err error
	if f.Before, f.After, err = t.idCursor(c); err != nil {
		return err
	}
	ctx := c.UserContext()
	list, err := s.deals.ListJoint(ctx, *a, f)
	if err != nil {
		return err
	}
	ids := make([]int64, len(list))
	for i, d := range list {
		ids[i] = d.ID
	}
	back := f.After > 0
	if f.Asc {
		back = f.Before > 0
	}
	lo, hi := t.idPage(ids, back, f.Before > 0 || f.After > 0)
	list = list[lo:hi]
	if t.Total, err = s.deals.CountJoint(ctx, *a, f); err != nil {
		return err
	}
	names, err := s.orgNames(c)
	if err != nil {
		return err
	}
	create := ""
	if a.VendorOrg && a.Role.AtLeast(partners.Sales) {
		create = "/joint-deals/new"
	}
	return s.render(c, "joint_deals", fiber.Map{"Deals": list, "Stages": deals.Stages, "Stage": f.Stage, "Table": t, "CreateHref": create,
		"Vendor": a.VendorOrg, "Names": names})
}

// jointDealNewPage is the vendor's form for a joint deal: one of its accounts
// matching q, and a partner organization.
func (s *Server) jointDealNewPage(c *fiber.Ctx) error {
	a := actorOf(c)
	q := strings.TrimSpace(c.Query("q"))
	data := fiber.Map{"Q": q, "Vendor": a.VendorOrg}
	if a.VendorOrg {
		ctx := c.UserContext()
		accs, _, err := s.accounts.List(ctx, *a, accounts.Filter{Query: q, Owner: "mine", Limit: 50})
		if err != nil {
			return err
		}
		ids, names := make([]string, 0, len(accs)), map[string]string{}
		for _, acc := range accs {
			if acc.ArchivedAt != nil || acc.OwnerOrg != a.Org {
				continue
			}
			id := strconv.FormatInt(acc.ID, 10)
			ids = append(ids, id)
			names[id] = acc.Name
		}
		orgs, err := s.partners.Organizations(ctx, *a, partners.OrganizationFilter{Status: "active", Limit: 200})
		if err != nil {
			return err
		}
		var orgIDs []string
		orgNames := map[string]string{}
		for _, o := range orgs {
			if o.ID == a.Org {
				continue
			}
			id := strconv.FormatInt(o.ID, 10)
			orgIDs = append(orgIDs, id)
			orgNames[id] = o.Name
		}
		data["AccountIDs"], data["AccountNames"], data["OrgIDs"], data["OrgNames"] = ids, names, orgIDs, orgNames
		data["Close"] = time.Now().AddDate(0, 3, 0).Format("2006-01-02")
	}
	return s.render(c, "joint_deal_new", data)
}

func (s *Server) jointDealCreateForm(c *fiber.Ctx) error {
	in := jointInput(c)
	in.Version = nil
	for _, x := range []struct {
		name string
		to   **int64
	}{{"account_id", &in.Account}, {"partner_org_id", &in.Partner}} {
		if v := formValue(c, x.name); v != nil {
			id, _ := strconv.ParseInt(strings.TrimSpace(*v), 10, 64)
			*x.to = &id
		}
	}
	back := "/joint-deals/new"
	if q := formValue(c, "q"); q != nil && *q != "" {
		back += "?q=" + urlQueryEscape(*q)
	}
	d, err := s.deals.CreateJoint(c.UserContext(), *actorOf(c), in)
	if err != nil {
		return s.rejected(c, jointNewForm, back, err)
	}
	return s.done(c, jointPath(d.ID), translator(lang(c))("flash.joint_created", "Name", d.Title))
}

// jointVisible is the joint deal a page or form is about, read first so that
// a refusal tells nothing about a deal the caller may not see.
func (s *Server) jointVisible(c *fiber.Ctx) (*deals.JointDeal, error) {
	id, err := paramID(c)
	if err != nil {
		return nil, err
	}
	return s.deals.GetJoint(c.UserContext(), *actorOf(c), id)
}

func (s *Server) jointDealPage(c *fiber.Ctx) error {
	d, err := s.jointVisible(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	can := deals.CanChange(*a, d) && !d.Closed()
	var moves []string
	for _, st := range deals.Stages {
		if st != d.Stage && st != deals.ClosedLost {
			moves = append(moves, st)
		}
	}
	data := fiber.Map{"D": d, "CanChange": can, "Moves": moves, "Close": d.ExpectedClose.Format("2006-01-02"),
		"CanDelete": a.VendorOrg && a.Role.AtLeast(partners.Manager)}
	if err := s.timeline(c.UserContext(), *a, deals.JointRecordType, d.ID, d.OwnerOrg, d.WriterOrgs, data); err != nil {
		return err
	}
	// The timeline is the deal's history here, its events in words; notes are
	// logged through the API.
	data["CanLog"] = false
	if err := s.jointHistory(c, d.ID, data); err != nil {
		return err
	}
	return s.render(c, "joint_deal", data)
}

// jointHistory puts the deal's events in words on its timeline rows: created,
// and each stage change with where it went.
func (s *Server) jointHistory(c *fiber.Ctx, id int64, data fiber.Map) error {
	rows, _ := data["Timeline"].([]timelineRow)
	list, _, err := s.activity.Timeline(c.UserContext(), *actorOf(c), deals.JointRecordType, id, activity.Filter{Limit: 20})
	if err != nil {
		return err
	}
	tr := translator(lang(c))
	events := map[int64]activity.Activity{}
	for _, x := range list {
		events[x.ID] = x
	}
	for i := range rows {
		x, ok := events[rows[i].ID]
		if !ok || x.Event == nil {
			continue
		}
		var detail struct {
			From   string `json:"from"`
			To     string `json:"to"`
			Reason string `json:"reason"`
		}
		_ = json.Unmarshal(x.Detail, &detail)
		switch *x.Event {
		case "joint_deal.created":
			rows[i].Event = tr("joint.event_created")
		case "joint_deal.stage":
			rows[i].Event = tr("joint.event_stage", "From", tr("joint.stage."+detail.From), "To", tr("joint.stage."+detail.To))
			rows[i].Body = detail.Reason
		}
	}
	return nil
}

func (s *Server) jointDealUpdateForm(c *fiber.Ctx) error {
	d, err := s.jointVisible(c)
	if err != nil {
		return err
	}
	u, err := s.deals.UpdateJoint(c.UserContext(), *actorOf(c), d.ID, jointInput(c))
	if err != nil {
		return s.rejected(c, jointEditForm, jointPath(d.ID), err)
	}
	return s.done(c, jointPath(d.ID), translator(lang(c))("flash.joint_saved", "Name", u.Title))
}

func (s *Server) jointDealStageForm(c *fiber.Ctx) error {
	d, err := s.jointVisible(c)
	if err != nil {
		return err
	}
	in := deals.StageInput{Stage: c.FormValue("stage"), Version: jointInput(c).Version}
	if in.Stage == deals.ClosedLost {
		// Lost needs its reason: the confirmation page asks for it.
		return c.Redirect(jointPath(d.ID)+"/lost", fiber.StatusSeeOther)
	}
	u, err := s.deals.MoveStage(c.UserContext(), *actorOf(c), d.ID, in)
	if err != nil {
		return s.rejected(c, jointStageForm, jointPath(d.ID), err)
	}
	tr := translator(lang(c))
	return s.done(c, jointPath(d.ID), tr("flash.joint_stage", "Name", u.Title, "Stage", tr("joint.stage."+u.Stage)))
}

// jointDealLostConfirm is the confirmation of closing a deal lost, with the reason.
func (s *Server) jointDealLostConfirm(c *fiber.Ctx) error {
	d, err := s.jointVisible(c)
	if err != nil {
		return err
	}
	tr := translator(lang(c))
	return s.render(c, "reason_confirm", fiber.Map{"C": confirmation{Title: tr("confirm.joint_lost", "Name", d.Title),
		Consequence: tr("confirm.joint_lost_then"), Action: c.Path(), Button: tr("joint.close_lost"), Cancel: jointPath(d.ID)}, "Form": "joint-lost"})
}

func (s *Server) jointDealLostForm(c *fiber.Ctx) error {
	d, err := s.jointVisible(c)
	if err != nil {
		return err
	}
	u, err := s.deals.MoveStage(c.UserContext(), *actorOf(c), d.ID, deals.StageInput{Stage: deals.ClosedLost, Reason: c.FormValue("reason")})
	if err != nil {
		return s.rejected(c, jointLostForm, jointPath(d.ID)+"/lost", err)
	}
	tr := translator(lang(c))
	return s.done(c, jointPath(d.ID), tr("flash.joint_stage", "Name", u.Title, "Stage", tr("joint.stage."+u.Stage)))
}

func (s *Server) jointDealDeleteConfirm(c *fiber.Ctx) error {
	d, err := s.jointVisible(c)
	if err != nil {
		return err
	}
	tr := translator(lang(c))
	return s.confirm(c, confirmation{Title: tr("confirm.joint_delete", "Name", d.Title), Consequence: tr("confirm.joint_delete_then"),
		Button: tr("joint.delete"), Cancel: jointPath(d.ID)})
}

func (s *Server) jointDealDeleteForm(c *fiber.Ctx) error {
	if err := actorOf(c).RequireVendor(partners.Manager); err != nil {
		return err
	}
	d, err := s.jointVisible(c)
	if err != nil {
		return err
	}
	if err := s.deals.DeleteJoint(c.UserContext(), *actorOf(c), d.ID); err != nil {
		return s.rejected(c, confirmForm, jointPath(d.ID), err)
	}
	return s.done(c, "/joint-deals", translator(lang(c))("flash.joint_deleted", "Name", d.Title))
}

// pipelinePage is the channel manager's pipeline (a partner's own, for a
// partner): open deals by stage as a chart and tables, by partner and by month
// of expected close, and the closed deals' win rate and cycle.
func (s *Server) pipelinePage(c *fiber.Ctx) error {
	a := actorOf(c)
	f, err := pipelineFilter(c)
	if err != nil {
		return err
	}
	p, err := s.deals.Pipeline(c.UserContext(), *a, f)
	if err != nil {
		return err
	}
	tr := translator(lang(c))
	bars := make([]chart.Bar, len(p.OpenByStage))
	open := 0
	for i, st := range p.OpenByStage {
		bars[i] = chart.Bar{Label: tr("joint.stage." + st.Stage), Value: float64(st.Count)}
		open += st.Count
	}
	data := fiber.Map{"P": p, "Vendor": a.VendorOrg, "F": f, "Tiers": []string{"registered", "silver", "gold", "platinum"}}
	if open > 0 {
		ch, err := chart.Bars(tr("pipeline.chart"), tr("pipeline.count"), bars)
		if err != nil {
			return err
		}
		data["Chart"] = ch
	}
	if p.WinRate != nil {
		data["WinRate"] = fmt.Sprintf("%.0f%%", *p.WinRate)
		data["Cycle"] = fmt.Sprintf("%.1f", *p.AvgCycleDays)
	}
	if a.VendorOrg {
		names, err := s.orgNames(c)
		if err != nil {
			return err
		}
		var ids []int64
		for id := range names {
			if id != a.Org {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		data["PartnerIDs"], data["Names"] = ids, names
	}
	return s.render(c, "pipeline", data)
}
