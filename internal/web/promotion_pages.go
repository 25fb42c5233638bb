package web

import (
	"html/template"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/chart"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/promotions"
)

// promotionPages registers the joint promotions' portal pages (issue 19,
// item 4 in part): the list (the table component), a promotion's page with
// its steps (ending and cancelling ask first), the answer to an invitation,
// its public lead form and, for its owner, its results with a chart.
func (s *Server) promotionPages(p addPage) {
	p("GET", "/promotions", partners.Viewer, s.promotionsPage)
	p("POST", "/promotions", partners.Manager, s.promotionCreateForm)
	p("GET", "/promotions/:id", partners.Viewer, s.promotionPage)
	p("POST", "/promotions/:id/publish", partners.Manager, s.promotionMove(promotions.Published))
	p("POST", "/promotions/:id/activate", partners.Manager, s.promotionMove(promotions.Active))
	p("GET", "/promotions/:id/end", partners.Manager, s.promotionConfirm("end"))
	p("POST", "/promotions/:id/end", partners.Manager, s.promotionMove(promotions.Ended))
	p("GET", "/promotions/:id/cancel", partners.Manager, s.promotionConfirm("cancel"))
	p("POST", "/promotions/:id/cancel", partners.Manager, s.promotionMove(promotions.Cancelled))
	p("POST", "/promotions/:id/enroll", partners.Manager, s.promotionEnroll)
}

var promotionNewForm = newForm("promotion-new",
	fieldSpec{Name: "title", Label: "promotions.name", Required: true, Max: 200},
	fieldSpec{Name: "offer", Label: "promotions.offer", Max: 1000},
	fieldSpec{Name: "starts_on", Label: "promotions.starts_on", Type: "date", Required: true},
	fieldSpec{Name: "ends_on", Label: "promotions.ends_on", Type: "date", Required: true},
	fieldSpec{Name: "description", Label: "promotions.description", Type: "textarea", Hint: "promotions.hint_markdown", Max: 20000})

func promotionPath(id int64) string { return "/promotions/" + strconv.FormatInt(id, 10) }

// promotionSorts: the list sorts by when a promotion was drafted.
var promotionSorts = map[string]bool{"created": true}

func (s *Server) promotionsPage(c *fiber.Ctx) error {
	t := newTable(c, "/promotions", promotionSorts, "created", "state")
	a := actorOf(c)
	f := promotions.Filter{State: c.Query("state"), Limit: t.Limit + 1, Asc: t.Sort == "-created"}
	t.asc = f.Asc
	if f.State != "" {
		if err := oneOfField("state", f.State, promotionStates); err != nil {
			return err
		}
	}
	var err error
	if f.Before, f.After, err = t.idCursor(c); err != nil {
		return err
	}
	ctx := c.UserContext()
	list, err := s.promotions.List(ctx, *a, f)
	if err != nil {
		return err
	}
	ids := make([]int64, len(list))
	for i, p := range list {
		ids[i] = p.ID
	}
	back := f.After > 0
	if f.Asc {
		back = f.Before > 0
	}
	lo, hi := t.idPage(ids, back, f.Before > 0 || f.After > 0)
	list = list[lo:hi]
	if t.Total, err = s.promotions.Count(ctx, *a, f); err != nil {
		return err
	}
	create := ""
	if a.Role.AtLeast(partners.Manager) {
		create = "#promotion-new"
	}
	return s.render(c, "promotions", fiber.Map{"Promotions": list, "States": promotionStates, "State": f.State, "Table": t,
		"CreateHref": create, "Org": a.Org})
}

var promotionStates = []string{promotions.Draft, promotions.Published, promotions.Active, promotions.Ended, promotions.Cancelled}

func (s *Server) promotionCreateForm(c *fiber.Ctx) error {
	in := promotions.Input{Title: formValue(c, "title"), Offer: formValue(c, "offer"), StartsOn: formValue(c, "starts_on"),
		EndsOn: formValue(c, "ends_on"), Description: formValue(c, "description")}
	p, err := s.promotions.Create(c.UserContext(), *actorOf(c), in)
	if err != nil {
		return s.rejected(c, promotionNewForm, "/promotions", err)
	}
	return s.done(c, promotionPath(p.ID), translator(lang(c))("flash.promotion_created", "Name", p.Title))
}

func (s *Server) promotionPage(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	ctx := c.UserContext()
	p, err := s.promotions.Get(ctx, *a, id)
	if err != nil {
		return err
	}
	tr := translator(lang(c))
	owner := p.OwnerOrg == a.Org && a.Role.AtLeast(partners.Manager)
	data := fiber.Map{"P": p, "Description": template.HTML(p.DescriptionHTML), // sanitized by forums.Render
		"From": p.StartsOn.Format(time.DateOnly), "To": p.EndsOn.Format(time.DateOnly), "Owner": owner,
		"Yours":      p.OwnerOrg == a.Org,
		"CanPublish": owner && p.State == promotions.Draft, "CanActivate": owner && p.State == promotions.Published,
		"CanEnd":    owner && p.State == promotions.Active,
		"CanCancel": owner && (p.State == promotions.Draft || p.State == promotions.Published || p.State == promotions.Active),
		"CanEnroll": a.Role.AtLeast(partners.Manager) && p.Participation == promotions.Invited,
	}
	name, err := s.partnerName(c, p.OwnerOrg)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return err
	}
	data["OwnerName"] = name
	if owner {
		if p.State == promotions.Published || p.State == promotions.Active {
			form, err := s.promotionLeadForm(ctx, c, *a, id, lang(c))
			if err != nil {
				return err
			}
			data["LeadForm"] = form
		}
		r, err := s.promotions.Results(ctx, *a, id)
		if err != nil {
			return err
		}
		counts, err := s.leads.PromotionCounts(ctx, *a, []int64{id})
		if err != nil {
			return err
		}
		r.Leads = counts[id]
		ch, err := chart.Bars(tr("promotions.results_chart", "Name", p.Title), tr("promotions.count"), []chart.Bar{
			{Label: tr("promotions.invited"), Value: float64(r.Invited)},
			{Label: tr("promotions.enrolled"), Value: float64(r.Enrolled)},
			{Label: tr("promotions.leads"), Value: float64(r.Leads)},
		})
		if err != nil {
			return err
		}
		data["Results"], data["Chart"] = r, ch
	}
	return s.render(c, "promotion", data)
}

// partnerName is an organization's name as the reader may see it ("" when not).
func (s *Server) partnerName(c *fiber.Ctx, org int64) (string, error) {
	o, err := s.partners.Organization(c.UserContext(), *actorOf(c), org)
	if err != nil {
		return "", err
	}
	return o.Name, nil
}

// promotionMove moves a promotion of the reader's organization to a state.
func (s *Server) promotionMove(to string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c)
		if err != nil {
			return err
		}
		p, err := s.promotions.Move(c.UserContext(), *actorOf(c), id, to)
		if err != nil {
			return s.rejected(c, confirmForm, promotionPath(id), err)
		}
		tr := translator(lang(c))
		return s.done(c, promotionPath(id), tr("flash.promotion_moved", "Name", p.Title, "State", tr("promotions.state."+p.State)))
	}
}

// promotionConfirm asks before ending or cancelling a promotion.
func (s *Server) promotionConfirm(step string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c)
		if err != nil {
			return err
		}
		p, err := s.promotions.Get(c.UserContext(), *actorOf(c), id)
		if err != nil {
			return err
		}
		tr := translator(lang(c))
		return s.confirm(c, confirmation{Title: tr("confirm.promotion_"+step, "Name", p.Title), Consequence: tr("confirm.promotion_" + step + "_then"),
			Button: tr("promotions." + step), Cancel: promotionPath(id)})
	}
}

func (s *Server) promotionEnroll(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	p, err := s.promotions.Respond(c.UserContext(), *actorOf(c), id, promotions.Enrolled)
	if err != nil {
		return s.rejected(c, confirmForm, promotionPath(id), err)
	}
	return s.done(c, promotionPath(id), translator(lang(c))("flash.promotion_enrolled", "Name", p.Title))
}
