package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/deals"
)

// jointDealAPI is the joint deals part of the API route table (issue 17): the
// deals the vendor works with one partner each, their stages and history, and
// the channel manager's pipeline.
func (s *Server) jointDealAPI() []route {
	return []route{
		{Method: "GET", Path: "/deals", Role: partners.Viewer, Summary: "List the joint deals you may see (the vendor: all; a partner: those it is on), newest first", Tag: "joint-deals",
			Reply: "JointDeal", List: true, Query: []string{"stage", "partner"}, handler: s.apiJointDeals},
		{Method: "POST", Path: "/deals", Role: partners.Sales, Summary: "Make a joint deal on one of the vendor's accounts with a partner organization (vendor sales and above)", Tag: "joint-deals",
			Request: "JointDealInput", Reply: "JointDeal", Status: 201, handler: s.apiJointDealCreate},
		{Method: "GET", Path: "/deals/:id", Role: partners.Viewer, Summary: "Get a joint deal", Tag: "joint-deals", Reply: "JointDeal", handler: byID(s.deals.GetJoint)},
		{Method: "PATCH", Path: "/deals/:id", Role: partners.Sales, Summary: "Change an open joint deal (not its stage); version, when sent, must be the current one", Tag: "joint-deals",
			Request: "JointDealInput", Reply: "JointDeal", handler: patchByID(s.deals.UpdateJoint)},
		{Method: "POST", Path: "/deals/:id/stage", Role: partners.Sales, Summary: "Move a joint deal to another stage; closed_lost needs a reason; version, when sent, must be the current one", Tag: "joint-deals",
			Request: "StageInput", Reply: "JointDeal", handler: patchByID(s.deals.MoveStage)},
		{Method: "GET", Path: "/deals/:id/activities", Role: partners.Viewer, Summary: "The joint deal's timeline: its stage changes and what was logged on it, newest first",
			Tag: "joint-deals", Reply: "Activity", List: true, Query: []string{"kind"}, handler: s.apiTimeline(deals.JointRecordType)},
		{Method: "DELETE", Path: "/deals/:id", Role: partners.Manager, Summary: "Delete a joint deal (vendor managers); its audit trail stays", Tag: "joint-deals", Status: 204, handler: s.apiJointDealDelete},
		{Method: "GET", Path: "/pipeline", Role: partners.Viewer, Summary: "The pipeline of joint deals by stage, partner and month of expected close, with win rate and cycle (a partner: its own deals)", Tag: "joint-deals",
			Reply: "Pipeline", Query: []string{"partner", "tier", "region", "owner"}, handler: s.apiPipeline},
	}
}

func (s *Server) apiJointDeals(c *fiber.Ctx) error {
	f := deals.JointFilter{Stage: c.Query("stage")}
	var err error
	if f.Partner, err = queryID(c, "partner"); err != nil {
		return err
	}
	return paged(c, func(d deals.JointDeal) int64 { return d.ID }, func(before int64, limit int) ([]deals.JointDeal, error) {
		f.Before, f.Limit = before, limit
		return s.deals.ListJoint(c.UserContext(), *actorOf(c), f)
	})
}

func (s *Server) apiJointDealCreate(c *fiber.Ctx) error {
	var in deals.JointInput
	if err := decode(c, &in); err != nil {
		return err
	}
	d, err := s.deals.CreateJoint(c.UserContext(), *actorOf(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(d)
}

func (s *Server) apiJointDealDelete(c *fiber.Ctx) error {
	if err := actorOf(c).RequireVendor(partners.Manager); err != nil {
		return err
	}
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := s.deals.DeleteJoint(c.UserContext(), *actorOf(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) apiPipeline(c *fiber.Ctx) error {
	f, err := pipelineFilter(c)
	if err != nil {
		return err
	}
	p, err := s.deals.Pipeline(c.UserContext(), *actorOf(c), f)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// pipelineFilter reads the pipeline's filters from the query.
func pipelineFilter(c *fiber.Ctx) (deals.PipelineFilter, error) {
	f := deals.PipelineFilter{Tier: strings.TrimSpace(c.Query("tier")), Region: strings.TrimSpace(c.Query("region"))}
	var err error
	if f.Partner, err = queryID(c, "partner"); err != nil {
		return f, err
	}
	f.Owner, err = queryID(c, "owner")
	return f, err
}

// queryID reads an optional id from the query (0 when absent).
// Errors: Invalid, naming the parameter.
func queryID(c *fiber.Ctx, name string) (int64, error) {
	v := strings.TrimSpace(c.Query(name))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, apperr.Field(name, "%q is not a valid id", v)
	}
	return n, nil
}
