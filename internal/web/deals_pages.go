package web

import (
	"context"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
	"github.com/partnerhub/partnerhub/partners/deals"
)

// dealPages registers the deal registration pages (issue 17).
func (s *Server) dealPages(p addPage) {
	p("GET", "/deals", partners.Viewer, s.dealsPage)
	p("GET", "/deals/new", partners.Sales, s.dealNewPage)
	p("POST", "/deals", partners.Sales, s.dealCreateForm)
	p("GET", "/deals/:id", partners.Viewer, s.dealPage)
	p("POST", "/deals/:id", partners.Sales, s.dealUpdateForm)
	p("POST", "/deals/:id/submit", partners.Sales, s.dealStep("submit", false, s.deals.Submit))
	p("GET", "/deals/:id/withdraw", partners.Sales, s.dealConfirm("withdraw"))
	p("POST", "/deals/:id/withdraw", partners.Sales, s.dealStep("withdraw", false, s.deals.Withdraw))
	p("POST", "/deals/:id/extension", partners.Sales, s.dealExtensionForm)
	p("POST", "/deals/:id/review", partners.Manager, s.dealStep("review", true, s.deals.StartReview))
	p("POST", "/deals/:id/approve", partners.Manager, s.dealStep("approve", true, s.deals.Approve))
	p("GET", "/deals/:id/reject", partners.Manager, s.dealRejectConfirm)
	p("POST", "/deals/:id/reject", partners.Manager, s.dealRejectForm)
	p("POST", "/deals/:id/extension/approve", partners.Manager, s.dealStep("extension_approve", true, func(ctx context.Context, a partners.Actor, id int64) (*deals.Registration, error) {
		return s.deals.DecideExtension(ctx, a, id, true)
	}))
	p("GET", "/deals/:id/extension/refuse", partners.Manager, s.dealConfirm("extension_refuse"))
	p("POST", "/deals/:id/extension/refuse", partners.Manager, s.dealStep("extension_refuse", true, func(ctx context.Context, a partners.Actor, id int64) (*deals.Registration, error) {
		return s.deals.DecideExtension(ctx, a, id, false)
	}))
	p("POST", "/deals/:id/convert", partners.Manager, s.dealConvert)
}

// dealStates are the registration states, in workflow order (the list's
// state filter offers them all).
var dealStates = []string{deals.Draft, deals.Submitted, deals.UnderReview, deals.Approved, deals.Rejected, deals.Converted, deals.Expired, deals.Withdrawn}

// The deal registration pages' forms (docs/PORTAL.md).
var (
	dealFields = []fieldSpec{
		{Name: "title", Label: "deals.title_field", Required: true, Max: 200},
		{Name: "amount", Label: "deals.amount", Required: true, Hint: "deals.hint_amount"},
		{Name: "currency", Label: "deals.currency", Required: true, Max: 3},
		{Name: "expected_close", Label: "deals.expected_close", Required: true, Hint: "deals.hint_date"},
		{Name: "products", Label: "deals.products", Hint: "form.hint_list"},
		{Name: "notes", Label: "deals.notes", Type: "textarea", Max: 5000},
	}
	dealNewForm       = newForm("deal-new", append([]fieldSpec{{Name: "account_id", Label: "deals.account", Type: "select", Required: true}}, dealFields...)...)
	dealEditForm      = newForm("deal-edit", dealFields...)
	dealExtensionForm = newForm("deal-extension",
		fieldSpec{Name: "days", Label: "deals.extension_days", Type: "number", Required: true},
		fieldSpec{Name: "note", Label: "deals.extension_note", Type: "textarea", Required: true, Max: 1000})
	dealRejectForm = newForm("deal-reject", fieldSpec{Name: "reason", Label: "deals.reject_reason", Type: "textarea", Required: true, Max: 1000})
)

func dealPath(id int64) string { return "/deals/" + strconv.FormatInt(id, 10) }

// dealInput reads a registration form.
func dealInput(c *fiber.Ctx) deals.Input {
	in := deals.Input{Title: formValue(c, "title"), Amount: formValue(c, "amount"), Currency: formValue(c, "currency"),
		ExpectedClose: formValue(c, "expected_close"), Notes: formValue(c, "notes")}
	if in.Currency != nil {
		v := strings.ToUpper(strings.TrimSpace(*in.Currency))
		in.Currency = &v
	}
	if v := formValue(c, "products"); v != nil {
		in.Products = list(*v)
	}
	return in
}

// dealSorts: the registrations list sorts by when a registration was made
// (newest first, or oldest first).
var dealSorts = map[string]bool{"created": true}

func (s *Server) dealsPage(c *fiber.Ctx) error {
	t := newTable(c, "/deals", dealSorts, "created", "state")
	a := actorOf(c)
	f := deals.Filter{State: c.Query("state"), Limit: t.Limit + 1, Asc: t.Sort == "-created"}
	t.asc = f.Asc
	if f.State != "" {
		if err := oneOfField("state", f.State, dealStates); err != nil {
			return err
		}
	}
	var err error
	if f.Before, f.After, err = t.idCursor(c); err != nil {
		return err
	}
	ctx := c.UserContext()
	list, err := s.deals.List(ctx, *a, f)
	if err != nil {
		return err
	}
	ids := make([]int64, len(list))
	for i, r := range list {
		ids[i] = r.ID
	}
	back := f.After > 0
	if f.Asc {
		back = f.Before > 0
	}
	lo, hi := t.idPage(ids, back, f.Before > 0 || f.After > 0)
	list = list[lo:hi]
	if t.Total, err = s.deals.Count(ctx, *a, f); err != nil {
		return err
	}
	create := ""
	if !a.VendorOrg && a.Role.AtLeast(partners.Sales) {
		create = "/deals/new"
	}
	return s.render(c, "deals", fiber.Map{"Deals": list, "States": dealStates, "State": f.State, "Table": t, "CreateHref": create,
		"Vendor": a.VendorOrg, "Decides": a.VendorOrg && a.Role.AtLeast(partners.Manager), "Org": a.Org})
}

// dealNewPage is the new registration form: the account is chosen by name,
// among the accounts the caller's organization can see that match q.
func (s *Server) dealNewPage(c *fiber.Ctx) error {
	a := actorOf(c)
	q := strings.TrimSpace(c.Query("q"))
	data := fiber.Map{"Q": q, "Vendor": a.VendorOrg}
	if !a.VendorOrg {
		accs, _, err := s.accounts.List(c.UserContext(), *a, accounts.Filter{Query: q, Limit: 50})
		if err != nil {
			return err
		}
		ids, names := make([]string, 0, len(accs)), map[string]string{}
		for _, acc := range accs {
			if acc.ArchivedAt != nil {
				continue
			}
			id := strconv.FormatInt(acc.ID, 10)
			ids = append(ids, id)
			names[id] = acc.Name
		}
		data["AccountIDs"], data["AccountNames"] = ids, names
		data["Account"] = c.Query("account")
	}
	return s.render(c, "deal_new", data)
}

func (s *Server) dealCreateForm(c *fiber.Ctx) error {
	in := dealInput(c)
	if v := formValue(c, "account_id"); v != nil {
		id, _ := strconv.ParseInt(strings.TrimSpace(*v), 10, 64)
		in.Account = &id
	}
	back := "/deals/new"
	if q := formValue(c, "q"); q != nil && *q != "" {
		back += "?q=" + urlQueryEscape(*q)
	}
	r, err := s.deals.Create(c.UserContext(), *actorOf(c), in)
	if err != nil {
		return s.rejected(c, dealNewForm, back, err)
	}
	return s.done(c, dealPath(r.ID), translator(lang(c))("flash.deal_created", "Name", r.Title))
}

func (s *Server) dealPage(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	ctx := c.UserContext()
	r, err := s.deals.Get(ctx, *a, id)
	if err != nil {
		return err
	}
	owner := r.OwnerOrg == a.Org && a.Role.AtLeast(partners.Sales)
	decides := a.VendorOrg && a.Role.AtLeast(partners.Manager)
	data := fiber.Map{"R": r, "Owner": owner, "Decides": decides,
		"Editable":       owner && r.State == deals.Draft,
		"CanWithdraw":    owner && (r.State == deals.Draft || r.State == deals.Submitted || r.State == deals.UnderReview || r.State == deals.Approved),
		"CanExtend":      owner && r.State == deals.Approved && r.ExtensionDays == nil,
		"CanReview":      decides && r.State == deals.Submitted,
		"CanDecide":      decides && (r.State == deals.Submitted || r.State == deals.UnderReview),
		"ExtensionAsked": decides && r.State == deals.Approved && r.ExtensionDays != nil,
		"CanConvert":     decides && r.State == deals.Approved,
		"Close":          r.ExpectedClose.Format("2006-01-02"),
	}
	if decides && r.CheckedAt != nil {
		ev, err := s.deals.Evidence(ctx, *a, id)
		if err != nil {
			return err
		}
		data["Evidence"] = ev
	}
	if err := s.readTimeline(ctx, *a, deals.RecordType, id, data); err != nil {
		return err
	}
	return s.render(c, "deal", data)
}

// dealVisible is the registration a form is about, read first so that a
// refusal tells nothing about a registration the caller may not see.
func (s *Server) dealVisible(c *fiber.Ctx) (*deals.Registration, error) {
	id, err := paramID(c)
	if err != nil {
		return nil, err
	}
	return s.deals.Get(c.UserContext(), *actorOf(c), id)
}

func (s *Server) dealUpdateForm(c *fiber.Ctx) error {
	r, err := s.dealVisible(c)
	if err != nil {
		return err
	}
	u, err := s.deals.Update(c.UserContext(), *actorOf(c), r.ID, dealInput(c))
	if err != nil {
		return s.rejected(c, dealEditForm, dealPath(r.ID), err)
	}
	return s.done(c, dealPath(r.ID), translator(lang(c))("flash.deal_saved", "Name", u.Title))
}

// dealStep is the handler of a one-button step of the workflow: it answers
// with the registration's page and a notice naming it ("flash.deal_<step>").
// A vendor step refuses another organization before it looks the
// registration up, as the API does.
func (s *Server) dealStep(step string, vendor bool, op func(context.Context, partners.Actor, int64) (*deals.Registration, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if vendor {
			if err := actorOf(c).RequireVendor(partners.Manager); err != nil {
				return err
			}
		}
		r, err := s.dealVisible(c)
		if err != nil {
			return err
		}
		u, err := op(c.UserContext(), *actorOf(c), r.ID)
		if err != nil {
			return s.rejected(c, confirmForm, dealPath(r.ID), err)
		}
		return s.done(c, dealPath(r.ID), translator(lang(c))("flash.deal_"+step, "Name", u.Title))
	}
}

// dealConfirm is the confirmation page of a destructive step (withdraw,
// refuse an extension).
func (s *Server) dealConfirm(step string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		r, err := s.dealVisible(c)
		if err != nil {
			return err
		}
		tr := translator(lang(c))
		return s.confirm(c, confirmation{Title: tr("confirm.deal_"+step, "Name", r.Title), Consequence: tr("confirm.deal_" + step + "_then"),
			Button: tr("deals." + step), Cancel: dealPath(r.ID)})
	}
}

func (s *Server) dealExtensionForm(c *fiber.Ctx) error {
	r, err := s.dealVisible(c)
	if err != nil {
		return err
	}
	days, _ := strconv.Atoi(strings.TrimSpace(c.FormValue("days")))
	u, err := s.deals.RequestExtension(c.UserContext(), *actorOf(c), r.ID, days, c.FormValue("note"))
	if err != nil {
		return s.rejected(c, dealExtensionForm, dealPath(r.ID), err)
	}
	return s.done(c, dealPath(r.ID), translator(lang(c))("flash.deal_extension", "Name", u.Title))
}

// dealRejectConfirm is the confirmation of a rejection, with its reason.
func (s *Server) dealRejectConfirm(c *fiber.Ctx) error {
	r, err := s.dealVisible(c)
	if err != nil {
		return err
	}
	tr := translator(lang(c))
	return s.render(c, "reason_confirm", fiber.Map{"C": confirmation{Title: tr("confirm.deal_reject", "Name", r.Title),
		Consequence: tr("confirm.deal_reject_then"), Action: c.Path(), Button: tr("deals.reject"), Cancel: dealPath(r.ID)}, "Form": "deal-reject"})
}

func (s *Server) dealRejectForm(c *fiber.Ctx) error {
	if err := actorOf(c).RequireVendor(partners.Manager); err != nil {
		return err
	}
	r, err := s.dealVisible(c)
	if err != nil {
		return err
	}
	u, err := s.deals.Reject(c.UserContext(), *actorOf(c), r.ID, c.FormValue("reason"))
	if err != nil {
		return s.rejected(c, dealRejectForm, dealPath(r.ID)+"/reject", err)
	}
	return s.done(c, dealPath(r.ID), translator(lang(c))("flash.deal_reject", "Name", u.Title))
}

// dealConvert converts an approved registration and answers with the joint
// deal it made.
func (s *Server) dealConvert(c *fiber.Ctx) error {
	if err := actorOf(c).RequireVendor(partners.Manager); err != nil {
		return err
	}
	r, err := s.dealVisible(c)
	if err != nil {
		return err
	}
	ctx, a := c.UserContext(), *actorOf(c)
	u, err := s.deals.Convert(ctx, a, r.ID)
	if err != nil {
		return s.rejected(c, confirmForm, dealPath(r.ID), err)
	}
	to := dealPath(r.ID)
	if d, err := s.deals.JointOf(ctx, a, r.ID); err == nil {
		to = jointPath(d.ID)
	}
	return s.done(c, to, translator(lang(c))("flash.deal_convert", "Name", u.Title))
}
