package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/partners"
)

func (s *Server) apiJobs(c *fiber.Ctx) error {
	state := c.Query("state")
	if state != "" {
		if err := oneOfField("state", state, []string{"queued", "running", "done", "failed"}); err != nil {
			return err
		}
	}
	return paged(c, func(j jobs.Job) int64 { return j.ID }, func(before int64, limit int) ([]jobs.Job, error) {
		return jobs.List(c.UserContext(), s.db, actorOf(c).Scope(), state, before, limit)
	})
}

func (s *Server) apiJobRetry(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := jobs.Retry(c.UserContext(), s.db, actorOf(c).Scope(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// jobAPI is the jobs part of the API route table.
func (s *Server) jobAPI() []route {
	return []route{
		{Method: "GET", Path: "/jobs", Role: partners.Admin, Summary: "Background jobs of your organization", Tag: "jobs", Reply: "Job", List: true, Query: []string{"state"}, handler: s.apiJobs},
		{Method: "POST", Path: "/jobs/:id/retry", Role: partners.Admin, Summary: "Retry a failed job", Tag: "jobs", Status: 204, handler: s.apiJobRetry},
	}
}
