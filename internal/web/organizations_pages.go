package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

func (s *Server) orgsPage(c *fiber.Ctx) error { return s.orgsPageWith(c, nil) }

func (s *Server) orgsPageWith(c *fiber.Ctx, extra fiber.Map) error {
	a := actorOf(c)
	t := newTable(c, "/organizations", nil, "")
	t.asc = true
	before, after, err := t.idCursor(c)
	if err != nil {
		return err
	}
	orgs, err := s.partners.Organizations(c.UserContext(), *a, partners.OrganizationFilter{After: after, Before: before, Limit: t.Limit + 1})
	if err != nil {
		return err
	}
	var partnerKinds []string
	for _, k := range partners.Kinds {
		if k != "vendor" {
			partnerKinds = append(partnerKinds, k)
		}
	}
	data := fiber.Map{"Kinds": partners.Kinds, "PartnerKinds": partnerKinds, "Tiers": partners.Tiers, "Table": t}
	ids := make([]int64, len(orgs))
	for i, o := range orgs {
		ids[i] = o.ID
	}
	lo, hi := t.idPage(ids, before > 0, before > 0 || after > 0)
	data["Orgs"] = orgs[lo:hi]
	for k, v := range extra {
		data[k] = v
	}
	return s.render(c, "organizations", data)
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
	p("POST", "/organizations", partners.Manager, s.orgCreate)
	p("GET", "/organizations/:id/deactivate", partners.Manager, s.orgDeactivateConfirm)
	p("POST", "/organizations/:id", partners.Manager, s.orgUpdate)
}
