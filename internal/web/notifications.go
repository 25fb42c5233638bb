package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/internal/notify"
	"github.com/partnerhub/partnerhub/partners"
)

func (s *Server) apiNotifications(c *fiber.Ctx) error {
	p, err := fetchPage(c, func(n notify.Notification) int64 { return n.ID }, func(before int64, limit int) ([]notify.Notification, error) {
		return notify.List(c.UserContext(), s.db, actorOf(c).Scope(), lang(c), before, limit)
	})
	if err != nil {
		return err
	}
	unread, err := notify.Unread(c.UserContext(), s.db, actorOf(c).Scope())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"data": p.Data, "next_cursor": p.NextCursor, "unread": unread})
}

func (s *Server) apiNotificationsRead(c *fiber.Ctx) error {
	var in struct {
		IDs []int64 `json:"ids"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	n, err := notify.MarkRead(c.UserContext(), s.db, actorOf(c).Scope(), in.IDs)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"count": n})
}

// notificationAPI is the notifications part of the API route table.
func (s *Server) notificationAPI() []route {
	return []route{
		{Method: "GET", Path: "/notifications", Role: partners.Viewer, Summary: "Your notifications, newest first", Tag: "notifications", Reply: "Notification", List: true, handler: s.apiNotifications},
		{Method: "POST", Path: "/notifications/read", Role: partners.Viewer, Summary: "Mark notifications read (all when ids is empty)", Tag: "notifications", Request: "MarkRead", Reply: "Count", handler: s.apiNotificationsRead},
	}
}
