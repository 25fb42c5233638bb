package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/partners"
)

func (s *Server) jobsPage(c *fiber.Ctx) error {
	list, err := jobs.List(c.UserContext(), s.db, actorOf(c).Scope(), c.Query("state"), 0, 100)
	if err != nil {
		return err
	}
	for i := range list {
		list[i].LastError = storedMessage(c, list[i].LastError)
	}
	return s.render(c, "jobs", fiber.Map{"Jobs": list})
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
