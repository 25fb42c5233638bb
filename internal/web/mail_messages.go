package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

// mailMessageAPI is a synced message and its attachments (issue 18, session
// 8): the text, the HTML as stored (cleaned, no remote images) and the
// attachments' metadata, and an attachment's download; for the users of the
// organization whose mailbox brought the message in, and nobody else.
func (s *Server) mailMessageAPI() []route {
	return []route{
		{Method: "GET", Path: "/mail-messages/:id", Role: partners.Viewer, Summary: "A message your organization's mail brought in: text, cleaned HTML and attachments",
			Tag: "mail", Reply: "MailMessage", handler: byID(s.mail.Message)},
		{Method: "GET", Path: "/mail-messages/:id/attachment", Role: partners.Viewer, Summary: "Download an attachment of such a message (?n= its position, 0 first)",
			Tag: "mail", Query: []string{"n"}, handler: s.apiMailAttachment},
	}
}

func (s *Server) apiMailAttachment(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	n := 0
	if v := strings.TrimSpace(c.Query("n")); v != "" {
		if n, err = strconv.Atoi(v); err != nil || n < 0 || n > 10000 {
			return apperr.Field("n", "must be an attachment's position (0, 1, …)")
		}
	}
	f, err := s.mail.Attachment(c.UserContext(), *actorOf(c), id, n)
	if err != nil {
		return err
	}
	// Always a download, never shown in the hub's origin, whatever it says it is.
	c.Set(fiber.HeaderContentType, "application/octet-stream")
	c.Set(fiber.HeaderContentDisposition, attachment(f.Filename))
	c.Set("X-Detected-Type", f.DetectedType)
	return c.Send(f.Content)
}
