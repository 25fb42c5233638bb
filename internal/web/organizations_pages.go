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

// organizationPages registers the organizations pages.
func (s *Server) organizationPages(p addPage) {
	p("GET", "/organizations", partners.Viewer, s.orgsPage)
	p("POST", "/organizations", partners.Manager, s.orgCreate)
	p("POST", "/organizations/:id", partners.Manager, s.orgUpdate)
}
