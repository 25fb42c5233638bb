package web

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/exchange/interchange"
	"github.com/partnerhub/partnerhub/exchange/mail/imapsync"
	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/internal/notify"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/deals"
	"github.com/partnerhub/partnerhub/partners/leads"
)

// jobStates and jobKinds are the Jobs page's filters.
var (
	jobStates = []string{"queued", "running", "done", "failed"}
	jobKinds  = []string{imports.JobKind, interchange.JobKind, interchange.WebhookJob, imapsync.JobKind, notify.EmailJob, deals.ClockJob, leads.ClockJob}
)

// jobRow is a job as the Jobs page shows it: its state is its import's where
// the job ran one (an import that failed in a job that ended normally is
// failed), Name names what it did (a locale key; a kind the page does not know
// as it is), and Link leads to that.
type jobRow struct {
	jobs.Job
	Shown string
	Name  string
	Link  string
}

// jobFilter reads the Jobs page's filters. Errors: Invalid, naming the field.
func jobFilter(c *fiber.Ctx) (jobs.Filter, error) {
	f := jobs.Filter{State: c.Query("state"), Kind: c.Query("kind")}
	if f.State != "" {
		if err := oneOfField("state", f.State, jobStates); err != nil {
			return f, err
		}
	}
	if f.Kind != "" {
		if err := oneOfField("kind", f.Kind, jobKinds); err != nil {
			return f, err
		}
	}
	return f, nil
}

// jobSorts: the Jobs list sorts by when a job was made (newest first, or
// oldest first).
var jobSorts = map[string]bool{"created": true}

func (s *Server) jobsPage(c *fiber.Ctx) error {
	t := newTable(c, "/jobs", jobSorts, "created", "state", "kind")
	t.Export = "/jobs/export.csv"
	f, err := jobFilter(c)
	if err != nil {
		return err
	}
	f.Limit, f.Asc = t.Limit+1, t.Sort == "-created"
	t.asc = f.Asc
	if f.Before, f.After, err = t.idCursor(c); err != nil {
		return err
	}
	a := *actorOf(c)
	list, err := jobs.Find(c.UserContext(), s.db, a.Scope(), f)
	if err != nil {
		return err
	}
	jobIDs := make([]int64, len(list))
	for i, j := range list {
		jobIDs[i] = j.ID
	}
	back := f.After > 0
	if f.Asc {
		back = f.Before > 0
	}
	lo, hi := t.idPage(jobIDs, back, f.Before > 0 || f.After > 0)
	if t.Total, err = jobs.Count(c.UserContext(), s.db, a.Scope(), f); err != nil {
		return err
	}
	rows, err := s.jobRows(c, list[lo:hi])
	if err != nil {
		return err
	}
	return s.render(c, "jobs", fiber.Map{"Jobs": rows, "States": jobStates, "Kinds": jobKinds, "State": f.State, "Kind": f.Kind, "Table": t,
		"Cursor": c.Query("cursor")})
}

// jobRows are jobs as the page shows them: named for what they did, linked to
// it (the import, the interchange, the mailbox…), an import's failure shown
// as the job's.
func (s *Server) jobRows(c *fiber.Ctx, list []jobs.Job) ([]jobRow, error) {
	var ids []int64
	importOf := map[int64]int64{}
	for _, j := range list {
		if j.Kind == imports.JobKind {
			var p struct{ Import int64 }
			if json.Unmarshal(j.Payload, &p) == nil && p.Import > 0 {
				importOf[j.ID] = p.Import
				ids = append(ids, p.Import)
			}
		}
	}
	imps, err := s.imports.Jobs(c.UserContext(), *actorOf(c), ids)
	if err != nil {
		return nil, err
	}
	rows := make([]jobRow, len(list))
	for i, j := range list {
		j.LastError = storedMessage(c, j.LastError)
		r := jobRow{Job: j, Shown: j.State, Name: j.Kind}
		if slices.Contains(jobKinds, j.Kind) {
			r.Name = "jobs.kind." + j.Kind
		}
		var p struct {
			Interchange int64 `json:"interchange"`
			Mailbox     int64 `json:"mailbox_id"`
		}
		json.Unmarshal(j.Payload, &p)
		switch {
		case j.Kind == interchange.JobKind && p.Interchange > 0:
			r.Link = "/exchange/interchanges/" + strconv.FormatInt(p.Interchange, 10)
		case j.Kind == interchange.WebhookJob:
			r.Link = "/exchange/webhooks"
		case j.Kind == imapsync.JobKind && p.Mailbox > 0:
			r.Link = "/settings/mailboxes/" + strconv.FormatInt(p.Mailbox, 10)
		}
		if imp := imps[importOf[j.ID]]; imp != nil {
			r.Name = "jobs.kind.import." + imp.Kind
			r.Link = "/imports/" + strconv.FormatInt(imp.ID, 10)
			if imp.State == "failed" {
				r.Shown = "failed"
				if r.LastError == "" {
					r.LastError = storedMessage(c, imp.Error)
				}
			}
		}
		rows[i] = r
	}
	return rows, nil
}

// jobsExport is the Jobs list as CSV, exactly as shown: every page of its
// filters (newest first), or with page=1 the page of the cursor only.
func (s *Server) jobsExport(c *fiber.Ctx) error {
	t := newTable(c, "/jobs", jobSorts, "created", "state", "kind")
	f, err := jobFilter(c)
	if err != nil {
		return err
	}
	f.Asc = t.Sort == "-created"
	t.asc = f.Asc
	onePage, err := queryBool(c, "page")
	if err != nil {
		return err
	}
	a := *actorOf(c)
	tr := translator(lang(c))
	out := [][]string{{"#", tr("jobs.kind"), tr("jobs.state"), tr("jobs.attempts"), tr("jobs.error"), tr("jobs.updated")}}
	f.Limit = 200
	if onePage {
		if f.Before, f.After, err = t.idCursor(c); err != nil {
			return err
		}
		f.Limit = t.Limit
	}
	for {
		list, err := jobs.Find(c.UserContext(), s.db, a.Scope(), f)
		if err != nil {
			return err
		}
		rows, err := s.jobRows(c, list)
		if err != nil {
			return err
		}
		for _, r := range rows {
			out = append(out, []string{strconv.FormatInt(r.ID, 10), tr(r.Name), tr("jobs.state." + r.Shown), strconv.Itoa(r.Attempts) + "/" + strconv.Itoa(r.MaxAttempts),
				r.LastError, r.UpdatedAt.UTC().Format(time.RFC3339)})
		}
		if onePage || len(list) < f.Limit || len(out) > exportCap {
			break
		}
		if f.Asc {
			f.Before, f.After = 0, list[len(list)-1].ID
		} else {
			f.Before, f.After = list[len(list)-1].ID, 0
		}
	}
	return sendCSV(c, "jobs", out)
}

func (s *Server) jobRetry(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := jobs.Retry(c.UserContext(), s.db, actorOf(c).Scope(), id); err != nil {
		return err
	}
	return seeOther(c, "/jobs?ok=flash.retried")
}

// jobPages registers the jobs pages.
func (s *Server) jobPages(p addPage) {
	p("GET", "/jobs", partners.Admin, s.jobsPage)
	p("GET", "/jobs/export.csv", partners.Admin, s.jobsExport)
	p("POST", "/jobs/:id/retry", partners.Admin, s.jobRetry)
}
