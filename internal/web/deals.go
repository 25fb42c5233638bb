package web

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/deals"
)

// dealAPI is the deal registrations part of the API route table (issue 17):
// the registering partner's steps, the vendor's decisions, the conflict
// evidence (vendor only) and the network's deal rules.
func (s *Server) dealAPI() []route {
	type reject struct {
		Reason string `json:"reason"`
	}
	type extension struct {
		Days int    `json:"days"`
		Note string `json:"note"`
	}
	step := func(op func(ctx context.Context, a partners.Actor, id int64) (*deals.Registration, error)) fiber.Handler {
		return byID(op)
	}
	return []route{
		{Method: "GET", Path: "/deal-settings", Role: partners.Viewer, Summary: "The network's deal rules: protection period, review SLA, conflict rule, reminder", Tag: "deals", Reply: "DealSettings", handler: s.apiDealSettings},
		{Method: "PATCH", Path: "/deal-settings", Role: partners.Admin, Summary: "Change the network's deal rules (vendor admins)", Tag: "deals", Request: "DealSettingsInput", Reply: "DealSettings", handler: s.apiDealSettingsSet},
		{Method: "GET", Path: "/deal-registrations", Role: partners.Viewer, Summary: "List the deal registrations you may see (yours; for the vendor, those submitted to it), newest first", Tag: "deals",
			Reply: "DealRegistration", List: true, Query: []string{"state"}, handler: s.apiDealRegistrations},
		{Method: "POST", Path: "/deal-registrations", Role: partners.Sales, Summary: "Register a deal on an account you can see, as a draft (partner organizations)", Tag: "deals",
			Request: "DealRegistrationInput", Reply: "DealRegistration", Status: 201, handler: s.apiDealCreate},
		{Method: "GET", Path: "/deal-registrations/:id", Role: partners.Viewer, Summary: "Get a deal registration", Tag: "deals", Reply: "DealRegistration", handler: byID(s.deals.Get)},
		{Method: "PATCH", Path: "/deal-registrations/:id", Role: partners.Sales, Summary: "Change a draft registration", Tag: "deals", Request: "DealRegistrationInput", Reply: "DealRegistration", handler: patchByID(s.deals.Update)},
		{Method: "POST", Path: "/deal-registrations/:id/submit", Role: partners.Sales, Summary: "Submit a draft to the vendor; the conflict check runs and its outcome (not who conflicts) is in the reply", Tag: "deals", Reply: "DealRegistration", handler: step(s.deals.Submit)},
		{Method: "POST", Path: "/deal-registrations/:id/withdraw", Role: partners.Sales, Summary: "Withdraw a registration", Tag: "deals", Reply: "DealRegistration", handler: step(s.deals.Withdraw)},
		{Method: "POST", Path: "/deal-registrations/:id/extension", Role: partners.Sales, Summary: "Ask the vendor to extend an approved registration's protection", Tag: "deals", Request: "ExtensionInput", Reply: "DealRegistration",
			handler: patchByID(func(ctx context.Context, a partners.Actor, id int64, in extension) (*deals.Registration, error) {
				return s.deals.RequestExtension(ctx, a, id, in.Days, in.Note)
			})},
		{Method: "POST", Path: "/deal-registrations/:id/review", Role: partners.Manager, Summary: "Take a submitted registration into review (vendor managers)", Tag: "deals", Reply: "DealRegistration", handler: step(s.deals.StartReview)},
		{Method: "POST", Path: "/deal-registrations/:id/approve", Role: partners.Manager, Summary: "Approve a registration: protected for the network's period (vendor managers)", Tag: "deals", Reply: "DealRegistration", handler: step(s.deals.Approve)},
		{Method: "POST", Path: "/deal-registrations/:id/reject", Role: partners.Manager, Summary: "Reject a registration with a reason the partner reads (vendor managers)", Tag: "deals", Request: "RejectInput", Reply: "DealRegistration",
			handler: patchByID(func(ctx context.Context, a partners.Actor, id int64, in reject) (*deals.Registration, error) {
				return s.deals.Reject(ctx, a, id, in.Reason)
			})},
		{Method: "POST", Path: "/deal-registrations/:id/extension/approve", Role: partners.Manager, Summary: "Grant the extension asked for (vendor managers)", Tag: "deals", Reply: "DealRegistration",
			handler: step(func(ctx context.Context, a partners.Actor, id int64) (*deals.Registration, error) {
				return s.deals.DecideExtension(ctx, a, id, true)
			})},
		{Method: "POST", Path: "/deal-registrations/:id/extension/refuse", Role: partners.Manager, Summary: "Refuse the extension asked for (vendor managers)", Tag: "deals", Reply: "DealRegistration",
			handler: step(func(ctx context.Context, a partners.Actor, id int64) (*deals.Registration, error) {
				return s.deals.DecideExtension(ctx, a, id, false)
			})},
		{Method: "POST", Path: "/deal-registrations/:id/convert", Role: partners.Manager, Summary: "Convert an approved registration (vendor managers)", Tag: "deals", Reply: "DealRegistration", handler: step(s.deals.Convert)},
		{Method: "GET", Path: "/deal-registrations/:id/evidence", Role: partners.Manager, Summary: "The conflict evidence stored when the registration was submitted (vendor managers)", Tag: "deals", Reply: "DealEvidence", handler: byID(s.deals.Evidence)},
	}
}

func (s *Server) apiDealRegistrations(c *fiber.Ctx) error {
	state := c.Query("state")
	return paged(c, func(r deals.Registration) int64 { return r.ID }, func(before int64, limit int) ([]deals.Registration, error) {
		return s.deals.List(c.UserContext(), *actorOf(c), deals.Filter{State: state, Before: before, Limit: limit})
	})
}

func (s *Server) apiDealCreate(c *fiber.Ctx) error {
	var in deals.Input
	if err := decode(c, &in); err != nil {
		return err
	}
	r, err := s.deals.Create(c.UserContext(), *actorOf(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(r)
}

func (s *Server) apiDealSettings(c *fiber.Ctx) error {
	set, err := s.deals.Settings(c.UserContext(), *actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(set)
}

// dealSettingsInput is a change of the deal rules: what is left out stays.
type dealSettingsInput struct {
	ProtectionDays *int    `json:"protection_days"`
	ReviewSLAHours *int    `json:"review_sla_hours"`
	ConflictRule   *string `json:"conflict_rule"`
	ReminderDays   *int    `json:"reminder_days"`
	// The joint deals' stage probabilities (percent).
	ProbabilityQualify   *int `json:"probability_qualify"`
	ProbabilityDevelop   *int `json:"probability_develop"`
	ProbabilityPropose   *int `json:"probability_propose"`
	ProbabilityNegotiate *int `json:"probability_negotiate"`
}

func (s *Server) apiDealSettingsSet(c *fiber.Ctx) error {
	var in dealSettingsInput
	if err := decode(c, &in); err != nil {
		return err
	}
	a := *actorOf(c)
	if err := a.RequireVendor(partners.Admin); err != nil {
		return err
	}
	set, err := s.deals.Settings(c.UserContext(), a)
	if err != nil {
		return err
	}
	if in.ProtectionDays != nil {
		set.ProtectionDays = *in.ProtectionDays
	}
	if in.ReviewSLAHours != nil {
		set.ReviewSLAHours = *in.ReviewSLAHours
	}
	if in.ConflictRule != nil {
		set.ConflictRule = *in.ConflictRule
	}
	if in.ReminderDays != nil {
		set.ReminderDays = *in.ReminderDays
	}
	for _, p := range []struct {
		in  *int
		out *int
	}{{in.ProbabilityQualify, &set.ProbabilityQualify}, {in.ProbabilityDevelop, &set.ProbabilityDevelop},
		{in.ProbabilityPropose, &set.ProbabilityPropose}, {in.ProbabilityNegotiate, &set.ProbabilityNegotiate}} {
		if p.in != nil {
			*p.out = *p.in
		}
	}
	if set, err = s.deals.SetSettings(c.UserContext(), a, set); err != nil {
		return err
	}
	return c.JSON(set)
}
