package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

func (s *Server) orgsPage(c *fiber.Ctx) error { return s.orgsPageWith(c, nil) }

// orgSorts are the organizations list's sortable columns: name (A to Z
// first) and created (oldest first, the order they were made in).
var orgSorts = map[string]bool{"name": false, "created": false}

// orgListParams are the organizations list's search and filters.
var orgListParams = []string{"q", "kind", "tier", "region", "status"}

// orgsTable reads the organizations list's table state and its filter: kind,
// tier, region and status are choices among the values present in the
// network, the region without regard to case (every spelling of the chosen
// one matches).
func (s *Server) orgsTable(c *fiber.Ctx) (*table, partners.OrganizationList, fiber.Map, error) {
	t := newTable(c, "/organizations", orgSorts, "created", orgListParams...)
	t.Export = "/organizations/export.csv"
	f := partners.OrganizationList{Query: c.Query("q"), Sort: t.Sort, Cursor: c.Query("cursor"), Limit: t.Limit}
	ch, err := s.partners.ListOrganizationChoices(c.UserContext(), *actorOf(c))
	if err != nil {
		return nil, f, nil, err
	}
	pick := func(values []string, param string) ([]choice, []string) {
		opts, spellings := choicesOf(values, c.Query(param))
		if v := c.Query(param); v != "" && len(spellings) == 0 {
			// A value none has: nothing matches (the filter stays set).
			spellings = []string{v}
		}
		return opts, spellings
	}
	kinds, ks := pick(ch.Kinds, "kind")
	tiers, ts := pick(ch.Tiers, "tier")
	regions, rs := pick(ch.Regions, "region")
	statuses, ss := pick(ch.Statuses, "status")
	f.Kinds, f.Tiers, f.Regions, f.Statuses = ks, ts, rs, ss
	return t, f, fiber.Map{"KindChoices": kinds, "TierChoices": tiers, "RegionChoices": regions, "StatusChoices": statuses}, nil
}

func (s *Server) orgsPageWith(c *fiber.Ctx, extra fiber.Map) error {
	a := actorOf(c)
	ctx := c.UserContext()
	t, f, data, err := s.orgsTable(c)
	if err != nil {
		return err
	}
	page, err := s.partners.ListOrganizations(ctx, *a, f)
	if err != nil {
		return err
	}
	if t.Total, err = s.partners.CountOrganizations(ctx, *a, f); err != nil {
		return err
	}
	t.Next, t.Prev, t.Shown = page.Next, page.Prev, len(page.Organizations)
	if f.Cursor == "" {
		t.From = 1
	}
	var partnerKinds []string
	for _, k := range partners.Kinds {
		if k != "vendor" {
			partnerKinds = append(partnerKinds, k)
		}
	}
	data["Kinds"], data["PartnerKinds"], data["Tiers"], data["Table"] = partners.Kinds, partnerKinds, partners.Tiers, t
	data["Orgs"], data["Cursor"], data["Q"] = page.Organizations, f.Cursor, f.Query
	data["CreateHref"] = ""
	if a.VendorOrg && a.Role.AtLeast(partners.Manager) {
		data["CreateHref"] = "#org-new"
	}
	for k, v := range extra {
		data[k] = v
	}
	return s.render(c, "organizations", data)
}

// orgsExport is the organizations list as CSV, exactly as shown: every page of
// its filters, search and order, or with page=1 the page of the cursor only.
func (s *Server) orgsExport(c *fiber.Ctx) error {
	a := actorOf(c)
	_, f, _, err := s.orgsTable(c)
	if err != nil {
		return err
	}
	onePage, err := queryBool(c, "page")
	if err != nil {
		return err
	}
	if onePage {
		if f.Limit, err = limitParam(c); err != nil {
			return err
		}
	} else {
		f.Limit, f.Cursor = 200, ""
	}
	tr := translator(lang(c))
	rows := [][]string{{tr("orgs.name"), tr("org.kind"), tr("org.tier"), tr("org.region"), tr("org.email_domains"), tr("users.status")}}
	for {
		page, err := s.partners.ListOrganizations(c.UserContext(), *a, f)
		if err != nil {
			return err
		}
		for _, o := range page.Organizations {
			rows = append(rows, []string{o.Name, tr("kind." + o.Kind), tr("tier." + o.Tier), o.Region, strings.Join(o.EmailDomains, " "), tr("status." + o.Status)})
		}
		if onePage || page.Next == "" || len(rows) > exportCap {
			break
		}
		f.Cursor = page.Next
	}
	return sendCSV(c, "organizations", rows)
}

// The organizations page's forms: a new organization, and each row's editor.
var (
	orgNewForm = newForm("org-new",
		fieldSpec{Name: "name", Label: "orgs.name", Required: true, Max: 200},
		fieldSpec{Name: "kind", Label: "org.kind", Type: "select", OptionPrefix: "kind."},
		fieldSpec{Name: "tier", Label: "org.tier", Type: "select", OptionPrefix: "tier."},
		fieldSpec{Name: "region", Label: "org.region", Max: 60},
		fieldSpec{Name: "email_domains", Label: "org.email_domains", Hint: "orgs.email_domains_help"})
	orgEditForm = newForm("org-edit",
		fieldSpec{Name: "name", Label: "orgs.name"},
		fieldSpec{Name: "kind", Label: "org.kind", Type: "select", OptionPrefix: "kind."},
		fieldSpec{Name: "tier", Label: "org.tier", Type: "select", OptionPrefix: "tier."},
		fieldSpec{Name: "region", Label: "org.region", Max: 60},
		fieldSpec{Name: "email_domains", Label: "org.email_domains"},
		fieldSpec{Name: "status", Label: "users.status"})
)

func (s *Server) orgCreate(c *fiber.Ctx) error {
	in := partners.OrganizationInput{Name: optional(c, "name"), Kind: optional(c, "kind"), Tier: optional(c, "tier"), Region: optional(c, "region"), EmailDomains: domainsField(c)}
	o, err := s.partners.CreateOrganization(c.UserContext(), *actorOf(c), in)
	if err != nil {
		return s.rejected(c, orgNewForm, "/organizations", err)
	}
	return s.done(c, "/organizations", translator(lang(c))("flash.org_created", "Name", o.Name))
}

// orgDeactivateConfirm asks before an organization is deactivated.
func (s *Server) orgDeactivateConfirm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	// The vendor's managers alone change organizations: others are refused
	// before anything is looked up, as the change itself refuses them.
	if err := actorOf(c).RequireVendor(partners.Manager); err != nil {
		return err
	}
	o, err := s.partners.Organization(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	tr := translator(lang(c))
	return s.confirm(c, confirmation{Title: tr("confirm.org_deactivate", "Name", o.Name), Consequence: tr("confirm.org_deactivate_then", "Name", o.Name),
		Button: tr("users.deactivate"), Cancel: "/organizations", Action: "/organizations/" + c.Params("id"), Hidden: map[string]string{"status": "inactive"}})
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
	o, err := s.partners.UpdateOrganization(c.UserContext(), *actorOf(c), id, in)
	if err != nil {
		if k := apperr.KindOf(err); k == apperr.Invalid || k == apperr.Conflict {
			if _, gerr := s.partners.Organization(c.UserContext(), *actorOf(c), id); gerr != nil {
				return gerr
			}
		}
		return s.rejected(c, orgEditForm.row(id), "/organizations", err)
	}
	msg := "flash.org_saved"
	if in.Status != nil && *in.Status == "inactive" {
		msg = "flash.org_deactivated"
	}
	return s.done(c, "/organizations", translator(lang(c))(msg, "Name", o.Name))
}

// organizationPages registers the organizations pages.
func (s *Server) organizationPages(p addPage) {
	p("GET", "/organizations", partners.Viewer, s.orgsPage)
	p("GET", "/organizations/export.csv", partners.Viewer, s.orgsExport)
	p("POST", "/organizations", partners.Manager, s.orgCreate)
	p("GET", "/organizations/:id/deactivate", partners.Manager, s.orgDeactivateConfirm)
	p("POST", "/organizations/:id", partners.Manager, s.orgUpdate)
}
