package web

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/partners"
)

// importPages registers the import pages.
func (s *Server) importPages(p addPage) {
	p("GET", "/accounts/import", partners.Sales, s.importPage)
	p("POST", "/accounts/import", partners.Sales, s.importUpload)
	p("GET", "/imports/:id", partners.Viewer, s.importStatusPage)
	p("POST", "/imports/:id/apply", partners.Sales, s.importApplyForm)
}

func (s *Server) importPage(c *fiber.Ctx) error {
	return s.render(c, "import", fiber.Map{"MaxMiB": imports.MaxBytes >> 20})
}

func (s *Server) importUpload(c *fiber.Ctx) error {
	name, data, err := readUpload(c)
	if err == nil {
		var opts imports.Options
		if opts, err = importOptions(c); err == nil {
			var j *imports.Job
			if j, err = s.imports.Start(c.UserContext(), *actorOf(c), name, data, opts); err == nil {
				return seeOther(c, "/imports/"+strconv.FormatInt(j.ID, 10))
			}
		}
	}
	if m, ok := formError(c, err); ok {
		m["MaxMiB"] = imports.MaxBytes >> 20
		return s.render(c, "import", m)
	}
	return err
}

func (s *Server) importStatusPage(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	j, err := s.imports.Job(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	var res imports.Result
	if len(j.Result) > 0 {
		if err := json.Unmarshal(j.Result, &res); err != nil {
			return fmt.Errorf("import %d: stored result: %w", id, err)
		}
	}
	j.Error = storedMessage(c, j.Error)
	pct := 0
	if j.Total > 0 {
		pct = j.Processed * 100 / j.Total
	}
	return s.render(c, "importstatus", fiber.Map{"J": j, "R": res, "Pct": pct, "Refresh": j.State == "queued" || j.State == "running",
		"CanApply": j.DryRun && j.State == "done" && len(res.Errors) == 0})
}

// storedMessage shows a message stored in English for later (a job's last error,
// an import's failure, such as "Internal error.") in the page's language when the
// catalog has it.
func storedMessage(c *fiber.Ctx, msg string) string {
	if t := l10n.Lookup(lang(c), msg); t != "" {
		return t
	}
	return msg
}

func (s *Server) importApplyForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	j, err := s.imports.ApplyPreview(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	return seeOther(c, "/imports/"+strconv.FormatInt(j.ID, 10))
}
