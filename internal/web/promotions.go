package web

import (
	"context"
	"mime"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/promotions"
)

// promotionAPI is the joint promotions part of the API route table (issue 19):
// promotions, their invitations and answers, and the market-development funds
// (funds, allocations, fund requests and their decisions). Who sees what is the
// promotions package's SQL; the table states the least role.
func (s *Server) promotionAPI() []route {
	move := func(to string) fiber.Handler {
		return byID(func(ctx context.Context, a partners.Actor, id int64) (*promotions.Promotion, error) {
			return s.promotions.Move(ctx, a, id, to)
		})
	}
	respond := func(to string) fiber.Handler {
		return byID(func(ctx context.Context, a partners.Actor, id int64) (*promotions.Promotion, error) {
			return s.promotions.Respond(ctx, a, id, to)
		})
	}
	type approval struct {
		Amount string `json:"amount"`
		Note   string `json:"note"`
	}
	type rejection struct {
		Note string `json:"note"`
	}
	claim := func(to string) fiber.Handler {
		return byID(func(ctx context.Context, a partners.Actor, id int64) (*promotions.Claim, error) {
			return s.promotions.DecideClaim(ctx, a, id, to, "")
		})
	}
	return []route{
		{Method: "GET", Path: "/promotions", Role: partners.Viewer, Summary: "List the promotions you may see: yours and those you were invited to whole, the network's published ones as summaries", Tag: "promotions",
			Reply: "Promotion", List: true, Query: []string{"state"}, handler: s.apiPromotions},
		{Method: "POST", Path: "/promotions", Role: partners.Manager, Summary: "Draft a joint promotion owned by your organization", Tag: "promotions",
			Request: "PromotionInput", Reply: "Promotion", Status: 201, handler: s.apiPromotionCreate},
		{Method: "GET", Path: "/promotions/:id", Role: partners.Viewer, Summary: "Get a promotion: whole for its owner and the invited, its summary for the rest of the network", Tag: "promotions",
			Reply: "Promotion", handler: byID(s.promotions.Get)},
		{Method: "PATCH", Path: "/promotions/:id", Role: partners.Manager, Summary: "Change a draft or published promotion (its owner)", Tag: "promotions",
			Request: "PromotionInput", Reply: "Promotion", handler: patchByID(s.promotions.Update)},
		{Method: "POST", Path: "/promotions/:id/publish", Role: partners.Manager, Summary: "Publish a draft (its owner)", Tag: "promotions", Reply: "Promotion", handler: move(promotions.Published)},
		{Method: "POST", Path: "/promotions/:id/activate", Role: partners.Manager, Summary: "Start a published promotion (its owner)", Tag: "promotions", Reply: "Promotion", handler: move(promotions.Active)},
		{Method: "POST", Path: "/promotions/:id/end", Role: partners.Manager, Summary: "End an active promotion (its owner)", Tag: "promotions", Reply: "Promotion", handler: move(promotions.Ended)},
		{Method: "POST", Path: "/promotions/:id/cancel", Role: partners.Manager, Summary: "Cancel a draft, published or active promotion (its owner)", Tag: "promotions", Reply: "Promotion", handler: move(promotions.Cancelled)},
		{Method: "POST", Path: "/promotions/:id/invitations", Role: partners.Manager, Summary: "Invite organizations by id, tier or kind to a published or active promotion (its owner)", Tag: "promotions",
			Request: "PromotionInvitation", Reply: "Promotion", handler: patchByID(s.promotions.Invite)},
		{Method: "POST", Path: "/promotions/:id/enroll", Role: partners.Manager, Summary: "Enroll your invited organization in a promotion", Tag: "promotions", Reply: "Promotion", handler: respond(promotions.Enrolled)},
		{Method: "POST", Path: "/promotions/:id/decline", Role: partners.Manager, Summary: "Decline an invitation to a promotion", Tag: "promotions", Reply: "Promotion", handler: respond(promotions.Declined)},
		{Method: "POST", Path: "/promotions/:id/withdraw", Role: partners.Manager, Summary: "Withdraw your organization from a promotion it enrolled in", Tag: "promotions", Reply: "Promotion", handler: respond(promotions.Withdrawn)},

		{Method: "GET", Path: "/mdf-funds", Role: partners.Manager, Summary: "List the market-development funds (vendor managers)", Tag: "promotions", Reply: "MDFFund", List: true, handler: s.apiFunds},
		{Method: "POST", Path: "/mdf-funds", Role: partners.Manager, Summary: "Make a market-development fund for a period (vendor managers)", Tag: "promotions",
			Request: "MDFFundInput", Reply: "MDFFund", Status: 201, handler: s.apiFundCreate},
		{Method: "POST", Path: "/mdf-funds/:id/allocations", Role: partners.Manager, Summary: "Set a partner's allocation of a fund (vendor managers)", Tag: "promotions",
			Request: "MDFAllocationInput", Reply: "MDFAllocation", handler: patchByID(s.promotions.Allocate)},
		{Method: "GET", Path: "/mdf-allocations", Role: partners.Manager, Summary: "List allocations: every one for the vendor's managers, your organization's for a partner", Tag: "promotions",
			Reply: "MDFAllocation", List: true, handler: s.apiAllocations},
		{Method: "POST", Path: "/mdf-allocations/:id/requests", Role: partners.Manager, Summary: "Request funds from your organization's allocation; the amount is held from its balance at once", Tag: "promotions",
			Request: "FundRequestInput", Reply: "FundRequest", Status: 201, handler: s.apiFundRequestCreate},
		{Method: "GET", Path: "/fund-requests", Role: partners.Manager, Summary: "List fund requests: every one for the vendor's managers, your organization's for a partner", Tag: "promotions",
			Reply: "FundRequest", List: true, handler: s.apiFundRequests},
		{Method: "GET", Path: "/fund-requests/:id", Role: partners.Manager, Summary: "Get a fund request", Tag: "promotions", Reply: "FundRequest", handler: byID(s.promotions.GetRequest)},
		{Method: "POST", Path: "/fund-requests/:id/approve", Role: partners.Manager, Summary: "Approve a pending fund request in full (no amount) or in part (vendor managers)", Tag: "promotions",
			Request: "FundApproval", Reply: "FundRequest",
			handler: patchByID(func(ctx context.Context, a partners.Actor, id int64, in approval) (*promotions.Request, error) {
				return s.promotions.Decide(ctx, a, id, promotions.Decision{Approve: true, Amount: in.Amount, Note: in.Note})
			})},
		{Method: "POST", Path: "/fund-requests/:id/reject", Role: partners.Manager, Summary: "Reject a pending fund request, saying why (vendor managers)", Tag: "promotions",
			Request: "FundRejection", Reply: "FundRequest",
			handler: patchByID(func(ctx context.Context, a partners.Actor, id int64, in rejection) (*promotions.Request, error) {
				return s.promotions.Decide(ctx, a, id, promotions.Decision{Note: in.Note})
			})},
		{Method: "POST", Path: "/fund-requests/:id/claims", Role: partners.Manager, Summary: "Claim part of your approved fund request with a proof file (PDF or image, base64, at most 5 MiB, its type read from its content)", Tag: "promotions",
			Request: "FundClaimInput", Reply: "FundClaim", Status: 201, handler: s.apiClaimCreate},
		{Method: "GET", Path: "/fund-claims", Role: partners.Manager, Summary: "List claims: every one for the vendor's managers, your organization's for a partner", Tag: "promotions",
			Reply: "FundClaim", List: true, handler: s.apiClaims},
		{Method: "GET", Path: "/fund-claims/:id", Role: partners.Manager, Summary: "Get a claim", Tag: "promotions", Reply: "FundClaim", handler: byID(s.promotions.GetClaim)},
		{Method: "GET", Path: "/fund-claims/:id/proof", Role: partners.Manager, Summary: "Download a claim's proof file, as an attachment", Tag: "promotions", handler: s.apiClaimProof},
		{Method: "POST", Path: "/fund-claims/:id/approve", Role: partners.Manager, Summary: "Approve a submitted claim (vendor managers)", Tag: "promotions", Reply: "FundClaim", handler: claim(promotions.Approved)},
		{Method: "POST", Path: "/fund-claims/:id/reject", Role: partners.Manager, Summary: "Reject a submitted claim, saying why; its amount may be claimed again (vendor managers)", Tag: "promotions",
			Request: "FundRejection", Reply: "FundClaim",
			handler: patchByID(func(ctx context.Context, a partners.Actor, id int64, in rejection) (*promotions.Claim, error) {
				return s.promotions.DecideClaim(ctx, a, id, promotions.Rejected, in.Note)
			})},
		{Method: "POST", Path: "/fund-claims/:id/pay", Role: partners.Manager, Summary: "Mark an approved claim paid (vendor managers)", Tag: "promotions", Reply: "FundClaim", handler: claim(promotions.Paid)},
		{Method: "GET", Path: "/promotions/:id/lead-form", Role: partners.Manager, Summary: "Get a promotion's public lead form (its owner): the hosted form's address and an HTML snippet to paste on another site (lang: en or pt-BR)", Tag: "promotions",
			Reply: "LeadForm", Query: []string{"lang"}, handler: s.apiPromotionLeadForm},
		{Method: "GET", Path: "/promotions/:id/results", Role: partners.Manager, Summary: "A promotion's results (its owner): answers to its invitations, the leads its public form captured, and per currency the funds requested for it, approved and paid", Tag: "promotions",
			Reply: "PromotionResults", handler: s.apiPromotionResults},
	}
}

func (s *Server) apiClaimCreate(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	var in promotions.ClaimInput
	if err := decode(c, &in); err != nil {
		return err
	}
	cl, err := s.promotions.Claim(c.UserContext(), *actorOf(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cl)
}

func (s *Server) apiClaims(c *fiber.Ctx) error {
	return paged(c, func(cl promotions.Claim) int64 { return cl.ID }, func(before int64, limit int) ([]promotions.Claim, error) {
		return s.promotions.Claims(c.UserContext(), *actorOf(c), before, limit)
	})
}

// apiClaimProof sends a proof file as an attachment, with the type its content
// showed when it was stored and no sniffing.
func (s *Server) apiClaimProof(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	file, name, kind, err := s.promotions.Proof(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, kind)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	return c.Send(file)
}

func (s *Server) apiPromotions(c *fiber.Ctx) error {
	state := c.Query("state")
	return paged(c, func(p promotions.Promotion) int64 { return p.ID }, func(before int64, limit int) ([]promotions.Promotion, error) {
		return s.promotions.List(c.UserContext(), *actorOf(c), promotions.Filter{State: state, Before: before, Limit: limit})
	})
}

func (s *Server) apiPromotionCreate(c *fiber.Ctx) error {
	var in promotions.Input
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := s.promotions.Create(c.UserContext(), *actorOf(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(p)
}

func (s *Server) apiFunds(c *fiber.Ctx) error {
	if err := onePage(c); err != nil {
		return err
	}
	list, err := s.promotions.Funds(c.UserContext(), *actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(page{Data: list})
}

func (s *Server) apiFundCreate(c *fiber.Ctx) error {
	var in promotions.FundInput
	if err := decode(c, &in); err != nil {
		return err
	}
	f, err := s.promotions.CreateFund(c.UserContext(), *actorOf(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(f)
}

func (s *Server) apiAllocations(c *fiber.Ctx) error {
	if err := onePage(c); err != nil {
		return err
	}
	list, err := s.promotions.Allocations(c.UserContext(), *actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(page{Data: list})
}

// fundRequestInput is a fund request's body; the allocation is the path's.
type fundRequestInput struct {
	Amount       string `json:"amount"`
	Currency     string `json:"currency"`
	Activity     string `json:"activity"`
	Promotion    *int64 `json:"promotion_id"`
	PlannedStart string `json:"planned_start"`
	PlannedEnd   string `json:"planned_end"`
}

func (s *Server) apiFundRequestCreate(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	var in fundRequestInput
	if err := decode(c, &in); err != nil {
		return err
	}
	r, err := s.promotions.RequestFunds(c.UserContext(), *actorOf(c), promotions.RequestInput{Allocation: id, Amount: in.Amount, Currency: in.Currency,
		Activity: in.Activity, Promotion: in.Promotion, PlannedStart: in.PlannedStart, PlannedEnd: in.PlannedEnd})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(r)
}

func (s *Server) apiFundRequests(c *fiber.Ctx) error {
	return paged(c, func(r promotions.Request) int64 { return r.ID }, func(before int64, limit int) ([]promotions.Request, error) {
		return s.promotions.Requests(c.UserContext(), *actorOf(c), before, limit)
	})
}

func init() {
	day := obj{"type": "string", "format": "date"}
	names := obj{"type": "array", "items": str()}
	amount := obj{"type": "string", "description": "a decimal amount in the currency's minor-unit precision, e.g. 1250.50"}
	participant := object(obj{"org_id": integer(), "state": enum("invited", "enrolled", "declined", "withdrawn"), "invited_at": ts(), "responded_at": nullable(ts())})
	for name, schema := range map[string]obj{
		"Promotion": object(obj{"id": integer(), "owner_org_id": integer(), "owner_user_id": nullable(integer()), "title": str(),
			"description":      obj{"type": "string", "description": "Markdown (empty in a summary)"},
			"description_html": obj{"type": "string", "description": "the Markdown rendered without raw HTML and sanitized"},
			"offer":            str(), "products": names, "starts_on": day, "ends_on": day, "regions": names, "tiers": names, "kinds": names,
			"state":         enum("draft", "published", "active", "ended", "cancelled"),
			"summary":       obj{"type": "boolean", "description": "true: the caller is neither the owner nor invited, and reads the summary only"},
			"participation": obj{"type": "string", "description": "the caller's organization's answer to its invitation, empty when not invited"},
			"participants":  obj{"type": "array", "items": participant, "description": "every answer for the owner, its own for an invited organization"},
			"created_at":    ts(), "updated_at": ts()}),
		"PromotionInput": object(obj{"title": str(), "description": obj{"type": "string", "description": "Markdown, at most 20000 characters"},
			"offer": str(), "products": names, "starts_on": day, "ends_on": day, "regions": names, "tiers": names, "kinds": names}),
		"PromotionInvitation": object(obj{"org_ids": obj{"type": "array", "items": integer()}, "tiers": names, "kinds": names}),
		"MDFFund": object(obj{"id": integer(), "name": str(), "period_start": day, "period_end": day, "currency": str(),
			"total_minor": integer(), "allocated_minor": integer(), "total": amount, "allocated": amount, "available": amount, "created_at": ts()}),
		"MDFFundInput":       object(obj{"name": str(), "period_start": day, "period_end": day, "currency": str(), "total": amount}, "name", "period_start", "period_end", "currency", "total"),
		"MDFAllocationInput": object(obj{"org_id": integer(), "amount": amount}, "org_id", "amount"),
		"MDFAllocation": object(obj{"id": integer(), "fund_id": integer(), "org_id": integer(), "fund_name": str(), "period_start": day, "period_end": day,
			"currency": str(), "amount_minor": integer(), "committed_minor": integer(), "amount": amount, "committed": amount,
			"balance": obj{"type": "string", "description": "what is left to request: the amount less what pending and approved requests hold"}, "updated_at": ts()}),
		"FundRequestInput": object(obj{"amount": amount, "currency": str(), "activity": str(), "promotion_id": integer(), "planned_start": day, "planned_end": day},
			"amount", "currency", "activity", "planned_start", "planned_end"),
		"FundRequest": object(obj{"id": integer(), "allocation_id": integer(), "fund_id": integer(), "org_id": integer(), "user_id": nullable(integer()),
			"promotion_id": nullable(integer()), "activity": str(), "amount_minor": integer(), "currency": str(), "amount": amount,
			"planned_start": day, "planned_end": day, "state": enum("pending", "approved", "rejected"), "approved_minor": nullable(integer()),
			"approved": nullable(str()), "claimed_minor": integer(), "decision_note": str(), "decided_at": nullable(ts()), "decided_by": nullable(integer()), "created_at": ts()}),
		"FundClaimInput": object(obj{"amount": amount, "currency": str(), "note": str(), "proof_name": str(),
			"proof_base64": obj{"type": "string", "format": "byte", "description": "the proof file: a PDF or a PNG, JPEG, GIF or WebP image, at most 5 MiB"}},
			"amount", "currency", "proof_name", "proof_base64"),
		"FundClaim": object(obj{"id": integer(), "request_id": integer(), "org_id": integer(), "user_id": nullable(integer()), "amount_minor": integer(),
			"currency": str(), "amount": amount, "note": str(), "proof_name": str(),
			"proof_type": enum("application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"), "proof_size": integer(),
			"state": enum("submitted", "approved", "rejected", "paid"), "decision_note": str(), "decided_at": nullable(ts()), "paid_at": nullable(ts()), "created_at": ts()}),
		"FundApproval":  object(obj{"amount": obj{"type": "string", "description": "part of the request; empty approves it in full"}, "note": str()}),
		"FundRejection": object(obj{"note": str()}, "note"),
		"PromotionResults": object(obj{"promotion_id": integer(), "invited": integer(), "enrolled": integer(), "leads": integer(),
			"funds": obj{"type": "array", "items": object(obj{"currency": str(), "requests": integer(), "requested_minor": integer(), "approved_minor": integer(),
				"paid_minor": integer(), "requested": amount, "approved": amount, "paid": amount})}}),
		"LeadForm": object(obj{"url": obj{"type": "string", "description": "the hosted form, which needs no sign-in"}, "lang": enum("en", "pt-BR"),
			"accepting": obj{"type": "boolean", "description": "the promotion is published or active: the form takes sign-ups"},
			"snippet":   obj{"type": "string", "description": "an HTML form to paste on another site; it posts to url"}}),
	} {
		schemas[name] = schema
	}
}
