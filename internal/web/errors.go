package web

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/internal/l10n"
)

func errText(c *fiber.Ctx, err error) string {
	return l10n.Text(lang(c), err)
}

// handleError renders every error: problem+json for the API, an HTML page for the
// portal. Only apperr kinds and Fiber's own client errors reach the user as they
// are; anything else is logged once with the request id and shown as "Internal error.".
// The API speaks English (its texts are part of the contract); the portal shows
// domain messages in the user's language.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	// Whatever lost the database on the way, the answer is a 503 to retry.
	err = db.AsUnavailable(err)
	api := strings.HasPrefix(c.Path(), "/api/") || strings.Contains(c.Get(fiber.HeaderAccept), "application/json") && !strings.Contains(c.Get(fiber.HeaderAccept), "text/html")
	l := "en"
	if !api {
		l = lang(c)
	}
	status := fiber.StatusInternalServerError
	title, detail, field := "Internal error", "Internal error.", ""
	var fe *fiber.Error
	var big *bodyTooLarge
	if ae, ok := apperr.As(err); ok {
		status = statusOf(ae.Kind)
		detail, field = ae.Message, ae.Field
		if !api {
			detail = l10n.Text(l, err)
		}
		title = titleOf(status)
		if ae.Kind == apperr.Internal {
			s.logInternal(c, err)
			detail = l10n.Sprintf(l, "Internal error.")
		}
		if ae.Kind == apperr.Unavailable {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(db.RetryAfter))
			s.log.Warn("database unavailable", "err", err, "method", c.Method(), "path", c.Path(), "request_id", c.GetRespHeader(fiber.HeaderXRequestID))
		}
	} else if errors.As(err, &big) {
		status = fiber.StatusRequestEntityTooLarge
		title = titleOf(status)
		detail = l10n.Sprintf(l, "The request body is larger than the limit of %d KiB.", big.limit/1024)
		field = "body"
		if big.limit == MaxUpload {
			detail = l10n.Sprintf(l, "The file is larger than the import limit of %d MiB: split it into smaller files.", imports.MaxBytes>>20)
			field = "file"
		}
	} else if errors.As(err, &fe) {
		status = fe.Code
		title = titleOf(status)
		detail = fe.Message
		if status == fiber.StatusRequestEntityTooLarge {
			detail = l10n.Sprintf(l, "The request body is larger than the limit of %d KiB.", MaxBody/1024)
		}
		if status >= 500 {
			s.logInternal(c, err)
			detail = l10n.Sprintf(l, "Internal error.")
		}
	} else {
		s.logInternal(c, err)
		detail = l10n.Sprintf(l, "Internal error.")
	}
	if api {
		p := fiber.Map{"type": "https://partnerhub.dev/problems/" + slug(title), "title": title, "status": status, "detail": detail,
			"instance": c.Path(), "request_id": c.GetRespHeader(fiber.HeaderXRequestID)}
		if field != "" {
			p["field"] = field
		}
		if ae, ok := apperr.As(err); ok && ae.Link != "" {
			p["existing"] = ae.Link
		}
		c.Status(status)
		c.Set(fiber.HeaderContentType, "application/problem+json")
		b, _ := jsonMarshal(p)
		return c.Send(b)
	}
	if status == fiber.StatusUnauthorized && c.Method() == fiber.MethodGet {
		return seeOther(c, "/login?next="+urlQueryEscape(c.OriginalURL()))
	}
	c.Status(status)
	if rerr := s.render(c, "error", fiber.Map{"Status": status, "Title": title, "Detail": detail, "Field": field}); rerr != nil {
		s.logInternal(c, rerr)
		c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
		return c.SendString(title + ": " + detail)
	}
	return nil
}

func (s *Server) logInternal(c *fiber.Ctx, err error) {
	s.log.Error("internal error", "err", err, "method", c.Method(), "path", c.Path(), "request_id", c.GetRespHeader(fiber.HeaderXRequestID))
}

func statusOf(k apperr.Kind) int {
	switch k {
	case apperr.Invalid:
		return fiber.StatusUnprocessableEntity
	case apperr.NotFound:
		return fiber.StatusNotFound
	case apperr.Forbidden:
		return fiber.StatusForbidden
	case apperr.Conflict:
		return fiber.StatusConflict
	case apperr.Unauthorized:
		return fiber.StatusUnauthorized
	case apperr.TooMany:
		return fiber.StatusTooManyRequests
	case apperr.Unavailable:
		return fiber.StatusServiceUnavailable
	}
	return fiber.StatusInternalServerError
}

func titleOf(status int) string {
	switch status {
	case 400:
		return "Bad request"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	case 404:
		return "Not found"
	case 405:
		return "Method not allowed"
	case 409:
		return "Conflict"
	case 413:
		return "Request too large"
	case 415:
		return "Unsupported media type"
	case 422:
		return "Invalid input"
	case 429:
		return "Too many requests"
	case 503:
		return "Service unavailable"
	}
	if status >= 500 {
		return "Internal error"
	}
	return "Error"
}

func slug(s string) string { return strings.ReplaceAll(strings.ToLower(s), " ", "-") }
