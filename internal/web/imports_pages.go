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
	p("POST", "/imports/:id/columns", partners.Sales, s.importColumnsForm)
}

func (s *Server) importPage(c *fiber.Ctx) error {
	return s.render(c, "import", fiber.Map{"MaxMiB": imports.MaxBytes >> 20})
}

func (s *Server) importUpload(c *fiber.Ctx) error {
	name, data, err := readUpload(c)
	if err == nil {
		var opts imports.Options
		if opts, err = importOptions(c); err == nil {
			// An unknown column leads to the matching step, not to a failed job.
			opts.Match = true
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
	return s.renderImport(c, id, nil)
}

// renderImport shows an import: its progress, its result, or, while it waits
// for its columns, the matching step (m holds a rejected choice's error and the
// choices as they were sent).
func (s *Server) renderImport(c *fiber.Ctx, id int64, m fiber.Map) error {
	j, err := s.imports.Job(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	if m == nil {
		m = fiber.Map{}
	}
	if j.State == "mapping" {
		match, err := s.imports.Matching(c.UserContext(), *actorOf(c), id)
		if err != nil {
			return err
		}
		chosen, _ := m["Chosen"].(map[string]string)
		m["Columns"] = columnChoices(match, chosen)
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
	m["J"], m["R"], m["Pct"], m["Refresh"] = j, res, pct, j.State == "queued" || j.State == "running"
	m["CanApply"] = j.DryRun && j.State == "done" && len(res.Errors) == 0
	return s.render(c, "importstatus", m)
}

// columnChoice is a column of the matching step as the page shows it.
type columnChoice struct {
	Index   int
	Header  string
	Known   string // the field a known column fills
	Options []columnOption
}

type columnOption struct {
	Value    string
	Selected bool
}

// columnChoices lists a waiting import's columns: a known one with its field,
// an unknown one with the fields ranked (the likest first) and "ignore", the
// choice sent before selected.
func columnChoices(m *imports.Matching, chosen map[string]string) []columnChoice {
	var out []columnChoice
	for _, col := range m.Columns {
		cc := columnChoice{Index: col.Index, Header: col.Header, Known: col.Field}
		if col.Field == "" {
			for _, f := range append(col.Suggestions, imports.Ignore) {
				cc.Options = append(cc.Options, columnOption{Value: f, Selected: chosen[col.Header] == f})
			}
		}
		out = append(out, cc)
	}
	return out
}

// importColumnsForm takes the matching step's choices: a field or "ignore" for
// each column, sent as col_INDEX. A rejected choice shows the step again with
// the message and the choices as sent.
func (s *Server) importColumnsForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	a := *actorOf(c)
	match, err := s.imports.Matching(c.UserContext(), a, id)
	if err != nil {
		return err
	}
	choices := map[string]string{}
	for _, col := range match.Columns {
		if v := c.FormValue("col_" + strconv.Itoa(col.Index)); v != "" {
			choices[col.Header] = v
		}
	}
	j, err := s.imports.MatchColumns(c.UserContext(), a, id, choices)
	if err == nil {
		return seeOther(c, "/imports/"+strconv.FormatInt(j.ID, 10))
	}
	if m, ok := formError(c, err); ok {
		m["Chosen"] = choices
		return s.renderImport(c, id, m)
	}
	return err
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
