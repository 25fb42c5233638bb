package web

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

// readUpload takes the "file" part of a multipart form, or a text/csv body.
func readUpload(c *fiber.Ctx) (string, []byte, error) {
	if ct := string(c.Request().Header.ContentType()); len(ct) >= 8 && ct[:8] == "text/csv" {
		return c.Query("filename", "upload.csv"), c.Body(), nil
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return "", nil, apperr.Field("file", "send the CSV as the multipart field \"file\", or as a text/csv body")
	}
	if fh.Size > accounts.MaxImportBytes {
		return "", nil, apperr.Field("file", "the file is %d bytes; the limit is %d MiB", fh.Size, accounts.MaxImportBytes>>20)
	}
	f, err := fh.Open()
	if err != nil {
		return "", nil, apperr.Field("file", "the upload could not be read")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, accounts.MaxImportBytes+1))
	if err != nil {
		return "", nil, apperr.Field("file", "the upload could not be read")
	}
	return fh.Filename, data, nil
}

func importOptions(c *fiber.Ctx) (accounts.ImportOptions, error) {
	opts := accounts.ImportOptions{Kind: c.FormValue("kind", c.Query("kind", "accounts"))}
	dry := c.FormValue("dry_run", c.Query("dry_run"))
	opts.DryRun = dry == "true" || dry == "1" || dry == "on"
	if m := c.FormValue("mapping", c.Query("mapping")); m != "" {
		if err := json.Unmarshal([]byte(m), &opts.Mapping); err != nil {
			return opts, apperr.Field("mapping", "must be a JSON object of column to field, such as {\"Website\":\"domains\",\"Notes\":\"ignore\"}")
		}
	}
	return opts, nil
}

func (s *Server) importRoutes() []route {
	return []route{
		{Method: "POST", Path: "/imports", Role: partners.Sales, Summary: "Upload a CSV of accounts or contacts (multipart field file, or a text/csv body); kind, dry_run and mapping as form fields or query parameters. The import runs in the background.", Tag: "imports", Reply: "Import", Status: 202, Query: []string{"kind", "dry_run", "mapping", "filename"}, handler: s.apiImportStart},
		{Method: "GET", Path: "/imports/:id", Role: partners.Viewer, Summary: "An import's progress and result", Tag: "imports", Reply: "Import", handler: s.apiImport},
		{Method: "POST", Path: "/imports/:id/apply", Role: partners.Sales, Summary: "Apply an error-free preview", Tag: "imports", Reply: "Import", Status: 202, handler: s.apiImportApply},
		{Method: "GET", Path: "/accounts/export.csv", Role: partners.Viewer, Summary: "The accounts you may see, as CSV (same filters as the list)", Tag: "accounts", Query: []string{"owner", "region", "industry", "tag", "q", "archived"}, handler: s.accountsExport},
	}
}

func (s *Server) apiImportStart(c *fiber.Ctx) error {
	name, data, err := readUpload(c)
	if err != nil {
		return err
	}
	opts, err := importOptions(c)
	if err != nil {
		return err
	}
	j, err := s.accounts.StartImport(c.UserContext(), *actorOf(c), name, data, opts)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(j)
}

func (s *Server) apiImport(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	j, err := s.accounts.ImportJob(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(j)
}

func (s *Server) apiImportApply(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	j, err := s.accounts.ApplyPreview(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(j)
}

func (s *Server) accountsExport(c *fiber.Ctx) error {
	f, err := accountFilter(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, attachment("accounts-"+time.Now().UTC().Format("20060102")+".csv"))
	_, err = s.accounts.Export(c.UserContext(), *actorOf(c), f, c.Response().BodyWriter())
	return err
}

func (s *Server) importPortalRoutes() {
	s.App.Get("/accounts/import", need(partners.Sales, s.importPage))
	s.App.Post("/accounts/import", need(partners.Sales, s.importUpload))
	s.App.Get("/imports/:id", need(partners.Viewer, s.importStatusPage))
	s.App.Post("/imports/:id/apply", need(partners.Sales, s.importApplyForm))
}

func (s *Server) importPage(c *fiber.Ctx) error {
	return s.render(c, "import", fiber.Map{"MaxMiB": accounts.MaxImportBytes >> 20})
}

func (s *Server) importUpload(c *fiber.Ctx) error {
	name, data, err := readUpload(c)
	if err == nil {
		var opts accounts.ImportOptions
		if opts, err = importOptions(c); err == nil {
			var j *accounts.ImportJob
			if j, err = s.accounts.StartImport(c.UserContext(), *actorOf(c), name, data, opts); err == nil {
				return seeOther(c, "/imports/"+strconv.FormatInt(j.ID, 10))
			}
		}
	}
	if m, ok := formError(c, err); ok {
		m["MaxMiB"] = accounts.MaxImportBytes >> 20
		return s.render(c, "import", m)
	}
	return err
}

func (s *Server) importStatusPage(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	j, err := s.accounts.ImportJob(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	var res accounts.ImportResult
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
	j, err := s.accounts.ApplyPreview(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	return seeOther(c, "/imports/"+strconv.FormatInt(j.ID, 10))
}
