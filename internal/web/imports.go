package web

import (
	"encoding/json"
	"io"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
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
	f, err := fh.Open()
	if err != nil {
		return "", nil, apperr.Field("file", "the upload could not be read")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, imports.MaxBytes+1))
	if err != nil {
		return "", nil, apperr.Field("file", "the upload could not be read")
	}
	return fh.Filename, data, nil
}

func importOptions(c *fiber.Ctx) (imports.Options, error) {
	opts := imports.Options{Kind: c.FormValue("kind", c.Query("kind", "accounts"))}
	dry := c.FormValue("dry_run", c.Query("dry_run"))
	opts.DryRun = dry == "true" || dry == "1" || dry == "on"
	if m := c.FormValue("mapping", c.Query("mapping")); m != "" {
		if err := json.Unmarshal([]byte(m), &opts.Mapping); err != nil {
			return opts, apperr.Field("mapping", "must be a JSON object of column to field, such as {\"Website\":\"domains\",\"Notes\":\"ignore\"}")
		}
	}
	return opts, nil
}

// importAPI is the imports part of the API route table.
func (s *Server) importAPI() []route {
	return []route{
		{Method: "POST", Path: "/imports", Role: partners.Sales, Summary: "Upload a CSV of accounts or contacts (multipart field file, or a text/csv body); kind, dry_run and mapping as form fields or query parameters. The import runs in the background.", Tag: "imports", Reply: "Import", Status: 202, Query: []string{"kind", "dry_run", "mapping", "filename"}, handler: s.apiImportStart},
		{Method: "GET", Path: "/imports/:id", Role: partners.Viewer, Summary: "An import's progress and result", Tag: "imports", Reply: "Import", handler: s.apiImport},
		{Method: "POST", Path: "/imports/:id/apply", Role: partners.Sales, Summary: "Apply an error-free preview", Tag: "imports", Reply: "Import", Status: 202, handler: s.apiImportApply},
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
	j, err := s.imports.Start(c.UserContext(), *actorOf(c), name, data, opts)
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
	j, err := s.imports.Job(c.UserContext(), *actorOf(c), id)
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
	j, err := s.imports.ApplyPreview(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(j)
}
