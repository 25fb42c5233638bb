package web

import (
	"encoding/json"
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/internal/notify"
	"github.com/partnerhub/partnerhub/partners"
)

// jobStates and jobKinds are the Jobs page's filters.
var (
	jobStates = []string{"queued", "running", "done", "failed"}
	jobKinds  = []string{imports.JobKind, notify.EmailJob}
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

func (s *Server) jobsPage(c *fiber.Ctx) error {
	t := newTable(c, "/jobs", nil, "", "state", "kind")
	f := jobs.Filter{State: c.Query("state"), Kind: c.Query("kind"), Limit: t.Limit + 1}
	if f.State != "" {
		if err := oneOfField("state", f.State, jobStates); err != nil {
			return err
		}
	}
	if f.Kind != "" {
		if err := oneOfField("kind", f.Kind, jobKinds); err != nil {
			return err
		}
	}
	var err error
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
	lo, hi := t.idPage(jobIDs, f.After > 0, f.Before > 0 || f.After > 0)
	list = list[lo:hi]
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
	imps, err := s.imports.Jobs(c.UserContext(), a, ids)
	if err != nil {
		return err
	}
	rows := make([]jobRow, len(list))
	for i, j := range list {
		j.LastError = storedMessage(c, j.LastError)
		r := jobRow{Job: j, Shown: j.State, Name: j.Kind}
		if slices.Contains(jobKinds, j.Kind) {
			r.Name = "jobs.kind." + j.Kind
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
	return s.render(c, "jobs", fiber.Map{"Jobs": rows, "States": jobStates, "Kinds": jobKinds, "State": f.State, "Kind": f.Kind, "Table": t})
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
	p("POST", "/jobs/:id/retry", partners.Admin, s.jobRetry)
}
