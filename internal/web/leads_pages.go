package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/leads"
)

// leadPages registers the leads pages (issue 17, item 4).
func (s *Server) leadPages(p addPage) {
	p("GET", "/leads", partners.Viewer, s.leadsPage)
	p("POST", "/leads", partners.Sales, s.leadCreateForm)
	p("GET", "/leads/:id", partners.Viewer, s.leadPage)
	p("POST", "/leads/:id/offer", partners.Manager, s.leadOfferForm)
	p("POST", "/leads/:id/accept", partners.Sales, s.leadAccept)
	p("GET", "/leads/:id/decline", partners.Sales, s.leadDeclineConfirm)
	p("POST", "/leads/:id/decline", partners.Sales, s.leadDeclineForm)
	p("POST", "/leads/:id/status", partners.Sales, s.leadStatusForm)
}

// The leads pages' forms (docs/PORTAL.md).
var (
	leadNewForm = newForm("lead-new",
		fieldSpec{Name: "company", Label: "leads.company", Required: true, Max: 200},
		fieldSpec{Name: "contact_name", Label: "leads.contact_name", Max: 200},
		fieldSpec{Name: "email", Label: "login.email", Type: "email", Max: 254},
		fieldSpec{Name: "region", Label: "org.region", Max: 60},
		fieldSpec{Name: "industry", Label: "accounts.industry", Max: 80},
		fieldSpec{Name: "notes", Label: "deals.notes", Type: "textarea", Max: 5000})
	leadOfferForm   = newForm("lead-offer", fieldSpec{Name: "org_id", Label: "leads.offer_to", Type: "select", Required: true})
	leadDeclineForm = newForm("lead-decline", fieldSpec{Name: "reason", Label: "leads.decline_reason", Type: "textarea", Required: true, Max: 1000})
	leadStatusForm  = newForm("lead-status",
		fieldSpec{Name: "status", Label: "leads.status", Type: "select", OptionPrefix: "leads.status."},
		fieldSpec{Name: "reason", Label: "leads.status_reason", Type: "textarea", Hint: "leads.hint_reason", Max: 1000})
)

func leadPath(id int64) string { return "/leads/" + strconv.FormatInt(id, 10) }

// leadSorts: the leads list sorts by when a lead was recorded.
var leadSorts = map[string]bool{"created": true}

func (s *Server) leadsPage(c *fiber.Ctx) error {
	t := newTable(c, "/leads", leadSorts, "created", "status")
	a := actorOf(c)
	f := leads.Filter{Status: c.Query("status"), Limit: t.Limit + 1, Asc: t.Sort == "-created"}
	t.asc = f.Asc
	if f.Status != "" {
		if err := oneOfField("status", f.Status, leads.Statuses); err != nil {
			return err
		}
	}
	var err error
	if f.Before, f.After, err = t.idCursor(c); err != nil {
		return err
	}
	ctx := c.UserContext()
	list, err := s.leads.List(ctx, *a, f)
	if err != nil {
		return err
	}
	ids := make([]int64, len(list))
	for i, l := range list {
		ids[i] = l.ID
	}
	back := f.After > 0
	if f.Asc {
		back = f.Before > 0
	}
	lo, hi := t.idPage(ids, back, f.Before > 0 || f.After > 0)
	list = list[lo:hi]
	if t.Total, err = s.leads.Count(ctx, *a, f); err != nil {
		return err
	}
	create := ""
	if a.VendorOrg && a.Role.AtLeast(partners.Sales) {
		create = "#lead-new"
	}
	return s.render(c, "leads", fiber.Map{"Leads": list, "Statuses": leads.Statuses, "Status": f.Status, "Table": t, "CreateHref": create,
		"Vendor": a.VendorOrg, "Org": a.Org, "Answers": !a.VendorOrg && a.Role.AtLeast(partners.Sales)})
}

func (s *Server) leadCreateForm(c *fiber.Ctx) error {
	in := leads.Input{Company: formValue(c, "company"), ContactName: formValue(c, "contact_name"), Email: formValue(c, "email"),
		Region: formValue(c, "region"), Industry: formValue(c, "industry"), Notes: formValue(c, "notes")}
	l, err := s.leads.Create(c.UserContext(), *actorOf(c), in)
	if err != nil {
		return s.rejected(c, leadNewForm, "/leads", err)
	}
	return s.done(c, leadPath(l.ID), translator(lang(c))("flash.lead_created", "Name", l.Company))
}

func (s *Server) leadPage(c *fiber.Ctx) error {
	l, err := s.leadVisible(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	ctx := c.UserContext()
	routes, err := s.leads.Routes(ctx, *a, l.ID, 0, 200)
	if err != nil {
		return err
	}
	vendor := l.OwnerOrg == a.Org
	offeredToMe := l.AssignedOrg != nil && *l.AssignedOrg == a.Org
	final := l.Status == "converted" || l.Status == "disqualified"
	data := fiber.Map{"L": l, "Routes": routes, "Vendor": vendor,
		"CanAnswer": offeredToMe && l.Assignment == "offered" && a.Role.AtLeast(partners.Sales),
		"CanStatus": a.Role.AtLeast(partners.Sales) && !final && (vendor || offeredToMe && l.Assignment == "accepted"),
		"Statuses":  leads.Statuses[1:],
	}
	names := map[int64]string{}
	if vendor && a.Role.AtLeast(partners.Manager) {
		orgs, err := s.partners.Organizations(ctx, *a, partners.OrganizationFilter{Status: "active", Limit: 200})
		if err != nil {
			return err
		}
		var ids []string
		opts := map[string]string{}
		for _, o := range orgs {
			names[o.ID] = o.Name
			if o.ID != a.Org {
				id := strconv.FormatInt(o.ID, 10)
				ids = append(ids, id)
				opts[id] = o.Name
			}
		}
		data["CanOffer"] = l.Assignment == "pool" && !final && len(ids) > 0
		data["OrgIDs"], data["OrgNames"] = ids, opts
	}
	data["Names"] = names
	if l.AssignedOrg != nil {
		data["AssignedName"] = names[*l.AssignedOrg]
	}
	if err := s.readTimeline(ctx, *a, leads.RecordType, l.ID, data); err != nil {
		return err
	}
	return s.render(c, "lead", data)
}

// leadVisible is the lead a page or form is about, read first so that a
// refusal tells nothing about a lead the caller may not see.
func (s *Server) leadVisible(c *fiber.Ctx) (*leads.Lead, error) {
	id, err := paramID(c)
	if err != nil {
		return nil, err
	}
	return s.leads.Get(c.UserContext(), *actorOf(c), id)
}

func (s *Server) leadOfferForm(c *fiber.Ctx) error {
	if err := actorOf(c).RequireVendor(partners.Manager); err != nil {
		return err
	}
	l, err := s.leadVisible(c)
	if err != nil {
		return err
	}
	org, _ := strconv.ParseInt(strings.TrimSpace(c.FormValue("org_id")), 10, 64)
	u, err := s.leads.Offer(c.UserContext(), *actorOf(c), l.ID, org)
	if err != nil {
		return s.rejected(c, leadOfferForm, leadPath(l.ID), err)
	}
	return s.done(c, leadPath(l.ID), translator(lang(c))("flash.lead_offered", "Name", u.Company))
}

func (s *Server) leadAccept(c *fiber.Ctx) error {
	l, err := s.leadVisible(c)
	if err != nil {
		return err
	}
	u, err := s.leads.Accept(c.UserContext(), *actorOf(c), l.ID)
	if err != nil {
		return s.rejected(c, confirmForm, leadPath(l.ID), err)
	}
	return s.done(c, leadPath(l.ID), translator(lang(c))("flash.lead_accepted", "Name", u.Company))
}

// leadDeclineConfirm is the confirmation of declining an offered lead, with
// the reason.
func (s *Server) leadDeclineConfirm(c *fiber.Ctx) error {
	l, err := s.leadVisible(c)
	if err != nil {
		return err
	}
	tr := translator(lang(c))
	return s.render(c, "reason_confirm", fiber.Map{"C": confirmation{Title: tr("confirm.lead_decline", "Name", l.Company),
		Consequence: tr("confirm.lead_decline_then"), Action: c.Path(), Button: tr("leads.decline"), Cancel: leadPath(l.ID)}, "Form": "lead-decline"})
}

func (s *Server) leadDeclineForm(c *fiber.Ctx) error {
	l, err := s.leadVisible(c)
	if err != nil {
		return err
	}
	u, err := s.leads.Decline(c.UserContext(), *actorOf(c), l.ID, c.FormValue("reason"))
	if err != nil {
		return s.rejected(c, leadDeclineForm, leadPath(l.ID)+"/decline", err)
	}
	// The partner no longer sees the lead: the list says what happened.
	return s.done(c, "/leads", translator(lang(c))("flash.lead_declined", "Name", u.Company))
}

func (s *Server) leadStatusForm(c *fiber.Ctx) error {
	l, err := s.leadVisible(c)
	if err != nil {
		return err
	}
	u, err := s.leads.SetStatus(c.UserContext(), *actorOf(c), l.ID, c.FormValue("status"), c.FormValue("reason"))
	if err != nil {
		return s.rejected(c, leadStatusForm, leadPath(l.ID), err)
	}
	tr := translator(lang(c))
	return s.done(c, leadPath(l.ID), tr("flash.lead_status", "Name", u.Company, "Status", tr("leads.status."+u.Status)))
}
