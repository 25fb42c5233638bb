package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/notify"
	"github.com/partnerhub/partnerhub/partners"
)

func (s *Server) notificationsPage(c *fiber.Ctx) error {
	a := actorOf(c)
	before, err := queryInt(c, "before")
	if err != nil {
		return err
	}
	items, err := notify.List(c.UserContext(), s.db, a.Scope(), lang(c), before, pageSize+1)
	if err != nil {
		return err
	}
	data := fiber.Map{}
	if len(items) > pageSize {
		items = items[:pageSize]
		data["Next"] = items[pageSize-1].ID
	}
	data["Items"] = items
	return s.render(c, "notifications", data)
}

func (s *Server) notificationsRead(c *fiber.Ctx) error {
	if _, err := notify.MarkRead(c.UserContext(), s.db, actorOf(c).Scope(), nil); err != nil {
		return err
	}
	return seeOther(c, "/notifications")
}

// notificationPages registers the notifications pages.
func (s *Server) notificationPages(p addPage) {
	p("GET", "/notifications", partners.Viewer, s.notificationsPage)
	p("POST", "/notifications/read", partners.Viewer, s.notificationsRead)
}
