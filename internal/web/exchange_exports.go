package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/exchange/interchange"
	"github.com/partnerhub/partnerhub/partners"
)

// exchangeExportAPI is the outbound part of the EDI exchange (issue 21): an
// export of records to a trading partner in its profile's format, and the
// download of an export made before.
func (s *Server) exchangeExportAPI() []route {
	return []route{
		{Method: "POST", Path: "/exchange/exports", Role: partners.Sales, Summary: "Export your organization's records of a kind to a trading partner in its profile's format: accounts (X12 816, EDIFACT PARTIN) or special_pricing (approved registrations, X12 845), or either as CSV (the import's columns) or JSON, with the profile's delimiters and the next number of its control-number sequence (never handed out twice). The reply holds the file in content.", Tag: "exchange", Request: "ExportInput", Reply: "Export", Status: 201, handler: s.apiExportCreate},
		{Method: "GET", Path: "/exchange/exports", Role: partners.Viewer, Summary: "Your organization's exports, newest first", Tag: "exchange", Reply: "Export", List: true, handler: s.apiExports},
		{Method: "GET", Path: "/exchange/exports/:id/file", Role: partners.Viewer, Summary: "An export's file, as sent", Tag: "exchange", handler: s.apiExportFile},
	}
}

func (s *Server) apiExportCreate(c *fiber.Ctx) error {
	var in interchange.ExportInput
	if err := decode(c, &in); err != nil {
		return err
	}
	e, data, err := s.exchange.Export(c.UserContext(), *actorOf(c), in)
	if err != nil {
		return err
	}
	e.Content = string(data)
	return c.Status(fiber.StatusCreated).JSON(e)
}

func (s *Server) apiExports(c *fiber.Ctx) error {
	return paged(c, func(e interchange.Export) int64 { return e.ID }, func(before int64, limit int) ([]interchange.Export, error) {
		return s.exchange.Exports(c.UserContext(), *actorOf(c), before, limit)
	})
}

// exportType is the media type of an export in a format.
func exportType(format string) string {
	switch format {
	case interchange.X12:
		return "application/edi-x12"
	case interchange.EDIFACT:
		return "application/edifact"
	case interchange.CSV:
		return "text/csv; charset=utf-8"
	}
	return "application/json"
}

func (s *Server) apiExportFile(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	e, data, err := s.exchange.ExportFile(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, exportType(e.Format))
	c.Set(fiber.HeaderContentDisposition, attachment(e.Filename))
	return c.Send(data)
}

var exportForm = newForm("export",
	fieldSpec{Name: "kind", Label: "exchange.export_kind", Type: "select", OptionPrefix: "exchange.export_kind."})

// exchangeExportPages registers the portal's export action: a profile's page
// has the form; a success answers 303 to the export's file.
func (s *Server) exchangeExportPages(p addPage) {
	p("POST", "/exchange/profiles/:id/export", partners.Admin, s.exportCreate)
	p("GET", "/exchange/exports/:id/file", partners.Admin, s.apiExportFile)
}

func (s *Server) exportCreate(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	back := "/exchange/profiles/" + strconv.FormatInt(id, 10)
	// The profile is checked first: a rejection tells nothing of another
	// organization's profile.
	if _, err := s.exchange.Profile(c.UserContext(), *actorOf(c), id); err != nil {
		return err
	}
	e, _, err := s.exchange.Export(c.UserContext(), *actorOf(c), interchange.ExportInput{Profile: id, Kind: c.FormValue("kind")})
	if err != nil {
		return s.rejected(c, exportForm, back, err)
	}
	return seeOther(c, "/exchange/exports/"+strconv.FormatInt(e.ID, 10)+"/file")
}
