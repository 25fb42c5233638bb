package web

import (
	"io"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/exchange/interchange"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

// exchangeAPI is the EDI exchange part of the API route table (issue 21):
// trading-partner profiles, interchanges received, the exchange log and the
// acknowledgments.
func (s *Server) exchangeAPI() []route {
	return []route{
		{Method: "GET", Path: "/exchange/profiles", Role: partners.Viewer, Summary: "Your organization's trading-partner profiles", Tag: "exchange", Reply: "TradingProfile", List: true, handler: s.apiProfiles},
		{Method: "POST", Path: "/exchange/profiles", Role: partners.Manager, Summary: "Add a trading-partner profile: format, interchange ids and qualifiers, version, acknowledgment, implementation guides (edi.Convention JSON), outbound delimiters", Tag: "exchange", Request: "TradingProfileInput", Reply: "TradingProfile", Status: 201, handler: s.apiProfileCreate},
		{Method: "GET", Path: "/exchange/profiles/:id", Role: partners.Viewer, Summary: "Get a trading-partner profile", Tag: "exchange", Reply: "TradingProfile", handler: byID(s.exchange.Profile)},
		{Method: "POST", Path: "/exchange/interchanges", Role: partners.Sales, Summary: "Send an X12 or EDIFACT interchange (the body, or the multipart field file); it is stored and processed in the background. The same interchange again answers 200 with duplicate and its acknowledgment, and changes nothing. With profile, a CSV profile's file goes to the import pipeline as its family (the reply's import).", Tag: "exchange", Reply: "Receipt", Status: 202, Query: []string{"filename", "profile"}, handler: s.apiInterchangeReceive},
		{Method: "GET", Path: "/exchange/interchanges", Role: partners.Viewer, Summary: "The exchange log: your organization's interchanges, newest first", Tag: "exchange", Reply: "Interchange", List: true, Query: []string{"state"}, handler: s.apiInterchanges},
		{Method: "GET", Path: "/exchange/interchanges/:id", Role: partners.Viewer, Summary: "An interchange with its sets, their located errors and the records they changed", Tag: "exchange", Reply: "Interchange", handler: byID(s.exchange.Interchange)},
		{Method: "GET", Path: "/exchange/interchanges/:id/ack", Role: partners.Viewer, Summary: "The acknowledgment sent for an interchange (TA1, 997, 999 or CONTRL), as EDI", Tag: "exchange", handler: s.apiInterchangeAck},
		{Method: "GET", Path: "/exchange/interchanges/:id/original", Role: partners.Viewer, Summary: "An interchange as received", Tag: "exchange", handler: s.apiInterchangeOriginal},
		{Method: "GET", Path: "/exchange/webhooks", Role: partners.Viewer, Summary: "Your organization's webhook subscriptions", Tag: "exchange", Reply: "Webhook", List: true, handler: s.apiWebhooks},
		{Method: "POST", Path: "/exchange/webhooks", Role: partners.Manager, Summary: "Subscribe a URL to events; the reply shows the signing secret once (X-Partnerhub-Signature: t=<unix>,v1=<hex HMAC-SHA256 of \"<unix>.<body>\">)", Tag: "exchange", Request: "WebhookInput", Reply: "Webhook", Status: 201, handler: s.apiWebhookCreate},
		{Method: "GET", Path: "/exchange/webhooks/:id/deliveries", Role: partners.Viewer, Summary: "A subscription's delivery log, newest first", Tag: "exchange", Reply: "WebhookDelivery", List: true, handler: s.apiWebhookDeliveries},
	}
}

func (s *Server) apiProfiles(c *fiber.Ctx) error {
	return paged(c, func(p interchange.Profile) int64 { return p.ID }, func(after int64, limit int) ([]interchange.Profile, error) {
		return s.exchange.Profiles(c.UserContext(), *actorOf(c), after, limit)
	})
}

func (s *Server) apiProfileCreate(c *fiber.Ctx) error {
	var in interchange.ProfileInput
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := s.exchange.CreateProfile(c.UserContext(), *actorOf(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(p)
}

// readInterchange takes the multipart field "file", or the body itself.
func readInterchange(c *fiber.Ctx) (string, []byte, error) {
	if ct := string(c.Request().Header.ContentType()); strings.HasPrefix(ct, "multipart/form-data") {
		fh, err := c.FormFile("file")
		if err != nil {
			return "", nil, apperr.Field("file", "send the interchange as the body, or as the multipart field \"file\"")
		}
		f, err := fh.Open()
		if err != nil {
			return "", nil, apperr.Field("file", "the upload could not be read")
		}
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, interchange.MaxBytes+1))
		if err != nil {
			return "", nil, apperr.Field("file", "the upload could not be read")
		}
		return fh.Filename, data, nil
	}
	return c.Query("filename", "interchange.edi"), c.Body(), nil
}

func (s *Server) apiInterchangeReceive(c *fiber.Ctx) error {
	name, data, err := readInterchange(c)
	if err != nil {
		return err
	}
	var r *interchange.Receipt
	if raw := c.Query("profile"); raw != "" {
		profile, perr := strconv.ParseInt(raw, 10, 64)
		if perr != nil || profile <= 0 {
			return apperr.Field("profile", "must be the id of one of your trading-partner profiles")
		}
		r, err = s.exchange.ReceiveFile(c.UserContext(), *actorOf(c), profile, name, data)
	} else {
		r, err = s.exchange.Receive(c.UserContext(), *actorOf(c), name, data)
	}
	if err != nil {
		return err
	}
	status := fiber.StatusAccepted
	if r.Duplicate {
		status = fiber.StatusOK
	}
	return c.Status(status).JSON(r)
}

func (s *Server) apiInterchanges(c *fiber.Ctx) error {
	state := c.Query("state")
	return paged(c, func(ic interchange.Interchange) int64 { return ic.ID }, func(before int64, limit int) ([]interchange.Interchange, error) {
		return s.exchange.Log(c.UserContext(), *actorOf(c), interchange.LogFilter{State: state, Before: before, Limit: limit})
	})
}

// ediType is the media type of an interchange's text.
func ediType(data []byte) string {
	if len(data) >= 3 && string(data[:3]) == "ISA" {
		return "application/edi-x12"
	}
	return "application/edifact"
}

func (s *Server) apiInterchangeAck(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	kind, ack, err := s.exchange.Ack(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, ediType(ack))
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="interchange-`+strconv.FormatInt(id, 10)+`-`+strings.ToLower(kind)+`.edi"`)
	return c.Send(ack)
}

func (s *Server) apiInterchangeOriginal(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	_, data, err := s.exchange.Original(c.UserContext(), *actorOf(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, ediType(data))
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="interchange-`+strconv.FormatInt(id, 10)+`.edi"`)
	return c.Send(data)
}

func (s *Server) apiWebhooks(c *fiber.Ctx) error {
	return paged(c, func(w interchange.Webhook) int64 { return w.ID }, func(after int64, limit int) ([]interchange.Webhook, error) {
		return s.exchange.Webhooks(c.UserContext(), *actorOf(c), after, limit)
	})
}

func (s *Server) apiWebhookCreate(c *fiber.Ctx) error {
	var in interchange.WebhookInput
	if err := decode(c, &in); err != nil {
		return err
	}
	w, err := s.exchange.CreateWebhook(c.UserContext(), *actorOf(c), in)
	if err != nil {
		return err
	}
	// A replay of this request answers with the subscription, not its secret.
	redacted := *w
	redacted.Secret = ""
	if b, err := jsonMarshal(redacted); err == nil {
		c.Locals(replayBodyKey, b)
	}
	return c.Status(fiber.StatusCreated).JSON(w)
}

func (s *Server) apiWebhookDeliveries(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	return paged(c, func(d interchange.Delivery) int64 { return d.ID }, func(before int64, limit int) ([]interchange.Delivery, error) {
		return s.exchange.Deliveries(c.UserContext(), *actorOf(c), id, before, limit)
	})
}
