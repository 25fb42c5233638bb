package web

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/l10n"
	"github.com/partnerhub/partnerhub/partners"
)

// importPages registers the import pages.
func (s *Server) importPages(p addPage) {
	p("GET", "/accounts/import", partners.Sales, s.importPage)
	p("POST", "/accounts/import", partners.Sales, s.importUpload)
	p("GET", "/imports", partners.Viewer, s.importsPage)
	p("GET", "/imports/export.csv", partners.Viewer, s.importsExport)
	p("GET", "/imports/:id", partners.Viewer, s.importStatusPage)
	p("POST", "/imports/:id/apply", partners.Sales, s.importApplyForm)
	p("POST", "/imports/:id/columns", partners.Sales, s.importColumnsForm)
}

// importForm is the upload form: a rejected upload comes back (PRG) with the
// kind, the mapping and the preview box as they were sent, and the message
// beside its field (the file is chosen again: a browser cannot be handed one).
var importForm = newForm("import",
	fieldSpec{Name: "kind", Label: "import.kind", Type: "select"},
	fieldSpec{Name: "file", Label: "import.file_field", Required: true},
	fieldSpec{Name: "mapping", Label: "import.mapping"},
	fieldSpec{Name: "columns", Label: "import.columns"},
	fieldSpec{Name: "dry_run", Label: "import.preview"})

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
	// An API key calling the portal (no session to carry the form back) gets
	// the error page.
	return s.rejected(c, importForm, "/accounts/import", err)
}

// importStates and importKinds are the imports list's filters.
var (
	importStates = []string{"mapping", "queued", "running", "done", "failed"}
	importKinds  = []string{"accounts", "contacts"}
)

// importsFilter reads the imports list's filters and page. Errors: Invalid,
// naming the field.
func importsFilter(c *fiber.Ctx, t *table) (imports.ListFilter, error) {
	f := imports.ListFilter{State: c.Query("state"), Kind: c.Query("kind"), Limit: t.Limit + 1}
	if f.State != "" {
		if err := oneOfField("state", f.State, importStates); err != nil {
			return f, err
		}
	}
	if f.Kind != "" {
		if err := oneOfField("kind", f.Kind, importKinds); err != nil {
			return f, err
		}
	}
	var err error
	f.Before, f.After, err = t.idCursor(c)
	return f, err
}

// importsPage lists the organization's imports, newest first, each linked to
// its page, with its state (an icon and a word, not only a color).
func (s *Server) importsPage(c *fiber.Ctx) error {
	t := newTable(c, "/imports", nil, "", "state", "kind")
	t.Export = "/imports/export.csv"
	f, err := importsFilter(c, t)
	if err != nil {
		return err
	}
	a := *actorOf(c)
	list, err := s.imports.List(c.UserContext(), a, f)
	if err != nil {
		return err
	}
	ids := make([]int64, len(list))
	for i, j := range list {
		ids[i] = j.ID
	}
	lo, hi := t.idPage(ids, f.After > 0, f.Before > 0 || f.After > 0)
	if t.Total, err = s.imports.Count(c.UserContext(), a, f); err != nil {
		return err
	}
	create := ""
	if a.Role.AtLeast(partners.Sales) {
		create = "/accounts/import"
	}
	return s.render(c, "imports", fiber.Map{"Imports": list[lo:hi], "States": importStates, "Kinds": importKinds, "State": f.State, "Kind": f.Kind,
		"Table": t, "Cursor": c.Query("cursor"), "CreateHref": create})
}

// importsExport is the imports list as CSV, exactly as shown: every page of
// its filters (newest first), or with page=1 the page of the cursor only.
func (s *Server) importsExport(c *fiber.Ctx) error {
	t := newTable(c, "/imports", nil, "", "state", "kind")
	f, err := importsFilter(c, t)
	if err != nil {
		return err
	}
	onePage, err := queryBool(c, "page")
	if err != nil {
		return err
	}
	if onePage {
		f.Limit = t.Limit
	} else {
		f.Before, f.After, f.Limit = 0, 0, 200
	}
	tr := translator(lang(c))
	rows := [][]string{{"#", tr("imports.file"), tr("import.kind"), tr("jobs.state"), tr("imports.rows"), tr("imports.created")}}
	a := *actorOf(c)
	for {
		list, err := s.imports.List(c.UserContext(), a, f)
		if err != nil {
			return err
		}
		for _, j := range list {
			rows = append(rows, []string{strconv.FormatInt(j.ID, 10), j.Filename, tr("imports.kind." + j.Kind), tr("jobs.state." + j.State),
				strconv.Itoa(j.Processed) + "/" + strconv.Itoa(j.Total), j.CreatedAt.UTC().Format(time.RFC3339)})
		}
		if onePage || len(list) < f.Limit || len(rows) > exportCap {
			break
		}
		f.Before = list[len(list)-1].ID
	}
	return sendCSV(c, "imports", rows)
}

func (s *Server) importStatusPage(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	return s.renderImport(c, id, nil)
}

// renderImport shows an import: its progress, its result, or, while it waits
// for its columns, the matching step.
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
		m["Columns"] = columnChoices(match)
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
	Value string
}

// columnChoices lists a waiting import's columns: a known one with its field,
// an unknown one with the fields ranked (the likest first) and "ignore" (the
// page selects a rejected form's choice, read with "typed").
func columnChoices(m *imports.Matching) []columnChoice {
	var out []columnChoice
	for _, col := range m.Columns {
		cc := columnChoice{Index: col.Index, Header: col.Header, Known: col.Field}
		if col.Field == "" {
			for _, f := range append(col.Suggestions, imports.Ignore) {
				cc.Options = append(cc.Options, columnOption{Value: f})
			}
		}
		out = append(out, cc)
	}
	return out
}

// matchColumnsForm is the matching step's form: its fields are the file's
// columns (col_INDEX), so they are not declared; the page reads them back with
// the "typed" template function.
var matchColumnsForm = newForm("match-columns")

// importColumnsForm takes the matching step's choices: a field or "ignore" for
// each column, sent as col_INDEX. A rejected choice goes back to the step (PRG)
// with the choices as sent and the message beside the columns it names (or,
// naming none, beside those still without a choice), and a summary on top.
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
	page := "/imports/" + strconv.FormatInt(id, 10)
	j, err := s.imports.MatchColumns(c.UserContext(), a, id, choices)
	if err == nil {
		return seeOther(c, "/imports/"+strconv.FormatInt(j.ID, 10))
	}
	ae, ok := apperr.As(err)
	if !ok || (ae.Kind != apperr.Invalid && ae.Kind != apperr.Conflict) {
		return err
	}
	l := lang(c)
	msg := ae.Translated(func(format string) string { return l10n.Lookup(l, format) })
	st := &formState{ID: matchColumnsForm.ID, Values: map[string][]string{}, Errors: map[string]string{}}
	var named, open []string
	for _, col := range match.Columns {
		name := "col_" + strconv.Itoa(col.Index)
		if v := c.FormValue(name); v != "" {
			st.Values[name] = []string{v}
		}
		if col.Field != "" {
			continue
		}
		if strings.Contains(msg, strconv.Quote(col.Header)) {
			named = append(named, name)
		} else if c.FormValue(name) == "" {
			open = append(open, name)
		}
	}
	if len(named) == 0 {
		named = open
	}
	p := formProblem{Text: msg}
	for i, name := range named {
		st.Errors[name] = msg
		if i == 0 {
			p.Field = name
		}
	}
	st.Problems = []formProblem{p}
	kept, kerr := s.keepFlash(c, flash{Form: st})
	if kerr != nil {
		return kerr
	}
	if !kept {
		// An API key calling the portal: the error page says it.
		return err
	}
	return seeOther(c, page+"#error-summary")
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
